"""Points ledger, aggregates, seasons, badges and tiers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:50:46.561490
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
        sa.Column("reactors", sa.Integer(), server_default="0", nullable=False),
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
        "member_badges",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("badge", sa.String(length=40), nullable=False),
        sa.Column("earned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_badges_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", "badge", name=op.f("pk_member_badges")),
    )
    op.create_table(
        "member_points",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("lifetime", sa.Integer(), server_default="0", nullable=False),
        sa.Column("week", sa.String(length=8), server_default="", nullable=False),
        sa.Column("week_points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=True),
        sa.Column("season_points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("helpers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("creators", sa.Integer(), server_default="0", nullable=False),
        sa.Column("referrers", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_member_points_member_id_members")),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_points")),
    )
    with op.batch_alter_table("member_points", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_points_creators",
            ["creators"],
            unique=False,
            sqlite_where=sa.text("creators > 0"),
            postgresql_where=sa.text("creators > 0"),
        )
        batch_op.create_index(
            "ix_member_points_helpers",
            ["helpers"],
            unique=False,
            sqlite_where=sa.text("helpers > 0"),
            postgresql_where=sa.text("helpers > 0"),
        )
        batch_op.create_index("ix_member_points_lifetime", ["lifetime"], unique=False)
        batch_op.create_index(
            "ix_member_points_referrers",
            ["referrers"],
            unique=False,
            sqlite_where=sa.text("referrers > 0"),
            postgresql_where=sa.text("referrers > 0"),
        )
        batch_op.create_index("ix_member_points_season", ["season_id", "season_points"], unique=False)
        batch_op.create_index("ix_member_points_week", ["week", "week_points"], unique=False)

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
        batch_op.create_index(
            "ix_points_ledger_actor",
            ["actor_member_id", "created_at"],
            unique=False,
            sqlite_where=sa.text("actor_member_id IS NOT NULL"),
            postgresql_where=sa.text("actor_member_id IS NOT NULL"),
        )
        batch_op.create_index("ix_points_ledger_created_at", ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_points_ledger_member_id"), ["member_id"], unique=False)

    op.create_table(
        "rule_counts",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("points", sa.Integer(), server_default="0", nullable=False),
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
        batch_op.drop_index(batch_op.f("ix_points_ledger_member_id"))
        batch_op.drop_index("ix_points_ledger_created_at")
        batch_op.drop_index(
            "ix_points_ledger_actor",
            sqlite_where=sa.text("actor_member_id IS NOT NULL"),
            postgresql_where=sa.text("actor_member_id IS NOT NULL"),
        )

    op.drop_table("points_ledger")
    op.drop_table("member_tiers")
    with op.batch_alter_table("member_points", schema=None) as batch_op:
        batch_op.drop_index("ix_member_points_week")
        batch_op.drop_index("ix_member_points_season")
        batch_op.drop_index(
            "ix_member_points_referrers",
            sqlite_where=sa.text("referrers > 0"),
            postgresql_where=sa.text("referrers > 0"),
        )
        batch_op.drop_index("ix_member_points_lifetime")
        batch_op.drop_index(
            "ix_member_points_helpers", sqlite_where=sa.text("helpers > 0"), postgresql_where=sa.text("helpers > 0")
        )
        batch_op.drop_index(
            "ix_member_points_creators", sqlite_where=sa.text("creators > 0"), postgresql_where=sa.text("creators > 0")
        )

    op.drop_table("member_points")
    op.drop_table("member_badges")
    op.drop_table("seasons")
    with op.batch_alter_table("post_stats", schema=None) as batch_op:
        batch_op.drop_index("ix_post_stats_author")

    op.drop_table("post_stats")
