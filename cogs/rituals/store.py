"""Ritual definitions, occurrences and per-channel posts in the database; every claim is an atomic write.

Claims are INSERT … ON CONFLICT DO NOTHING (occurrences, channel posts, reminders, roundups) or a
conditional UPDATE (closing, retrying a channel), each committed in its own transaction before the
side effect it guards: the process whose write took effect is the only one that acts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.rituals.config import RitualDefinition, duration
from cogs.rituals.schedule import Schedule, parse_schedule
from storage.database import Database
from storage.models import Ritual, RitualNotice, RitualOccurrence, RitualPost, RitualRoundup
from storage.upsert import insert_ignoring

# Fields a config ritual takes from the file on every start (state such as paused or co-hosts stays).
CONFIG_FIELDS = ("name", "enabled", "schedule", "timezone", "channels", "prompt", "open_minutes",
                 "announce_minutes", "remind_minutes", "points", "rsvp")


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


@dataclass(frozen=True)
class RitualView:
    """A ritual as the scheduler and the commands see it, detached from any session."""

    id: int
    key: str
    name: str
    source: str
    enabled: bool
    paused: bool
    schedule: Schedule
    timezone: str
    channels: tuple[str, ...]
    prompt: str
    open_for: timedelta
    announce: timedelta
    remind: timedelta
    points: int | None
    rsvp: bool
    cohosts: tuple[int, ...]
    active_since: datetime
    held_count: int
    posts_total: int
    failing: bool
    failure: str | None
    created_by: int | None
    deleted: bool

    @property
    def active(self) -> bool:
        return self.enabled and not self.paused and not self.deleted

    @property
    def status(self) -> str:
        if self.deleted:
            return "deleted"
        if not self.enabled:
            return "disabled"
        if self.paused:
            return "paused"
        return "failing" if self.failing else "active"


def view_of(row: Ritual, community_timezone: str) -> RitualView:
    return RitualView(
        id=row.id, key=row.key, name=row.name, source=row.source, enabled=row.enabled, paused=row.paused,
        schedule=parse_schedule(row.schedule, row.timezone or community_timezone), timezone=row.timezone,
        channels=tuple(row.channels), prompt=row.prompt, open_for=timedelta(minutes=row.open_minutes),
        announce=timedelta(minutes=row.announce_minutes), remind=timedelta(minutes=row.remind_minutes),
        points=row.points, rsvp=row.rsvp, cohosts=tuple(row.cohosts), active_since=row.active_since,
        held_count=row.held_count, posts_total=row.posts_total, failing=row.failing, failure=row.failure,
        created_by=row.created_by, deleted=row.deleted_at is not None)


def config_values(definition: RitualDefinition) -> dict[str, Any]:
    return {
        "name": definition.name, "enabled": definition.enabled, "schedule": definition.schedule,
        "timezone": definition.timezone, "channels": list(definition.channels), "prompt": definition.prompt,
        "open_minutes": minutes(duration(definition.open_for)),
        "announce_minutes": minutes(duration(definition.announce_before, allow_zero=True)),
        "remind_minutes": minutes(duration(definition.remind_before, allow_zero=True)),
        "points": definition.points, "rsvp": definition.rsvp,
    }


@dataclass(frozen=True)
class OccurrenceView:
    id: int
    ritual_id: int
    scheduled_at: datetime
    status: str
    number: int | None
    week: str
    cohost_member_id: int | None
    claimed_at: datetime
    closes_at: datetime | None
    participants: int
    posts: int


def occurrence_of(row: RitualOccurrence) -> OccurrenceView:
    return OccurrenceView(row.id, row.ritual_id, row.scheduled_at, row.status, row.number, row.week,
                          row.cohost_member_id, row.claimed_at, row.closes_at, row.participants, row.posts)


@dataclass(frozen=True)
class PostView:
    occurrence_id: int
    place_key: str
    status: str
    message_id: str | None
    thread_key: str | None
    attempts: int


class RitualStore:
    def __init__(self, database: Database, community_timezone: str) -> None:
        self.database = database
        self.community_timezone = community_timezone

    @staticmethod
    def _dialect(session: AsyncSession) -> str:
        return session.bind.dialect.name

    # --- definitions ---------------------------------------------------------------------------

    async def sync_config(self, definitions: Sequence[RitualDefinition], now: datetime) -> None:
        """Bring config rituals in line with the file; rituals a moderator took over are left alone."""
        wanted = {d.key: d for d in definitions}
        async with self.database.session() as session, session.begin():
            rows = {r.key: r for r in (await session.scalars(select(Ritual).where(Ritual.deleted_at.is_(None))))}
            for key, definition in wanted.items():
                values = config_values(definition)
                row = rows.get(key)
                if row is None:
                    session.add(Ritual(key=key, source="config", paused=False, cohosts=[], active_since=now,
                                       failing=False, created_at=now, held_count=0, posts_total=0, **values))
                    continue
                if row.source != "config":
                    continue
                if (values["schedule"], values["timezone"]) != (row.schedule, row.timezone) or (
                        values["enabled"] and not row.enabled):
                    row.active_since = now  # no surprise post for a time that passed before the change
                for name in CONFIG_FIELDS:
                    setattr(row, name, values[name])
            for key, row in rows.items():
                if row.source == "config" and key not in wanted:
                    row.enabled = False  # kept for its history and streaks

    async def rituals(self, *, include_deleted: bool = False) -> list[RitualView]:
        async with self.database.session() as session:
            query = select(Ritual).order_by(Ritual.id)
            if not include_deleted:
                query = query.where(Ritual.deleted_at.is_(None))
            return [view_of(row, self.community_timezone) for row in await session.scalars(query)]

    async def get(self, ritual_id: int) -> RitualView | None:
        async with self.database.session() as session:
            row = await session.get(Ritual, ritual_id)
            return view_of(row, self.community_timezone) if row is not None else None

    async def find(self, text: str) -> RitualView | None:
        """A live ritual by key or (case-insensitive) name."""
        wanted = text.strip().lower()
        for ritual in await self.rituals():
            if wanted in {ritual.key, ritual.name.lower()}:
                return ritual
        return None

    async def create(self, **values: Any) -> RitualView:
        async with self.database.session() as session, session.begin():
            row = Ritual(source="moderator", held_count=0, posts_total=0, failing=False, **values)
            session.add(row)
            await session.flush()
            return view_of(row, self.community_timezone)

    async def update(self, ritual_id: int, **values: Any) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(Ritual).where(Ritual.id == ritual_id).values(**values))

    async def mark_failing(self, ritual_id: int, failure: str | None) -> None:
        await self.update(ritual_id, failing=failure is not None, failure=failure[:300] if failure else None)

    # --- occurrences ---------------------------------------------------------------------------

    async def last_scheduled(self) -> dict[int, datetime]:
        async with self.database.session() as session:
            rows = await session.execute(select(RitualOccurrence.ritual_id, func.max(RitualOccurrence.scheduled_at))
                                         .group_by(RitualOccurrence.ritual_id))
            return {ritual_id: at for ritual_id, at in rows.all()}

    async def claim(self, ritual: RitualView, at: datetime, status: str, week: str, now: datetime) -> int | None:
        """Insert the occurrence row (ritual, at); its id if this call inserted it, else None."""
        table = RitualOccurrence.__table__
        async with self.database.session() as session, session.begin():
            closes = at + ritual.open_for if status == "posting" else None
            statement = insert_ignoring(self._dialect(session), table, ["ritual_id", "scheduled_at"]).values(
                ritual_id=ritual.id, scheduled_at=at, status=status, week=week, claimed_at=now, closes_at=closes,
                participants=0, posts=0).returning(table.c.id)
            return (await session.execute(statement)).scalar_one_or_none()

    async def occurrence(self, occurrence_id: int) -> OccurrenceView | None:
        async with self.database.session() as session:
            row = await session.get(RitualOccurrence, occurrence_id)
            return occurrence_of(row) if row is not None else None

    async def occurrence_at(self, ritual_id: int, at: datetime) -> OccurrenceView | None:
        async with self.database.session() as session:
            row = await session.scalar(select(RitualOccurrence).where(RitualOccurrence.ritual_id == ritual_id,
                                                                      RitualOccurrence.scheduled_at == at))
            return occurrence_of(row) if row is not None else None

    async def occurrences(self, *statuses: str, ritual_id: int | None = None) -> list[OccurrenceView]:
        async with self.database.session() as session:
            query = select(RitualOccurrence).where(RitualOccurrence.status.in_(statuses))
            if ritual_id is not None:
                query = query.where(RitualOccurrence.ritual_id == ritual_id)
            rows = await session.scalars(query.order_by(RitualOccurrence.scheduled_at))
            return [occurrence_of(row) for row in rows]

    async def latest_held(self, ritual_id: int, *, exclude: int | None = None) -> OccurrenceView | None:
        """The ritual's most recent occurrence that was posted somewhere (optionally not ``exclude``)."""
        async with self.database.session() as session:
            query = select(RitualOccurrence).where(RitualOccurrence.ritual_id == ritual_id,
                                                   RitualOccurrence.number > 0)
            if exclude is not None:
                query = query.where(RitualOccurrence.id != exclude)
            row = await session.scalar(query.order_by(RitualOccurrence.number.desc()).limit(1))
            return occurrence_of(row) if row is not None else None

    async def held_in(self, start: datetime, end: datetime, limit: int) -> list[tuple[str, OccurrenceView]]:
        """Held occurrences scheduled in [start, end), best attended first, with their ritual's name."""
        async with self.database.session() as session:
            rows = await session.execute(
                select(Ritual.name, RitualOccurrence).join(Ritual, Ritual.id == RitualOccurrence.ritual_id)
                .where(RitualOccurrence.scheduled_at >= start, RitualOccurrence.scheduled_at < end,
                       RitualOccurrence.number > 0)
                .order_by(RitualOccurrence.participants.desc(), RitualOccurrence.posts.desc()).limit(limit))
            return [(name, occurrence_of(row)) for name, row in rows.all()]

    async def set_status(self, occurrence_id: int, status: str, *, expected: Sequence[str] = (),
                         at: datetime | None = None) -> bool:
        """Move an occurrence to ``status``; with ``expected``, only from those (a claim: True if it moved)."""
        async with self.database.session() as session, session.begin():
            statement = update(RitualOccurrence).where(RitualOccurrence.id == occurrence_id).values(status=status)
            if expected:
                statement = statement.where(RitualOccurrence.status.in_(expected))
            if at is not None:
                statement = statement.values(closed_at=at)
            result = await session.execute(statement)
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def hold(self, occurrence_id: int, ritual: RitualView) -> int | None:
        """Number the occurrence on its first successful post (streaks count only held occurrences)."""
        async with self.database.session() as session, session.begin():
            claimed = await session.execute(update(RitualOccurrence).where(
                RitualOccurrence.id == occurrence_id, RitualOccurrence.number.is_(None)).values(number=0))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return None
            number = (await session.execute(update(Ritual).where(Ritual.id == ritual.id).values(
                held_count=Ritual.held_count + 1).returning(Ritual.held_count))).scalar_one()
            cohost = ritual.cohosts[(number - 1) % len(ritual.cohosts)] if ritual.cohosts else None
            await session.execute(update(RitualOccurrence).where(RitualOccurrence.id == occurrence_id).values(
                number=number, cohost_member_id=cohost))
            return number

    # --- channel posts -------------------------------------------------------------------------

    async def claim_post(self, occurrence_id: int, place_key: str) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(self._dialect(session), RitualPost.__table__,
                                                           ["occurrence_id", "place_key"]).values(
                occurrence_id=occurrence_id, place_key=place_key, status="sending", attempts=1))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_retry(self, post: PostView) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(RitualPost).where(
                RitualPost.occurrence_id == post.occurrence_id, RitualPost.place_key == post.place_key,
                RitualPost.status == "failed", RitualPost.attempts == post.attempts).values(
                status="sending", attempts=post.attempts + 1))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def post_sent(self, occurrence_id: int, place_key: str, message_id: str, thread_key: str | None) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(RitualPost).where(
                RitualPost.occurrence_id == occurrence_id, RitualPost.place_key == place_key).values(
                status="sent", message_id=message_id, thread_key=thread_key, error=None, retry_at=None))

    async def post_failed(self, occurrence_id: int, place_key: str, error: str, retry_at: datetime) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(RitualPost).where(
                RitualPost.occurrence_id == occurrence_id, RitualPost.place_key == place_key).values(
                status="failed", error=error[:200], retry_at=retry_at))

    async def posts(self, occurrence_ids: Sequence[int]) -> list[PostView]:
        if not occurrence_ids:
            return []
        async with self.database.session() as session:
            rows = await session.scalars(select(RitualPost).where(RitualPost.occurrence_id.in_(occurrence_ids)))
            return [PostView(r.occurrence_id, r.place_key, r.status, r.message_id, r.thread_key, r.attempts)
                    for r in rows]

    async def retries_due(self, now: datetime) -> list[PostView]:
        async with self.database.session() as session:
            rows = await session.scalars(
                select(RitualPost).join(RitualOccurrence, RitualOccurrence.id == RitualPost.occurrence_id)
                .where(RitualPost.status == "failed", RitualPost.retry_at <= now,
                       RitualOccurrence.status.in_(("posting", "open")), RitualOccurrence.closes_at > now))
            return [PostView(r.occurrence_id, r.place_key, r.status, r.message_id, r.thread_key, r.attempts)
                    for r in rows]

    # --- one-off claims ------------------------------------------------------------------------

    async def claim_notice(self, ritual_id: int, at: datetime, kind: str, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(self._dialect(session), RitualNotice.__table__,
                                                           ["ritual_id", "scheduled_at", "kind"]).values(
                ritual_id=ritual_id, scheduled_at=at, kind=kind, sent_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_roundup(self, month: str, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(self._dialect(session), RitualRoundup.__table__,
                                                           ["month"]).values(month=month, posted_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def next_retry(self) -> datetime | None:
        async with self.database.session() as session:
            return await session.scalar(
                select(func.min(RitualPost.retry_at))
                .join(RitualOccurrence, RitualOccurrence.id == RitualPost.occurrence_id)
                .where(RitualPost.status == "failed", RitualOccurrence.status.in_(("posting", "open"))))

    async def has_failed_posts(self, ritual_id: int) -> bool:
        async with self.database.session() as session:
            found = await session.scalar(
                select(RitualPost.place_key).join(RitualOccurrence, RitualOccurrence.id == RitualPost.occurrence_id)
                .where(RitualOccurrence.ritual_id == ritual_id, RitualPost.status == "failed",
                       RitualOccurrence.status.in_(("posting", "open"))).limit(1))
            return found is not None
