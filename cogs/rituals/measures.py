"""Ritual measures for metrics and badges, read from maintained counters (never a scan of messages).

- attendance: an occurrence's participants ÷ the members active (posted or reacted) in its week;
- posts triggered per ritual: the ``posts_total`` counter;
- streak distribution and a member's streak: the ``ritual_streaks`` rows, judged alive or broken against
  the ritual's latest held occurrence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from cogs.rituals.participation import effective_streak
from storage.database import Database
from storage.models import Ritual, RitualOccurrence, RitualStreak, RitualWeeklyActive


@dataclass(frozen=True)
class Attendance:
    occurrence_id: int
    participants: int
    active_members: int

    @property
    def rate(self) -> float | None:
        """Participants ÷ active members that week; None when nobody was active."""
        return self.participants / self.active_members if self.active_members else None


@dataclass(frozen=True)
class Streak:
    """A member's streak on one ritual: ``current`` consecutive occurrences (0 if broken), ``best`` ever."""

    ritual_key: str
    ritual_name: str
    current: int
    best: int


async def attendance(database: Database, occurrence_id: int) -> Attendance | None:
    async with database.session() as session:
        row = await session.get(RitualOccurrence, occurrence_id)
        if row is None:
            return None
        active = await session.scalar(select(func.count()).select_from(RitualWeeklyActive)
                                      .where(RitualWeeklyActive.week == row.week))
        return Attendance(occurrence_id, row.participants, int(active or 0))


async def attendance_by_occurrence(database: Database, ritual_key: str) -> list[Attendance]:
    """Attendance of every held occurrence of a ritual, oldest first."""
    async with database.session() as session:
        active = (select(RitualWeeklyActive.week, func.count().label("members"))
                  .group_by(RitualWeeklyActive.week).subquery())
        rows = await session.execute(
            select(RitualOccurrence.id, RitualOccurrence.participants, func.coalesce(active.c.members, 0))
            .join(Ritual, Ritual.id == RitualOccurrence.ritual_id)
            .outerjoin(active, active.c.week == RitualOccurrence.week)
            .where(Ritual.key == ritual_key, RitualOccurrence.number > 0)
            .order_by(RitualOccurrence.scheduled_at))
        return [Attendance(occurrence_id, participants, int(members)) for occurrence_id, participants, members
                in rows.all()]


async def posts_per_ritual(database: Database) -> dict[str, int]:
    """Posts members made in each ritual's threads, all time, by ritual key."""
    async with database.session() as session:
        rows = await session.execute(select(Ritual.key, Ritual.posts_total).where(Ritual.deleted_at.is_(None)))
        return {key: value for key, value in rows.all()}


async def _latest_open(database: Database, ritual: Ritual) -> bool:
    async with database.session() as session:
        status = await session.scalar(select(RitualOccurrence.status).where(
            RitualOccurrence.ritual_id == ritual.id, RitualOccurrence.number == ritual.held_count))
        return status in {"posting", "open"}


async def _ritual(database: Database, ritual_key: str) -> Ritual | None:
    async with database.session() as session:
        return await session.scalar(select(Ritual).where(Ritual.key == ritual_key))


async def streak_distribution(database: Database, ritual_key: str) -> dict[int, int]:
    """Live streak length → how many members have it (members with a broken streak are left out)."""
    ritual = await _ritual(database, ritual_key)
    if ritual is None:
        return {}
    latest_open = await _latest_open(database, ritual)
    async with database.session() as session:
        rows = await session.execute(select(RitualStreak.current, RitualStreak.last_number)
                                     .where(RitualStreak.ritual_id == ritual.id))
        lengths = Counter(effective_streak(current, last, ritual.held_count, latest_open) for current, last in rows)
    lengths.pop(0, None)
    return dict(sorted(lengths.items()))


async def member_streak(database: Database, member_id: int, ritual_key: str) -> Streak | None:
    """A member's streak on a ritual (what the badges feature reads); None if the ritual doesn't exist."""
    ritual = await _ritual(database, ritual_key)
    if ritual is None:
        return None
    async with database.session() as session:
        row = await session.get(RitualStreak, (ritual.id, member_id))
    if row is None:
        return Streak(ritual.key, ritual.name, 0, 0)
    current = effective_streak(row.current, row.last_number, ritual.held_count, await _latest_open(database, ritual))
    return Streak(ritual.key, ritual.name, current, row.best)


async def member_streaks(database: Database, member_id: int) -> list[Streak]:
    """Every ritual a member has a streak record on (for /profile)."""
    async with database.session() as session:
        keys = list(await session.scalars(select(Ritual.key).join(RitualStreak, RitualStreak.ritual_id == Ritual.id)
                                          .where(RitualStreak.member_id == member_id,
                                                 Ritual.deleted_at.is_(None)).order_by(Ritual.id)))
    streaks = [await member_streak(database, member_id, key) for key in keys]
    return [streak for streak in streaks if streak is not None]
