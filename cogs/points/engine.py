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
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import delete, select, update

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import PointsAwarded
from cogs.points.ranks import RankIndex
from cogs.points.rules import RuleBook
from storage.database import Database
from storage.models import DailyCount, LedgerEntry, MemberScore, PostStats, RuleCount, Season
from storage.upsert import insert_adding, insert_ignoring

log = logging.getLogger("hearth.points")

CATEGORY_OF_RULE = {
    "peer_help": "helpers", "answer_accepted": "helpers", "mentoring": "helpers",
    "ugc_post": "creators", "tutorial": "creators", "product_review": "creators",
    "referral_converted": "referrers",
}
CATEGORIES = ("points", "helpers", "creators", "referrers")
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


def week_key(at: datetime, timezone: tzinfo) -> str:
    year, week, _ = at.astimezone(timezone).isocalendar()
    return f"w{year}-{week:02d}"


class _Totals:
    """Per-batch aggregate deltas, so each aggregate row is written once per transaction."""

    def __init__(self) -> None:
        self.scores: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        self.rules: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
        self.daily: dict[tuple[str, int, str], int] = defaultdict(int)
        self.posts: dict[str, list[int | None]] = {}

    def add(self, award: Award, periods: Iterable[str], day: str) -> None:
        step = -1 if award.reversal else 1
        category = CATEGORY_OF_RULE.get(award.rule)
        column = CATEGORIES.index(category) if category else None
        for period in periods:
            row = self.scores[(period, award.member_id)]
            row[0] += award.amount
            if column is not None:
                row[column] += step
        counts = self.rules[(award.member_id, award.rule)]
        counts[0] += step
        counts[1] += award.amount
        if award.amount and not award.reversal:
            self.daily[(day, award.member_id, award.rule)] += award.amount
        if award.post_key:
            post = self.posts.setdefault(award.post_key, [award.post_author_id, 0])
            post[1] = int(post[1] or 0) + step


