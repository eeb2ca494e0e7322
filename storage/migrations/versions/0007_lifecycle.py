"""Onboarding and lifecycle: welcome state, checklist, DM settings and steps, stages, history, CRM outbox

Revision ID: 0007_lifecycle
Revises: 0002
Create Date: 2026-11-25 10:00:00.000000

A feature branch off 0002 (multi-head): `upgrade` applies every head. Matches storage/models/lifecycle.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_lifecycle"
down_revision = "0002"
branch_labels = ("lifecycle",)
depends_on = None


def _member_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f(f"fk_{table}_member_id_members"))


def upgrade() -> None:
    op.create_table(
        "onboarding_members",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("welcome_via", sa.String(length=12), nullable=True),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fallback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        _member_fk("onboarding_members"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_onboarding_members")),
    )
    op.create_index("ix_onboarding_members_joined_at", "onboarding_members", ["joined_at"], unique=False)
    op.create_table(
        "onboarding_checklist",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=40), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        _member_fk("onboarding_checklist"),
        sa.PrimaryKeyConstraint("member_id", "item", name=op.f("pk_onboarding_checklist")),
    )
    op.create_table(
        "member_dm_settings",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        _member_fk("member_dm_settings"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_member_dm_settings")),
    )
    op.create_table(
        "member_dm_steps",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.String(length=40), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        _member_fk("member_dm_steps"),
        sa.PrimaryKeyConstraint("member_id", "sequence", "step", name=op.f("pk_member_dm_steps")),
    )
    op.create_table(
        "lifecycle_members",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("stage_since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_active_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_action_at", sa.DateTime(timezone=True), nullable=True),
        _member_fk("lifecycle_members"),
        sa.PrimaryKeyConstraint("member_id", name=op.f("pk_lifecycle_members")),
    )
    op.create_index("ix_lifecycle_members_stage", "lifecycle_members", ["stage", "stage_since"], unique=False)
    op.create_table(
        "lifecycle_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("old_stage", sa.String(length=20), nullable=True),
        sa.Column("new_stage", sa.String(length=20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=False),
        _member_fk("lifecycle_history"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lifecycle_history")),
    )
    op.create_index(op.f("ix_lifecycle_history_member_id"), "lifecycle_history", ["member_id"], unique=False)
    op.create_table(
        "lifecycle_active_weeks",
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        _member_fk("lifecycle_active_weeks"),
        sa.PrimaryKeyConstraint("member_id", "week", name=op.f("pk_lifecycle_active_weeks")),
    )
    for table in ("crm_outbox", "crm_dead_letters"):
        outbox = table == "crm_outbox"
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("message_id", sa.String(length=40), nullable=False),
            sa.Column("event_type", sa.String(length=60), nullable=False),
            sa.Column("member_id", sa.Integer(), nullable=True),
            sa.Column("payload", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            *((sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
               sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False)) if outbox else
              (sa.Column("attempts", sa.Integer(), nullable=False),
               sa.Column("failed_at", sa.DateTime(timezone=True), nullable=False))),
            sa.Column("last_error", sa.String(length=300), nullable=True),
            _member_fk(table),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("message_id", name=op.f(f"uq_{table}_message_id")),
        )
        op.create_index(op.f(f"ix_{table}_member_id"), table, ["member_id"], unique=False)
    op.create_index("ix_crm_outbox_due", "crm_outbox", ["next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_crm_outbox_due", table_name="crm_outbox")
    for table in ("crm_dead_letters", "crm_outbox"):
        op.drop_index(op.f(f"ix_{table}_member_id"), table_name=table)
        op.drop_table(table)
    op.drop_table("lifecycle_active_weeks")
    op.drop_index(op.f("ix_lifecycle_history_member_id"), table_name="lifecycle_history")
    op.drop_table("lifecycle_history")
    op.drop_index("ix_lifecycle_members_stage", table_name="lifecycle_members")
    op.drop_table("lifecycle_members")
    op.drop_table("member_dm_steps")
    op.drop_table("member_dm_settings")
    op.drop_table("onboarding_checklist")
    op.drop_index("ix_onboarding_members_joined_at", table_name="onboarding_members")
    op.drop_table("onboarding_members")
