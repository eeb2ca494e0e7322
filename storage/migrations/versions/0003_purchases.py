"""Store purchases: inbox, orders, refunds, buyer links, claims, role grants, sync cursors

Revision ID: 0003_purchases
Revises: 0002
Create Date: 2026-11-23 16:58:38.709860

A feature branch off 0002 (multi-head): `upgrade` applies every head.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_purchases"
down_revision = "0002"
branch_labels = ("purchases",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "purchase_inbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("delivery_key", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_inbox")),
        sa.UniqueConstraint("delivery_key", name=op.f("uq_purchase_inbox_delivery_key")),
    )
    with op.batch_alter_table("purchase_inbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_purchase_inbox_pending",
            ["id"],
            unique=False,
            sqlite_where=sa.text("processed_at IS NULL"),
            postgresql_where=sa.text("processed_at IS NULL"),
        )

    op.create_table(
        "purchase_refunds",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("refund_id", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("full", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "order_id", "refund_id", name=op.f("pk_purchase_refunds")),
    )
    op.create_table(
        "purchase_sync_cursors",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("since", sa.String(length=40), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("fetched", sa.Integer(), server_default="0", nullable=False),
        sa.Column("done", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_purchase_sync_cursors")),
    )
    op.create_table(
        "purchase_claims",
        sa.Column("claim_hash", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_purchase_claims_member_id_members")),
        sa.PrimaryKeyConstraint("claim_hash", name=op.f("pk_purchase_claims")),
    )
    with op.batch_alter_table("purchase_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_claims_member_id"), ["member_id"], unique=False)

    op.create_table(
        "purchase_customers",
        sa.Column("customer_key", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_purchase_customers_member_id_members")),
        sa.PrimaryKeyConstraint("customer_key", name=op.f("pk_purchase_customers")),
    )
    with op.batch_alter_table("purchase_customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_customers_member_id"), ["member_id"], unique=False)

    op.create_table(
        "purchase_role_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("platform_user_id", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=140), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_purchase_role_grants_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchase_role_grants")),
        sa.UniqueConstraint(
            "platform",
            "platform_user_id",
            "role_id",
            name=op.f("uq_purchase_role_grants_platform_platform_user_id_role_id"),
        ),
    )
    with op.batch_alter_table("purchase_role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchase_role_grants_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchase_role_grants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("order_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider_status", sa.String(length=20), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("refunded_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("customer_key", sa.String(length=64), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("claim_hash", sa.String(length=64), nullable=False),
        sa.Column("referral_code", sa.String(length=64), nullable=True),
        sa.Column("items", sa.Text(), server_default="[]", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("winner_key", sa.String(length=120), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("effects_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("counted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("reversal_announced", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("announced_refund_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("points_reversed", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_purchases_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_purchases")),
        sa.UniqueConstraint("claim_hash", name=op.f("uq_purchases_claim_hash")),
        sa.UniqueConstraint("provider", "order_id", name=op.f("uq_purchases_provider_order_id")),
    )
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_purchases_customer_key"), ["customer_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_purchases_order_number"), ["order_number"], unique=False)
        batch_op.create_index(
            "ix_purchases_pending_effects",
            ["id"],
            unique=False,
            sqlite_where=sa.text("version > effects_version"),
            postgresql_where=sa.text("version > effects_version"),
        )


def downgrade() -> None:
    with op.batch_alter_table("purchases", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_purchases_pending_effects",
            sqlite_where=sa.text("version > effects_version"),
            postgresql_where=sa.text("version > effects_version"),
        )
        batch_op.drop_index(batch_op.f("ix_purchases_order_number"))
        batch_op.drop_index(batch_op.f("ix_purchases_member_id"))
        batch_op.drop_index(batch_op.f("ix_purchases_customer_key"))

    op.drop_table("purchases")
    with op.batch_alter_table("purchase_role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_role_grants_member_id"))
        batch_op.drop_index(batch_op.f("ix_purchase_role_grants_expires_at"))

    op.drop_table("purchase_role_grants")
    with op.batch_alter_table("purchase_customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_customers_member_id"))

    op.drop_table("purchase_customers")
    with op.batch_alter_table("purchase_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_purchase_claims_member_id"))

    op.drop_table("purchase_claims")
    op.drop_table("purchase_sync_cursors")
    op.drop_table("purchase_refunds")
    with op.batch_alter_table("purchase_inbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_purchase_inbox_pending",
            sqlite_where=sa.text("processed_at IS NULL"),
            postgresql_where=sa.text("processed_at IS NULL"),
        )

    op.drop_table("purchase_inbox")
