"""The points ledger and the aggregates maintained beside it (never SUM() over the ledger at read time).

Per award the hot path writes two rows — the ledger entry and the member's ``member_points`` row — so
the pipeline keeps up with tens of thousands of awards a second on SQLite.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class LedgerEntry(Base):
    """One award or reversal. ``source_key`` is unique: replays and retries can never count twice."""

    __tablename__ = "points_ledger"
    __table_args__ = (
        # Append-only in time order, so cheap to maintain; restores today's daily caps after a restart.
        Index("ix_points_ledger_created_at", "created_at"),
        # Only moderator grants and thanks have an actor: a partial index costs chat awards nothing.
        Index("ix_points_ledger_actor", "actor_member_id", "created_at",
              sqlite_where=text("actor_member_id IS NOT NULL"),
              postgresql_where=text("actor_member_id IS NOT NULL")),
        # A forgotten member's awards stay, anonymised: the community's totals and history keep adding up.
        {"info": {"on_forget": "anonymise"}},
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # Keys embed platform message and user ids: replaced when a member is forgotten.
    source_key: Mapped[str] = mapped_column(String(200), unique=True, info={"personal": "unique"})
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    amount: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    season_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str | None] = mapped_column(String(200), nullable=True, info={"personal": True})
    actor_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class MemberPoints(Base):
    """A member's totals: lifetime, the current week and season, and contribution counts by category.

    ``week``/``season_id`` say which week and season the ``*_points`` columns belong to; a member who
    hasn't scored this week still carries last week's key, so "this week" leaderboards filter on it.
    """

    __tablename__ = "member_points"
    __table_args__ = (
        # The member id closes each index: leaderboards break ties by it, so the top N come straight off the index.
        Index("ix_member_points_lifetime", "lifetime", "member_id"),
        Index("ix_member_points_week", "week", "week_points", "member_id"),
        Index("ix_member_points_season", "season_id", "season_points", "member_id"),
        Index("ix_member_points_helpers", "helpers", "member_id", sqlite_where=text("helpers > 0"),
              postgresql_where=text("helpers > 0")),
        Index("ix_member_points_creators", "creators", "member_id", sqlite_where=text("creators > 0"),
              postgresql_where=text("creators > 0")),
        Index("ix_member_points_referrers", "referrers", "member_id", sqlite_where=text("referrers > 0"),
              postgresql_where=text("referrers > 0")),
    )

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    lifetime: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    week: Mapped[str] = mapped_column(String(8), default="", server_default="")
    week_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    season_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    season_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    helpers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    creators: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    referrers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class RuleCount(Base):
    """How many awards (net of reversals) and points a member has from each rule: badges read this."""

    __tablename__ = "rule_counts"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(32), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PostStats(Base):
    """Distinct reactors per post (message), for the trendsetter badge and ritual recaps.

    Maintained from reaction ledger rows: their source key is unique per (post, reactor), so each
    recorded reaction is one new distinct reactor and each reversal one fewer.
    """

    __tablename__ = "post_stats"
    __table_args__ = (Index("ix_post_stats_author", "author_member_id", "reactors"),)

    post_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    author_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reactors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
