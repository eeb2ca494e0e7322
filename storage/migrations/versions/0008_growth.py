"""Growth: UGC submissions and milestone requests, referral codes, invites, joins, orders and conversions,
partners, asks, one-off notices, and launch campaigns (phases posted once per place, waitlists, early-access DMs)

Revision ID: 0008_growth
Revises: 0002
Create Date: 2026-11-28 10:00:00.000000

A feature branch off 0002 (multi-head): `upgrade` applies every head. Matches ``storage/models/growth.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_growth"
down_revision = "0002"
branch_labels = ("growth",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "growth_notices",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_growth_notices")),
    )
    op.create_table(
        "launches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("product_ids", sa.JSON(), nullable=False),
        sa.Column("places", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("tier", sa.String(length=40), nullable=True),
        sa.Column("preview_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waitlist_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("early_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("public_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recap_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_launches")),
        sa.UniqueConstraint("key", name=op.f("uq_launches_key")),
    )
    op.create_table(
        "referral_asks",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("last_asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("asks", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_referral_asks_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_referral_asks")),
    )
    op.create_table(
        "referral_codes",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("discount_code", sa.String(length=64), nullable=True),
        sa.Column("discount_ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_referral_codes_member_id_members")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_referral_codes")),
        sa.UniqueConstraint("member_id", "kind", name=op.f("uq_referral_codes_member_id_kind")),
    )
    op.create_table(
        "referral_customers",
        sa.Column("customer_ref", sa.String(length=140), nullable=False),
        sa.Column("referrer_member_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("bonus", sa.Integer(), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reversed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referrer_member_id"],
            ["members.id"],
            name=op.f("fk_referral_customers_referrer_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("customer_ref", name=op.f("pk_referral_customers")),
    )
    with op.batch_alter_table("referral_customers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_customers_converted_at"), ["converted_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_customers_referrer_member_id"), ["referrer_member_id"], unique=False
        )

    op.create_table(
        "referral_invites",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("place_key", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_referral_invites_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "place_key", name=op.f("pk_referral_invites")),
        sa.UniqueConstraint("link", name=op.f("uq_referral_invites_link")),
    )
    with op.batch_alter_table("referral_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_invites_name"), ["name"], unique=False)

    op.create_table(
        "referral_joins",
        sa.Column("referred_member_id", sa.Integer(), nullable=False),
        sa.Column("referrer_member_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("place_key", sa.String(length=120), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referred_member_id"],
            ["members.id"],
            name=op.f("fk_referral_joins_referred_member_id_members"),
        ),
        sa.ForeignKeyConstraint(
            ["referrer_member_id"],
            ["members.id"],
            name=op.f("fk_referral_joins_referrer_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("referred_member_id", name=op.f("pk_referral_joins")),
    )
    with op.batch_alter_table("referral_joins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_joins_referrer_member_id"), ["referrer_member_id"], unique=False)

    op.create_table(
        "referral_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("referrer_member_id", sa.Integer(), nullable=False),
        sa.Column("customer_ref", sa.String(length=140), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("refunded_minor", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("commission_bp", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["referrer_member_id"],
            ["members.id"],
            name=op.f("fk_referral_orders_referrer_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_orders")),
        sa.UniqueConstraint("provider", "order_id", name=op.f("uq_referral_orders_provider_order_id")),
    )
    with op.batch_alter_table("referral_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_orders_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_orders_referrer_member_id"), ["referrer_member_id"], unique=False)

    op.create_table(
        "referral_partners",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("commission_bp", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_referral_partners_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_referral_partners")),
        sa.UniqueConstraint("code", name=op.f("uq_referral_partners_code")),
    )
    op.create_table(
        "ugc_milestone_requests",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("first_order_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["members.id"],
            name=op.f("fk_ugc_milestone_requests_member_id_members"),
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_ugc_milestone_requests")),
    )
    op.create_table(
        "ugc_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("content_key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link_url", sa.String(length=500), nullable=True),
        sa.Column("link_platform", sa.String(length=20), nullable=True),
        sa.Column("media_url", sa.String(length=500), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=True),
        sa.Column("place_key", sa.String(length=120), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("consent", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("featured", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=True),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("featured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ugc_submissions_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ugc_submissions")),
        sa.UniqueConstraint("member_id", "content_key", name=op.f("uq_ugc_submissions_member_id_content_key")),
    )
    with op.batch_alter_table("ugc_submissions", schema=None) as batch_op:
        batch_op.create_index("ix_ugc_submissions_feed", ["consent", "status", "reviewed_at"], unique=False)
        batch_op.create_index("ix_ugc_submissions_status", ["status", "created_at"], unique=False)

    op.create_table(
        "launch_dms",
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["launch_id"], ["launches.id"], name=op.f("fk_launch_dms_launch_id_launches")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_launch_dms_member_id_members")),
        sa.PrimaryKeyConstraint("launch_id", "member_id", name=op.f("pk_launch_dms")),
    )
    op.create_table(
        "launch_posts",
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("place_key", sa.String(length=120), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("thread_key", sa.String(length=120), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["launch_id"], ["launches.id"], name=op.f("fk_launch_posts_launch_id_launches")),
        sa.PrimaryKeyConstraint("launch_id", "phase", "place_key", name=op.f("pk_launch_posts")),
    )
    op.create_table(
        "launch_waitlist",
        sa.Column("launch_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["launch_id"], ["launches.id"], name=op.f("fk_launch_waitlist_launch_id_launches")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_launch_waitlist_member_id_members")),
        sa.PrimaryKeyConstraint("launch_id", "member_id", name=op.f("pk_launch_waitlist")),
    )
    with op.batch_alter_table("launch_waitlist", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_launch_waitlist_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("launch_waitlist", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_launch_waitlist_member_id"))

    op.drop_table("launch_waitlist")
    op.drop_table("launch_posts")
    op.drop_table("launch_dms")
    with op.batch_alter_table("ugc_submissions", schema=None) as batch_op:
        batch_op.drop_index("ix_ugc_submissions_status")
        batch_op.drop_index("ix_ugc_submissions_feed")

    op.drop_table("ugc_submissions")
    op.drop_table("ugc_milestone_requests")
    op.drop_table("referral_partners")
    with op.batch_alter_table("referral_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_orders_referrer_member_id"))
        batch_op.drop_index(batch_op.f("ix_referral_orders_at"))

    op.drop_table("referral_orders")
    with op.batch_alter_table("referral_joins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_joins_referrer_member_id"))

    op.drop_table("referral_joins")
    with op.batch_alter_table("referral_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_invites_name"))

    op.drop_table("referral_invites")
    with op.batch_alter_table("referral_customers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_customers_referrer_member_id"))
        batch_op.drop_index(batch_op.f("ix_referral_customers_converted_at"))

    op.drop_table("referral_customers")
    op.drop_table("referral_codes")
    op.drop_table("referral_asks")
    op.drop_table("launches")
    op.drop_table("growth_notices")
