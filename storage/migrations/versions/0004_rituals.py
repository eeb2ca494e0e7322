"""Weekly rituals: definitions, occurrences (unique ritual + time), posts, participation, streaks

Revision ID: 0004_rituals
Revises: 0002
Create Date: 2026-11-24 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_rituals"
down_revision = "0002"
branch_labels = ("rituals",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ritual_roundups",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_ritual_roundups")),
    )
    op.create_table(
        "ritual_member_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_ritual_member_settings_member_id_members")
        ),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_ritual_member_settings")),
    )
    op.create_table(
        "ritual_weekly_active",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_weekly_active_member_id_members")),
        sa.PrimaryKeyConstraint("week", "member_id", name=op.f("pk_ritual_weekly_active")),
    )
    op.create_table(
        "rituals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=48), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("schedule", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=False),
        sa.Column("open_minutes", sa.Integer(), nullable=False),
        sa.Column("announce_minutes", sa.Integer(), nullable=False),
        sa.Column("remind_minutes", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("rsvp", sa.Boolean(), nullable=False),
        sa.Column("cohosts", sa.JSON(), nullable=False),
        sa.Column("active_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("held_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("posts_total", sa.Integer(), server_default="0", nullable=False),
        sa.Column("failing", sa.Boolean(), nullable=False),
        sa.Column("failure", sa.String(length=300), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["members.id"], name=op.f("fk_rituals_created_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rituals")),
        sa.UniqueConstraint("key", name=op.f("uq_rituals_key")),
    )
    op.create_table(
        "ritual_notices",
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["ritual_id"], ["rituals.id"], name=op.f("fk_ritual_notices_ritual_id_rituals")),
        sa.PrimaryKeyConstraint("ritual_id", "scheduled_at", "kind", name=op.f("pk_ritual_notices")),
    )
    op.create_table(
        "ritual_occurrences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("cohost_member_id", sa.Integer(), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("participants", sa.Integer(), server_default="0", nullable=False),
        sa.Column("posts", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["ritual_id"], ["rituals.id"], name=op.f("fk_ritual_occurrences_ritual_id_rituals")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ritual_occurrences")),
        sa.UniqueConstraint("ritual_id", "scheduled_at", name=op.f("uq_ritual_occurrences_ritual_id_scheduled_at")),
    )
    with op.batch_alter_table("ritual_occurrences", schema=None) as batch_op:
        batch_op.create_index("ix_ritual_occurrences_status", ["status", "closes_at"], unique=False)

    op.create_table(
        "ritual_reminders",
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_reminders_member_id_members")),
        sa.ForeignKeyConstraint(["ritual_id"], ["rituals.id"], name=op.f("fk_ritual_reminders_ritual_id_rituals")),
        sa.PrimaryKeyConstraint("ritual_id", "member_id", name=op.f("pk_ritual_reminders")),
    )
    op.create_table(
        "ritual_streaks",
        sa.Column("ritual_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=False),
        sa.Column("best", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_streaks_member_id_members")),
        sa.ForeignKeyConstraint(["ritual_id"], ["rituals.id"], name=op.f("fk_ritual_streaks_ritual_id_rituals")),
        sa.PrimaryKeyConstraint("ritual_id", "member_id", name=op.f("pk_ritual_streaks")),
    )
    with op.batch_alter_table("ritual_streaks", schema=None) as batch_op:
        batch_op.create_index("ix_ritual_streaks_current", ["ritual_id", "current"], unique=False)

    op.create_table(
        "ritual_entries",
        sa.Column("post_key", sa.String(length=120), nullable=False),
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("excerpt", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_entries_member_id_members")),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["ritual_occurrences.id"],
            name=op.f("fk_ritual_entries_occurrence_id_ritual_occurrences"),
        ),
        sa.PrimaryKeyConstraint("post_key", name=op.f("pk_ritual_entries")),
    )
    with op.batch_alter_table("ritual_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ritual_entries_occurrence_id"), ["occurrence_id"], unique=False)

    op.create_table(
        "ritual_participants",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_participants_member_id_members")),
        sa.ForeignKeyConstraint(
            ["occurrence_id"],
            ["ritual_occurrences.id"],
            name=op.f("fk_ritual_participants_occurrence_id_ritual_occurrences"),
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "member_id", name=op.f("pk_ritual_participants")),
    )
    with op.batch_alter_table("ritual_participants", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ritual_participants_member_id"), ["member_id"], unique=False)

    op.create_table(
        "ritual_posts",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("place_key", sa.String(length=140), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("thread_key", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["occurrence_id"], ["ritual_occurrences.id"], name=op.f("fk_ritual_posts_occurrence_id_ritual_occurrences")
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "place_key", name=op.f("pk_ritual_posts")),
    )
    op.create_table(
        "ritual_rsvps",
        sa.Column("occurrence_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_ritual_rsvps_member_id_members")),
        sa.ForeignKeyConstraint(
            ["occurrence_id"], ["ritual_occurrences.id"], name=op.f("fk_ritual_rsvps_occurrence_id_ritual_occurrences")
        ),
        sa.PrimaryKeyConstraint("occurrence_id", "member_id", name=op.f("pk_ritual_rsvps")),
    )


def downgrade() -> None:
    op.drop_table("ritual_rsvps")
    op.drop_table("ritual_posts")
    with op.batch_alter_table("ritual_participants", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ritual_participants_member_id"))

    op.drop_table("ritual_participants")
    with op.batch_alter_table("ritual_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ritual_entries_occurrence_id"))

    op.drop_table("ritual_entries")
    with op.batch_alter_table("ritual_streaks", schema=None) as batch_op:
        batch_op.drop_index("ix_ritual_streaks_current")

    op.drop_table("ritual_streaks")
    op.drop_table("ritual_reminders")
    with op.batch_alter_table("ritual_occurrences", schema=None) as batch_op:
        batch_op.drop_index("ix_ritual_occurrences_status")

    op.drop_table("ritual_occurrences")
    op.drop_table("ritual_notices")
    op.drop_table("rituals")
    op.drop_table("ritual_weekly_active")
    op.drop_table("ritual_member_settings")
    op.drop_table("ritual_roundups")