class PointsEngine:
    def __init__(self, database: Database, bus: EventBus, clock: Clock, rules: RuleBook, timezone: tzinfo, *,
                 flush_interval: float = 0.1, batch_size: int = 4000) -> None:
        self.database = database
        self.bus = bus
        self.clock = clock
        self.rules = rules
        self.timezone = timezone
        self.flush_interval = flush_interval
        self.batch_size = batch_size
        self.ranks = RankIndex()
        self.season_id: int | None = None
        self.awards_written = 0
        self._queue: list[tuple[Award, asyncio.Future[bool] | None]] = []
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._stopping = False
        self._write_lock = asyncio.Lock()

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        async with self.database.session() as session:
            self.season_id = await session.scalar(
                select(Season.id).where(Season.ended_at.is_(None)).order_by(Season.id.desc()).limit(1))
            rows = await session.execute(select(MemberScore.member_id, MemberScore.points)
                                         .where(MemberScore.period == "all"))
            self.ranks.load(rows.all())
            today = self.rules.day_of(self.clock.now())
            daily = await session.execute(select(DailyCount.member_id, DailyCount.rule, DailyCount.points)
                                          .where(DailyCount.day == today))
            self.rules.seed_daily(today, {(m, r): p for m, r, p in daily.all()})
        self._stopping = False
        self._writer = asyncio.create_task(self._run(), name="points-writer")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._writer is not None:
            await self._writer
            self._writer = None
        await self.flush()

    # --- writing -------------------------------------------------------------------------------

    def submit(self, award: Award, *, acknowledge: bool = False) -> asyncio.Future[bool] | None:
        """Queue an award. With ``acknowledge``, the future resolves True (recorded) or False (duplicate)."""
        future = asyncio.get_running_loop().create_future() if acknowledge else None
        self._queue.append((award, future))
        if len(self._queue) >= self.batch_size:
            self._wake.set()
        return future

    async def award(self, award: Award) -> bool:
        """Queue an award and wait until it is durable; False if its source key was already recorded."""
        future = self.submit(award, acknowledge=True)
        self._wake.set()
        assert future is not None
        return await future

    async def flush(self) -> None:
        """Write everything queued so far (used on stop and before reads that must see it)."""
        while self._queue:
            batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size:]
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

    def _periods(self, award: Award) -> list[str]:
        periods = ["all", week_key(award.at, self.timezone)]
        if self.season_id is not None:
            periods.append(f"s{self.season_id}")
        return periods

    async def _write(self, batch: list[tuple[Award, asyncio.Future[bool] | None]]) -> None:
        unique: dict[str, Award] = {}
        for award, _ in batch:
            unique.setdefault(award.source_key, award)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                async with self._write_lock:
                    recorded = await self._write_once(list(unique.values()))
                break
            except Exception as error:
                if attempt == WRITE_ATTEMPTS:
                    for _, future in batch:
                        if future is not None and not future.done():
                            future.set_exception(error)
                    raise
                await asyncio.sleep(0.05 * attempt)
        written = {award.source_key for award in recorded}
        self.awards_written += len(recorded)
        for award, future in batch:
            if future is not None and not future.done():
                # Only the first queued copy of a key counts as recorded.
                future.set_result(award.source_key in written and unique[award.source_key] is award)
        for award in recorded:
            await self.bus.publish(PointsAwarded(member_id=award.member_id, rule=award.rule, amount=award.amount,
                                                 source_key=award.source_key, at=award.at))

    async def _write_once(self, awards: list[Award]) -> list[Award]:
        rows = [{"source_key": a.source_key, "member_id": a.member_id, "rule": a.rule, "amount": a.amount,
                 "created_at": a.at, "season_id": self.season_id, "note": a.note,
                 "actor_member_id": a.actor_member_id} for a in awards]
        async with self.database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            statement = insert_ignoring(dialect, LedgerEntry.__table__, ["source_key"]).returning(
                LedgerEntry.__table__.c.source_key)
            inserted = set((await session.execute(statement, rows)).scalars())
            recorded = [a for a in awards if a.source_key in inserted]
            totals = _Totals()
            for award in recorded:
                totals.add(award, self._periods(award), self.rules.day_of(award.at))
            await self._write_totals(session, dialect, totals)
        for (period, member_id), values in totals.scores.items():
            if period == "all":
                self.ranks.add(member_id, values[0])
        return recorded

    @staticmethod
    async def _write_totals(session: object, dialect: str, totals: _Totals) -> None:
        execute = session.execute  # type: ignore[attr-defined]
        if totals.scores:
            await execute(insert_adding(dialect, MemberScore.__table__, ["period", "member_id"], CATEGORIES),
                          [{"period": p, "member_id": m, "points": v[0], "helpers": v[1], "creators": v[2],
                            "referrers": v[3]} for (p, m), v in totals.scores.items()])
        if totals.rules:
            await execute(insert_adding(dialect, RuleCount.__table__, ["member_id", "rule"], ["count", "points"]),
                          [{"member_id": m, "rule": r, "count": v[0], "points": v[1]}
                           for (m, r), v in totals.rules.items()])
        if totals.daily:
            await execute(insert_adding(dialect, DailyCount.__table__, ["day", "member_id", "rule"], ["points"]),
                          [{"day": d, "member_id": m, "rule": r, "points": v} for (d, m, r), v in totals.daily.items()])
        if totals.posts:
            await execute(insert_adding(dialect, PostStats.__table__, ["post_key"], ["reactors"]),
                          [{"post_key": k, "author_member_id": v[0], "reactors": v[1]}
                           for k, v in totals.posts.items()])

    # --- corrections ---------------------------------------------------------------------------

    async def reverse(self, source_key: str, reason: str, at: datetime | None = None) -> bool:
        """Undo a recorded award (refund, removed reaction). False if there was nothing to undo."""
        await self.flush()
        async with self.database.session() as session:
            original = (await session.execute(select(LedgerEntry).where(LedgerEntry.source_key == source_key))
                        ).scalar_one_or_none()
        if original is None or original.amount < 0:
            return False
        post_key = source_key.rsplit(":", 1)[0] if original.rule == "reaction_given" else None
        return await self.award(Award(member_id=original.member_id, rule=original.rule, amount=-original.amount,
                                      source_key=f"{source_key}:reversed", at=at or self.clock.now(),
                                      note=reason[:200], post_key=post_key, reversal=True))

    async def merge_members(self, kept: int, merged: int) -> None:
        """Move the merged member's points onto the kept one (after ``/link``)."""
        await self.flush()
        async with self._write_lock, self.database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            await session.execute(update(LedgerEntry).where(LedgerEntry.member_id == merged).values(member_id=kept))
            for model, keys, add in (
                (MemberScore, ["period", "member_id"], list(CATEGORIES)),
                (RuleCount, ["member_id", "rule"], ["count", "points"]),
                (DailyCount, ["day", "member_id", "rule"], ["points"]),
            ):
                table = model.__table__
                columns = [c for c in keys if c != "member_id"] + add
                rows = (await session.execute(select(*[table.c[c] for c in columns])
                                              .where(table.c.member_id == merged))).all()
                if rows:
                    await session.execute(insert_adding(dialect, table, keys, add),
                                          [{**dict(zip(columns, row, strict=True)), "member_id": kept} for row in rows])
                await session.execute(delete(table).where(table.c.member_id == merged))
            await session.execute(update(PostStats).where(PostStats.author_member_id == merged)
                                  .values(author_member_id=kept))
        self.ranks.merge(kept, merged)
