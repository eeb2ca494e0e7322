"""Onboarding and lifecycle: welcome state, checklist progress, stages and their history, DM sequences,
and the CRM outbox (persisted before sending, so a restart never loses a stage change).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class OnboardingMember(Base):
    """A member's welcome: when they joined, how the welcome reached them, when the checklist was done."""

    __tablename__ = "onboarding_members"
    __table_args__ = (Index("ix_onboarding_members_joined_at", "joined_at"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # How the welcome went out: dm | fallback | start | failed; None while it hasn't been tried.
    welcome_via: Mapped[str | None] = mapped_column(String(12), nullable=True)
    welcomed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Set by the one process that posts the channel mention: "once" survives restarts and races.
    fallback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ChecklistProgress(Base):
    """One activation-checklist item a member has done (the primary key makes ticking it idempotent)."""

    __tablename__ = "onboarding_checklist"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(40), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DmSetting(Base):
    """No longer written: ``/dm off`` is stored in ``member_preferences`` (one place for every opt-out, shared
    with ``/privacy dms``). Kept until a migration that follows both branches can move old rows and drop it."""

    __tablename__ = "member_dm_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DmStep(Base):
    """A sequence step for one member: claimed (inserted) before sending, so it is never sent twice."""

    __tablename__ = "member_dm_steps"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    # "welcome" or "stage:<stage>".
    sequence: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[int] = mapped_column(Integer, primary_key=True)
    # sending | sent | undeliverable | skipped_done | skipped_stage | skipped_opt_out | skipped_late
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class LifecycleMember(Base):
    """A member's lifecycle stage and the facts that move it that no other feature keeps."""

    __tablename__ = "lifecycle_members"
    __table_args__ = (Index("ix_lifecycle_members_stage", "stage", "stage_since"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(20))
    stage_since: Mapped[datetime] = mapped_column(UTCDateTime())
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The first meaningful action (a points rule from [lifecycle.activated]): activates within the window.
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StageHistory(Base):
    """Every stage change, for ``/mod member`` and the progression metrics."""

    __tablename__ = "lifecycle_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    old_stage: Mapped[str | None] = mapped_column(String(20), nullable=True)
    new_stage: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(120))


class ActiveWeek(Base):
    """A week (community timezone, ``w2026-03``) in which the member posted, reacted or earned points."""

    __tablename__ = "lifecycle_active_weeks"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(8), primary_key=True)


class OutboxMessage(Base):
    """A CRM webhook waiting to be delivered: written with the stage change, deleted once delivered."""

    __tablename__ = "crm_outbox"
    __table_args__ = (Index("ix_crm_outbox_due", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The Standard Webhooks ``webhook-id``: the same on every attempt, so the receiver can de-duplicate.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True, index=True)
    # The exact body bytes that are signed and sent (names and account ids: personal).
    payload: Mapped[str] = mapped_column(Text, info={"personal": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)


class DeadLetter(Base):
    """A CRM webhook that failed every attempt: kept for ``hearth outbox list`` and ``retry``."""

    __tablename__ = "crm_dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True, index=True)
    payload: Mapped[str] = mapped_column(Text, info={"personal": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
