"""Badges and tiers: the roles Hearth granted for tiers

Revision ID: 0005_rewards
Revises: 0002
Create Date: 2026-11-24 12:00:00.000000

A feature branch off 0002 (multi-head): `upgrade` applies every head. ``member_badges`` and
``member_tiers`` themselves came with 0002.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_rewards"
down_revision = "0002"
branch_labels = ("rewards",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tier_role_grants",
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("platform_user_id", sa.String(length=64), nullable=False),
        sa.Column("role_id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_tier_role_grants_member_id_members")),
        sa.PrimaryKeyConstraint("platform", "platform_user_id", "role_id", name=op.f("pk_tier_role_grants")),
    )
    with op.batch_alter_table("tier_role_grants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tier_role_grants_member_id"), ["member_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tier_role_grants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tier_role_grants_member_id"))
    op.drop_table("tier_role_grants")
