"""The points engine: every award goes through one queue and is written in batches.

Hot paths (messages, reactions) call ``submit`` and move on; a single writer task turns the queue into
one transaction every ``flush_interval`` (or sooner when ``batch_size`` awards wait): ledger rows are
inserted with ON CONFLICT DO NOTHING on their unique source key, and only the rows really inserted
update the aggregates (scores per period, counts per rule, daily totals, distinct reactors per post).
An award is acknowledged (its future resolved) only after that transaction commits.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import delete, func, select, update

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import PointsAwarded
from cogs.points.ranks import RankIndex
from cogs.points.rules import RuleBook
from cogs.points.totals import LEDGER_COLUMNS, points_totals
from storage.batch import batch_writer_for
from storage.database import Database
from storage.models import LedgerEntry, MemberPoints, PostStats, RuleCount, Season
from storage.upsert import insert_adding

log = logging.getLogger("hearth.points")

WRITE_ATTEMPTS = 3


@dataclass(slots=True)
class Award:
    """One award (or, with ``reversal``, the undoing of one). ``source_key`` makes it idempotent."""

    member_id: int
    rule: str
    amount: int
    source_key: str
    at: datetime
    note: str | None = None
    actor_member_id: int | None = None
    post_key: str | None = None
    post_author_id: int | None = None
    reversal: bool = False
    queued_at: float = 0.0  # monotonic time it entered the queue: measures submit → durable latency


class PointsEngine:
    def __init__(self, database: Database, bus: EventBus, clock: Clock, rules: RuleBook, timezone: tzinfo, *,
                 writer: str = "process", flush_interval: float = 0.1, batch_size: int = 1000) -> None:
        self.database = database
        self.writer = batch_writer_for(database, writer)
        self.bus = bus
        self.clock = clock
        self.rules = rules
        self.timezone = timezone
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.ranks = RankIndex()
        self.season_id: int | None = None
        self.awards_written = 0
        self.durable_latency: deque[float] = deque(maxlen=10_000)
        self._queue: list[tuple[Award, asyncio.Future[bool] | None]] = []
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._flush_lock = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        now = self.clock.now()
        day_start = now.astimezone(self.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
        # A Core connection, not an ORM session: a million rows of totals load in a third of the time.
        async with self.database.engine.connect() as connection:
            self.season_id = await connection.scalar(
                select(Season.id).where(Season.ended_at.is_(None)).order_by(Season.id.desc()).limit(1))
            rows = await connection.execute(select(MemberPoints.member_id, MemberPoints.lifetime))
            self.ranks.load(rows.all())
            # Today's totals per member and rule, so daily caps hold across a restart (one scan at start).
            # Grouped by rule first: grouped by member first, SQLite (no statistics) walked the whole ledger
            # through the member index to skip a sort (6 s at 10M rows) instead of today's rows by time.
            daily = await connection.execute(
                select(LedgerEntry.member_id, LedgerEntry.rule, func.sum(LedgerEntry.amount))
                .where(LedgerEntry.created_at >= day_start, LedgerEntry.amount > 0)
                .group_by(LedgerEntry.rule, LedgerEntry.member_id))
            self.rules.seed_daily(self.rules.day_of(now), {(m, r): int(p) for m, r, p in daily.all()})
        await self.writer.start()
        self._stopping = False
        self._writer = asyncio.create_task(self._run(), name="points-writer")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
            self._writer = None
        await self.flush()
        await self.writer.close()

    # --- writing -------------------------------------------------------------------------------

    def submit(self, award: Award, *, acknowledge: bool = False) -> asyncio.Future[bool] | None:
        """Queue an award. With ``acknowledge``, the future resolves True (recorded) or False (duplicate)."""
        future = asyncio.get_running_loop().create_future() if acknowledge else None
        award.queued_at = time.monotonic()
        self._queue.append((award, future))
        if len(self._queue) >= self.batch_size:
            self._wake.set()
        return future

    @property
    def backlogged(self) -> bool:
        """True while the writer is a full batch behind: hot paths ``await wait_for_room()`` before submitting."""
        return len(self._queue) >= self.batch_size

    async def wait_for_room(self) -> None:
        """Back-pressure. Without it a flood would queue without bound and "durable within 250 ms" would stop
        being true; with it the chat events themselves slow down, which the platforms buffer for us.
        """
        while len(self._queue) >= self.batch_size:
            self._wake.set()
            self._room.clear()
            await self._room.wait()

    async def enqueue(self, award: Award) -> None:
        """``submit`` with back-pressure, for hot paths."""
        if len(self._queue) >= self.batch_size:
            await self.wait_for_room()
        self.submit(award)

    async def award(self, award: Award) -> bool:
        """Queue an award and wait until it is durable; False if its source key was already recorded."""
        future = self.submit(award, acknowledge=True)
        self._wake.set()
        assert future is not None
        return await future

    async def flush(self) -> None:
        """Write everything queued so far, and wait for writes already under way (reads after it see all)."""
        async with self._flush_lock:
            await self._drain()

    async def _drain(self) -> None:
        while self._queue:
            batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size:]
            # Hot paths refill the queue while this batch is written: chat work and SQL overlap.
            self._room.set()
            await self._write(batch)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.flush_interval)
            except TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.flush()
            except Exception:
                log.exception("points writer failed; the batch's awards were not acknowledged")

    async def _write(self, batch: list[tuple[Award, asyncio.Future[bool] | None]]) -> None:
        unique: dict[str, Award] = {}
        for award, _ in batch:
            unique.setdefault(award.source_key, award)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                recorded = await self._write_once(list(unique.values()))
                break
            except Exception as error:
                if attempt == WRITE_ATTEMPTS:
                    for _, future in batch:
                        if future is not None and not future.done():
                            future.set_exception(error)
                    raise
                await asyncio.sleep(0.05 * attempt)
        self.awards_written += len(recorded)
        # The batch's first award waited longest: its latency bounds everyone's in the batch.
        self.durable_latency.append(time.monotonic() - batch[0][0].queued_at)
        if any(future is not None for _, future in batch):
            written = {award.source_key for award in recorded}
            for award, future in batch:
                if future is not None and not future.done():
                    # Only the first queued copy of a key counts as recorded.
                    future.set_result(award.source_key in written and unique[award.source_key] is award)
        if self.bus.wants(PointsAwarded):
            for award in recorded:
                await self.bus.publish(PointsAwarded(member_id=award.member_id, rule=award.rule,
                                                     amount=award.amount, source_key=award.source_key, at=award.at))

    async def _write_once(self, awards: list[Award]) -> list[Award]:
        season_id = self.season_id
        week_of = self.rules.week_of
        rows = [(a.source_key, a.member_id, a.rule, a.amount, a.at, season_id, a.note, a.actor_member_id)
                for a in awards]
        extras = [(week_of(a.at), a.post_key, a.post_author_id, a.reversal) for a in awards]
        inserted = await self.writer.write("points_ledger", "source_key", LEDGER_COLUMNS, rows, points_totals,
                                           extras, season_id or 0)
        recorded = [awards[index] for index in inserted]
        deltas: dict[int, int] = {}
        for award in recorded:
            deltas[award.member_id] = deltas.get(award.member_id, 0) + award.amount
        for member_id, delta in deltas.items():
            self.ranks.add(member_id, delta)
        return recorded

    # --- corrections ---------------------------------------------------------------------------

    async def reverse(self, source_key: str, reason: str, at: datetime | None = None,
                      post_key: str | None = None) -> bool:
        """Undo a recorded award (refund, removed reaction). False if there was nothing to undo."""
        await self.flush()
        async with self.database.session() as session:
            original = (await session.execute(select(LedgerEntry).where(LedgerEntry.source_key == source_key))
                        ).scalar_one_or_none()
        if original is None or original.amount < 0:
            return False
        return await self.award(Award(member_id=original.member_id, rule=original.rule, amount=-original.amount,
                                      source_key=f"{source_key}:reversed", at=at or self.clock.now(),
                                      note=reason[:200], post_key=post_key, reversal=True))

    async def merge_members(self, kept: int, merged: int) -> None:
        """Move the merged member's points onto the kept one (after ``/link``)."""
        async with self._flush_lock:
            await self._drain()
            await self._move_rows(kept, merged)
        self.ranks.merge(kept, merged)

    async def _move_rows(self, kept: int, merged: int) -> None:
        async with self.database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            await session.execute(update(LedgerEntry).where(LedgerEntry.member_id == merged).values(member_id=kept))
            points = (await session.execute(select(MemberPoints).where(MemberPoints.member_id == merged))
                      ).scalar_one_or_none()
            if points is not None:
                row = {c.name: getattr(points, c.key) for c in MemberPoints.__table__.columns}
                row["member_id"] = kept
                await session.execute(delete(MemberPoints).where(MemberPoints.member_id == merged))
                await session.execute(insert_adding(
                    dialect, MemberPoints.__table__, ["member_id"],
                    ["lifetime", "helpers", "creators", "referrers"],
                    resets=(("week_points", "week"), ("season_points", "season_id"))), [row])
            counts = (await session.execute(select(RuleCount.rule, RuleCount.count, RuleCount.points)
                                            .where(RuleCount.member_id == merged))).all()
            if counts:
                await session.execute(delete(RuleCount).where(RuleCount.member_id == merged))
                await session.execute(insert_adding(dialect, RuleCount.__table__, ["member_id", "rule"],
                                                    ["count", "points"]),
                                      [{"member_id": kept, "rule": r, "count": c, "points": p} for r, c, p in counts])
            await session.execute(update(PostStats).where(PostStats.author_member_id == merged)
                                  .values(author_member_id=kept))
