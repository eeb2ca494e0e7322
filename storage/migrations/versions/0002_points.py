"""Points ledger, aggregates, seasons, badges and tiers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:43:00.615726
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "post_stats",
        sa.Column("post_key", sa.String(length=120), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=True),
        sa.Column("reactors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("post_key", name=op.f("pk_post_stats")),
    )
    with op.batch_alter_table("post_stats", schema=None) as batch_op:
        batch_op.create_index("ix_post_stats_author", ["author_member_id", "reactors"], unique=False)

    op.create_table(
        "seasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_seasons")),
    )
    op.create_table(
        "daily_counts",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_daily_counts_member_id_members")),
        sa.PrimaryKeyConstraint("day", "member_id", "rule", name=op.f("pk_daily_counts")),
    )
    op.create_table(
        "member_badges",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("badge", sa.String(length=40), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_badges_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "badge", name=op.f("pk_member_badges")),
    )
    op.create_table(
        "member_scores",
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("helpers", sa.Integer(), nullable=False),
        sa.Column("creators", sa.Integer(), nullable=False),
        sa.Column("referrers", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_scores_member_id_members")),
        sa.PrimaryKeyConstraint("period", "member_id", name=op.f("pk_member_scores")),
    )
    with op.batch_alter_table("member_scores", schema=None) as batch_op:
        batch_op.create_index("ix_member_scores_creators", ["period", "creators"], unique=False)
        batch_op.create_index("ix_member_scores_helpers", ["period", "helpers"], unique=False)
        batch_op.create_index("ix_member_scores_points", ["period", "points"], unique=False)
        batch_op.create_index("ix_member_scores_referrers", ["period", "referrers"], unique=False)

    op.create_table(
        "member_tiers",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=40), nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_tiers_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_tiers")),
    )
    op.create_table(
        "points_ledger",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source_key", sa.String(length=200), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("actor_member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_points_ledger_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_ledger")),
        sa.UniqueConstraint("source_key", name=op.f("uq_points_ledger_source_key")),
    )
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_points_ledger_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_points_ledger_actor", ["actor_member_id", "created_at"], unique=False)

    op.create_table(
        "rule_counts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_rule_counts_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "rule", name=op.f("pk_rule_counts")),
    )
    op.create_table(
        "season_results",
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_season_results_member_id_members")),
        sa.ForeignKeyConstraint(["season_id"], ["seasons.id"], name=op.f("fk_season_results_season_id_seasons")),
        sa.PrimaryKeyConstraint("season_id", "rank", name=op.f("pk_season_results")),
    )


def downgrade() -> None:

    op.drop_table("season_results")
    op.drop_table("rule_counts")
    with op.batch_alter_table("points_ledger", schema=None) as batch_op:
        batch_op.drop_index("ix_points_ledger_actor")
        batch_op.drop_index(batch_op.f("ix_points_ledger_member_id"))

    op.drop_table("points_ledger")
    op.drop_table("member_tiers")
    with op.batch_alter_table("member_scores", schema=None) as batch_op:
        batch_op.drop_index("ix_member_scores_referrers")
        batch_op.drop_index("ix_member_scores_points")
        batch_op.drop_index("ix_member_scores_helpers")
        batch_op.drop_index("ix_member_scores_creators")

    op.drop_table("member_scores")
    op.drop_table("member_badges")
    op.drop_table("daily_counts")
    op.drop_table("seasons")
    with op.batch_alter_table("post_stats", schema=None) as batch_op:
        batch_op.drop_index("ix_post_stats_author")

    op.drop_table("post_stats")
