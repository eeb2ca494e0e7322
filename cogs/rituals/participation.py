"""Who took part: thread posts, participants (once per member per occurrence), streaks, RSVPs and opt-ins.

A member's first post in an occurrence inserts their participant row; the primary key makes a replayed
or second post a no-op, and only a new row moves the counters and the streak — all in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.rituals.store import OccurrenceView
from cogs.rituals.templates import TopPost
from storage.database import Database
from storage.models import (
    Member,
    PostStats,
    Ritual,
    RitualEntry,
    RitualMemberSettings,
    RitualOccurrence,
    RitualParticipant,
    RitualReminder,
    RitualRsvp,
    RitualStreak,
    RitualWeeklyActive,
)
from storage.upsert import insert_ignoring


def advance_streak(current: int, best: int, last_number: int | None, number: int) -> tuple[int, int, int]:
    """The streak after taking part in occurrence ``number``: consecutive numbers extend it."""
    if last_number is not None and number <= last_number:
        return current, best, last_number  # an older occurrence still open: the streak already moved on
    current = current + 1 if last_number == number - 1 else 1
    return current, max(best, current), number


def effective_streak(current: int, last_number: int, held_count: int, latest_open: bool) -> int:
    """A streak is alive while the member took part in the latest occurrence (or it is still open)."""
    needed = held_count - 1 if latest_open else held_count
    return current if last_number >= needed else 0


@dataclass(frozen=True)
class EntryResult:
    new_entry: bool
    new_participant: bool
    streak: int


class ParticipationStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    @staticmethod
    def _dialect(session: AsyncSession) -> str:
        return session.bind.dialect.name

    async def record(self, occurrence: OccurrenceView, member_id: int, post_key: str, excerpt: str,
                     at: datetime) -> EntryResult:
        async with self.database.session() as session, session.begin():
            dialect = self._dialect(session)
            entry = await session.execute(insert_ignoring(dialect, RitualEntry.__table__, ["post_key"]).values(
                post_key=post_key, occurrence_id=occurrence.id, member_id=member_id, at=at, excerpt=excerpt[:120]))
            new_entry = bool(entry.rowcount)  # type: ignore[attr-defined]
            if not new_entry:
                return EntryResult(False, False, 0)
            joined = await session.execute(insert_ignoring(dialect, RitualParticipant.__table__,
                                                           ["occurrence_id", "member_id"]).values(
                occurrence_id=occurrence.id, member_id=member_id, at=at))
            new_participant = bool(joined.rowcount)  # type: ignore[attr-defined]
            await session.execute(update(RitualOccurrence).where(RitualOccurrence.id == occurrence.id).values(
                posts=RitualOccurrence.posts + 1,
                participants=RitualOccurrence.participants + (1 if new_participant else 0)))
            await session.execute(update(Ritual).where(Ritual.id == occurrence.ritual_id).values(
                posts_total=Ritual.posts_total + 1))
            streak = 0
            if new_participant and occurrence.number:
                streak = await self._advance(session, occurrence.ritual_id, member_id, occurrence.number)
            return EntryResult(True, new_participant, streak)

    @staticmethod
    async def _advance(session: AsyncSession, ritual_id: int, member_id: int, number: int) -> int:
        row = await session.get(RitualStreak, (ritual_id, member_id))
        if row is None:
            session.add(RitualStreak(ritual_id=ritual_id, member_id=member_id, current=1, best=1, last_number=number))
            return 1
        row.current, row.best, row.last_number = advance_streak(row.current, row.best, row.last_number, number)
        return row.current

    async def entry_keys(self, occurrence_ids: Sequence[int]) -> dict[str, int]:
        """Post key → occurrence of every entry (replies to an entry count as answers too, on Telegram)."""
        if not occurrence_ids:
            return {}
        async with self.database.session() as session:
            rows = await session.execute(select(RitualEntry.post_key, RitualEntry.occurrence_id)
                                         .where(RitualEntry.occurrence_id.in_(occurrence_ids)))
            return {key: occurrence_id for key, occurrence_id in rows.all()}

    async def participant_names(self, occurrence_id: int) -> list[str]:
        async with self.database.session() as session:
            rows = await session.scalars(
                select(Member.display_name).join(RitualParticipant, RitualParticipant.member_id == Member.id)
                .where(RitualParticipant.occurrence_id == occurrence_id).order_by(RitualParticipant.at))
            return list(rows)

    async def top_posts(self, occurrence_ids: Sequence[int], limit: int) -> tuple[TopPost, ...]:
        """Entries with the most distinct reactors (``post_stats``, maintained by the points engine)."""
        if not occurrence_ids:
            return ()
        async with self.database.session() as session:
            rows = await session.execute(
                select(Member.display_name, RitualEntry.excerpt, PostStats.reactors)
                .join(PostStats, PostStats.post_key == RitualEntry.post_key)
                .join(Member, Member.id == RitualEntry.member_id)
                .where(RitualEntry.occurrence_id.in_(occurrence_ids), PostStats.reactors > 0)
                .order_by(PostStats.reactors.desc(), RitualEntry.at).limit(limit))
            return tuple(TopPost(name, excerpt, reactors) for name, excerpt, reactors in rows.all())

    async def streak_holders(self, ritual_id: int, number: int, limit: int = 5) -> list[tuple[str, int]]:
        """Members whose streak reached this occurrence, longest first (runs of two or more)."""
        async with self.database.session() as session:
            rows = await session.execute(
                select(Member.display_name, RitualStreak.current).join(Member, Member.id == RitualStreak.member_id)
                .where(RitualStreak.ritual_id == ritual_id, RitualStreak.last_number == number,
                       RitualStreak.current >= 2)
                .order_by(RitualStreak.current.desc()).limit(limit))
            return [(name, current) for name, current in rows.all()]

    async def add_active(self, pairs: Iterable[tuple[str, int]]) -> None:
        rows = [{"week": week, "member_id": member_id} for week, member_id in pairs]
        if not rows:
            return
        async with self.database.session() as session, session.begin():
            await session.execute(insert_ignoring(self._dialect(session), RitualWeeklyActive.__table__,
                                                  ["week", "member_id"]), rows)

    async def active_members(self, week: str) -> set[int]:
        async with self.database.session() as session:
            return set(await session.scalars(select(RitualWeeklyActive.member_id)
                                             .where(RitualWeeklyActive.week == week)))

    # --- RSVPs, reminders, timezones ---------------------------------------------------------------

    async def rsvp(self, occurrence_id: int, member_id: int, at: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(self._dialect(session), RitualRsvp.__table__,
                                                           ["occurrence_id", "member_id"]).values(
                occurrence_id=occurrence_id, member_id=member_id, at=at))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def rsvps(self, occurrence_id: int) -> list[int]:
        async with self.database.session() as session:
            return list(await session.scalars(select(RitualRsvp.member_id)
                                              .where(RitualRsvp.occurrence_id == occurrence_id)))

    async def set_reminder(self, ritual_id: int, member_id: int, on: bool) -> bool:
        """Opt in or out; True if that changed anything."""
        async with self.database.session() as session, session.begin():
            if on:
                result = await session.execute(insert_ignoring(self._dialect(session), RitualReminder.__table__,
                                                               ["ritual_id", "member_id"]).values(
                    ritual_id=ritual_id, member_id=member_id))
            else:
                result = await session.execute(delete(RitualReminder).where(
                    RitualReminder.ritual_id == ritual_id, RitualReminder.member_id == member_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def reminded_members(self, ritual_id: int) -> list[int]:
        async with self.database.session() as session:
            return list(await session.scalars(select(RitualReminder.member_id)
                                              .where(RitualReminder.ritual_id == ritual_id)))

    async def reminders_of(self, member_id: int) -> set[int]:
        async with self.database.session() as session:
            return set(await session.scalars(select(RitualReminder.ritual_id)
                                             .where(RitualReminder.member_id == member_id)))

    async def member_timezone(self, member_id: int) -> str | None:
        async with self.database.session() as session:
            return await session.scalar(select(RitualMemberSettings.timezone)
                                        .where(RitualMemberSettings.member_id == member_id))

    async def set_member_timezone(self, member_id: int, timezone: str) -> None:
        async with self.database.session() as session, session.begin():
            row = await session.get(RitualMemberSettings, member_id)
            if row is None:
                session.add(RitualMemberSettings(member_id=member_id, timezone=timezone))
            else:
                row.timezone = timezone

    # --- linking accounts --------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        """Move the merged member's rows to the kept one; where both have a row, the kept one's stays."""
        keyed: tuple[tuple[Table, tuple[str, ...]], ...] = (
            (RitualParticipant.__table__, ("occurrence_id",)), (RitualStreak.__table__, ("ritual_id",)),
            (RitualRsvp.__table__, ("occurrence_id",)), (RitualReminder.__table__, ("ritual_id",)),
            (RitualMemberSettings.__table__, ()), (RitualWeeklyActive.__table__, ("week",)))
        async with self.database.session() as session, session.begin():
            for table, others in keyed:
                twin = table.alias("twin")
                clash = select(twin.c.member_id).where(twin.c.member_id == kept,
                                                       *(twin.c[c] == table.c[c] for c in others)).exists()
                await session.execute(update(table).where(table.c.member_id == merged, ~clash)
                                      .values(member_id=kept))
                await session.execute(delete(table).where(table.c.member_id == merged))
            await session.execute(update(RitualEntry).where(RitualEntry.member_id == merged).values(member_id=kept))
            await session.execute(update(RitualOccurrence).where(RitualOccurrence.cohost_member_id == merged)
                                  .values(cohost_member_id=kept))
            await session.execute(update(Ritual).where(Ritual.created_by == merged).values(created_by=kept))
            for ritual in await session.scalars(select(Ritual)):
                if merged in ritual.cohosts:
                    ritual.cohosts = list(dict.fromkeys(kept if m == merged else m for m in ritual.cohosts))
