"""Seasons, earned badges and member tiers: what the points engine's aggregates turn into."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class Season(Base):
    """A competition window; lifetime points are untouched, season points start at zero."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class SeasonResult(Base):
    """The archived final top N of an ended season."""

    __tablename__ = "season_results"

    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    points: Mapped[int] = mapped_column(Integer)


class MemberBadge(Base):
    __tablename__ = "member_badges"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    badge: Mapped[str] = mapped_column(String(40), primary_key=True)
    earned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MemberTier(Base):
    __tablename__ = "member_tiers"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    tier: Mapped[str] = mapped_column(String(40))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
