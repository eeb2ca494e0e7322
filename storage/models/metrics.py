"""Community metrics: per-member daily activity (what no other feature counts), stored figures, report claims.

``metrics_member_days`` holds one row per member per active day (community timezone), written in batches
from the chat events: monthly active members, posts per week and peer interaction come from it exactly,
for any window, without scanning messages. ``metric_snapshots`` keeps each day's rolling figures (for
exports and trends); a ``metric_reports`` row is the claim that the weekly report for a week was posted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class MemberActivityDay(Base):
    """What one member did on one day: posts, reactions given, and interactions with another member."""

    __tablename__ = "metrics_member_days"

    # ISO date in the community timezone ("2026-03-02"): window queries are range scans on the key.
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    posts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    reactions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Replies to, mentions of and reactions on another member's message.
    interactions: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MetricSnapshot(Base):
    """One figure over the ``period`` ("7d", "30d") that ended at the start of ``day`` (community timezone)."""

    __tablename__ = "metric_snapshots"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    period: Mapped[str] = mapped_column(String(8), primary_key=True)
    metric: Mapped[str] = mapped_column(String(48), primary_key=True)
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MetricReport(Base):
    """The weekly report for the week starting ``week_start``: inserted before posting, so it posts once."""

    __tablename__ = "metric_reports"

    week_start: Mapped[str] = mapped_column(String(10), primary_key=True)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
