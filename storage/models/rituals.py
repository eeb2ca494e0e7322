"""Weekly rituals: definitions, one row per occurrence (unique ritual + time), participation and streaks.

The occurrence row is the claim: whoever inserts it posts, so restarts and a second process never post
twice. Per-channel rows make a crashed post resumable without repeating a channel that may have got it.
Counters (participants, posts, streaks, weekly active members) are maintained as things happen.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Ritual(Base):
    """A ritual from the config file (``source = "config"``) or from ``/mod ritual create``."""

    __tablename__ = "rituals"
    # Its creator forgetting themselves must not delete the ritual and its history: anonymised instead.
    __table_args__ = {"info": {"on_forget": "anonymise"}}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(String(12))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    schedule: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    channels: Mapped[list[str]] = mapped_column(JSON)
    prompt: Mapped[str] = mapped_column(Text)
    open_minutes: Mapped[int] = mapped_column(Integer)
    announce_minutes: Mapped[int] = mapped_column(Integer, default=0)
    remind_minutes: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rsvp: Mapped[bool] = mapped_column(Boolean, default=False)
    cohosts: Mapped[list[int]] = mapped_column(JSON)
    # Fire times before this are never posted nor counted missed (creation, resume, schedule change).
    active_since: Mapped[datetime] = mapped_column(UTCDateTime())
    held_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    posts_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    failing: Mapped[bool] = mapped_column(Boolean, default=False)
    failure: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RitualOccurrence(Base):
    """One scheduled time of a ritual: posting → open → closed, or missed / skipped."""

    __tablename__ = "ritual_occurrences"
    __table_args__ = (
        UniqueConstraint("ritual_id", "scheduled_at"),
        Index("ix_ritual_occurrences_status", "status", "closes_at"),
        # A forgotten co-host is anonymised, not the occurrence deleted (posts and answers hang off it).
        {"info": {"on_forget": "anonymise"}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12))
    # The n-th held occurrence of the ritual (streaks count consecutive numbers); None if not held.
    number: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The community-timezone ISO week, to divide participants by that week's active members.
    week: Mapped[str] = mapped_column(String(8))
    cohost_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    participants: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    posts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RitualPost(Base):
    """The occurrence's message in one channel; inserted before sending, so a channel is tried once."""

    __tablename__ = "ritual_posts"

    occurrence_id: Mapped[int] = mapped_column(ForeignKey("ritual_occurrences.id"), primary_key=True)
    place_key: Mapped[str] = mapped_column(String(140), primary_key=True)
    status: Mapped[str] = mapped_column(String(12))  # sending | sent | failed
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class RitualEntry(Base):
    """A member's post in an occurrence's thread (top posts join ``post_stats`` on ``post_key``)."""

    __tablename__ = "ritual_entries"

    post_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(ForeignKey("ritual_occurrences.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    excerpt: Mapped[str] = mapped_column(String(120), info={"personal": True})


class RitualParticipant(Base):
    """Who took part in an occurrence: the primary key makes participation count once per member."""

    __tablename__ = "ritual_participants"

    occurrence_id: Mapped[int] = mapped_column(ForeignKey("ritual_occurrences.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RitualStreak(Base):
    """A member's run of consecutive held occurrences of a ritual (``last_number`` is where it stands)."""

    __tablename__ = "ritual_streaks"
    __table_args__ = (Index("ix_ritual_streaks_current", "ritual_id", "current"),)

    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    current: Mapped[int] = mapped_column(Integer)
    best: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer)


class RitualRsvp(Base):
    __tablename__ = "ritual_rsvps"

    occurrence_id: Mapped[int] = mapped_column(ForeignKey("ritual_occurrences.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class RitualReminder(Base):
    """A member's opt-in (``/remindme ritual``) to be DMed before each occurrence."""

    __tablename__ = "ritual_reminders"

    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class RitualNotice(Base):
    """The claim for a one-off send tied to a fire time (the reminders), like occurrences are for posts."""

    __tablename__ = "ritual_notices"

    ritual_id: Mapped[int] = mapped_column(ForeignKey("rituals.id"), primary_key=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RitualMemberSettings(Base):
    """A member's own timezone for ``/rituals`` and reminders."""

    __tablename__ = "ritual_member_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))


class RitualWeeklyActive(Base):
    """Members who posted or reacted in a (community-timezone) week: the attendance denominator."""

    __tablename__ = "ritual_weekly_active"

    week: Mapped[str] = mapped_column(String(8), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)


class RitualRoundup(Base):
    """The claim for a month's "community wins" roundup (``YYYY-MM``)."""

    __tablename__ = "ritual_roundups"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())

