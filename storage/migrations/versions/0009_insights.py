"""Insights: member privacy preferences, per-member daily activity, metric snapshots and weekly report claims

Revision ID: 0009_insights
Revises: 0002
Create Date: 2026-11-23 18:30:00.000000

A feature branch off 0002 (multi-head): `upgrade` applies every head. Matches ``storage/models/privacy.py`` and
``storage/models/metrics.py``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_insights"
down_revision = "0002"
branch_labels = ("insights",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member_preferences",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("show_on_leaderboard", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("allow_dms", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("show_on_proof", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_preferences_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_preferences")),
    )
    op.create_index("ix_member_preferences_proof", "member_preferences", ["member_id"], unique=False,
                    sqlite_where=sa.text("show_on_proof"), postgresql_where=sa.text("show_on_proof"))
    op.create_table(
        "metrics_member_days",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("posts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("reactions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("interactions", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_metrics_member_days_member_id_members")),
        sa.PrimaryKeyConstraint("day", "member_id", name=op.f("pk_metrics_member_days")),
    )
    op.create_index(op.f("ix_metrics_member_days_member_id"), "metrics_member_days", ["member_id"], unique=False)
    op.create_table(
        "metric_snapshots",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("period", sa.String(length=8), nullable=False),
        sa.Column("metric", sa.String(length=48), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "period", "metric", name=op.f("pk_metric_snapshots")),
    )
    op.create_table(
        "metric_reports",
        sa.Column("week_start", sa.String(length=10), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("week_start", name=op.f("pk_metric_reports")),
    )


def downgrade() -> None:
    op.drop_table("metric_reports")
    op.drop_table("metric_snapshots")
    op.drop_index(op.f("ix_metrics_member_days_member_id"), table_name="metrics_member_days")
    op.drop_table("metrics_member_days")
    op.drop_index("ix_member_preferences_proof", table_name="member_preferences")
    op.drop_table("member_preferences")
