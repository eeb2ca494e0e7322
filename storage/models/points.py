"""The points ledger and the aggregates maintained beside it (never SUM() over the ledger at read time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class LedgerEntry(Base):
    """One award or reversal. ``source_key`` is unique: replays and retries can never count twice."""

    __tablename__ = "points_ledger"
    # Peer-thanks limits count a giver's recent thanks.
    __table_args__ = (Index("ix_points_ledger_actor", "actor_member_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source_key: Mapped[str] = mapped_column(String(200), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    season_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    actor_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MemberScore(Base):
    """Points and category counts of a member in one period: ``all``, ``s<season id>`` or ``w<ISO week>``."""

    __tablename__ = "member_scores"
    __table_args__ = (
        Index("ix_member_scores_points", "period", "points"),
        Index("ix_member_scores_helpers", "period", "helpers"),
        Index("ix_member_scores_creators", "period", "creators"),
        Index("ix_member_scores_referrers", "period", "referrers"),
    )

    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)
    helpers: Mapped[int] = mapped_column(Integer, default=0)
    creators: Mapped[int] = mapped_column(Integer, default=0)
    referrers: Mapped[int] = mapped_column(Integer, default=0)


class RuleCount(Base):
    """How many awards (net of reversals) and points a member has from each rule: badges read this."""

    __tablename__ = "rule_counts"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    points: Mapped[int] = mapped_column(Integer, default=0)


class DailyCount(Base):
    """Points per member, rule and day (community timezone): daily caps survive restarts."""

    __tablename__ = "daily_counts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    points: Mapped[int] = mapped_column(Integer, default=0)


class PostStats(Base):
    """Distinct reactors per post (message), for the trendsetter badge and ritual recaps.

    Maintained from reaction ledger rows: their source key is unique per (post, reactor), so each
    recorded reaction is one new distinct reactor and each reversal one fewer.
    """

    __tablename__ = "post_stats"
    __table_args__ = (Index("ix_post_stats_author", "author_member_id", "reactors"),)

    post_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    author_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reactors: Mapped[int] = mapped_column(Integer, default=0)
