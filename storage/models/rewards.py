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
    # Past podiums stay (anonymised) when a member asks to be forgotten.
    __table_args__ = {"info": {"on_forget": "anonymise"}}

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


class TierRoleGrant(Base):
    """A role (Telegram: a gated chat) Hearth gave one account for a tier.

    Only roles recorded here are ever taken back, so a role a moderator gave by hand stays; and a start-up
    reconcile grants what is missing without asking the platform who holds what.
    """

    __tablename__ = "tier_role_grants"

    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    platform_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    role_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    tier: Mapped[str] = mapped_column(String(40))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
