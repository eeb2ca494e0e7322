"""``/mod report [week|month]``, the weekly report to the moderators, activity counting, gauge refreshes."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select

from bot.kit.clock import Clock
from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MemberForgotten, MembersMerged, MessagePosted, ReactionAdded
from bot.kit.platform import Place
from bot.kit.reply import Reply
from cogs.metrics import scorecard
from cogs.metrics.activity import ActivityRecorder
from cogs.metrics.config import MetricsConfig
from cogs.metrics.gauges import ScorecardGauges
from cogs.metrics.periods import LENGTHS, Period
from cogs.metrics.report import report
from storage.database import Database
from storage.models import MetricReport, MetricSnapshot
from storage.upsert import insert_ignoring

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.metrics")
JOBS = ("metrics-flush", "metrics-refresh", "metrics-weekly-report")
# The first refresh waits a little: start-up (cache warming, catch-up posts) comes first.
FIRST_REFRESH_SECONDS = 30


class MetricsCog(Cog):
    name = "metrics"

    def __init__(self, config: MetricsConfig, database: Database, recorder: ActivityRecorder,
                 gauges: ScorecardGauges, platforms: Platforms, clock: Clock, timezone: tzinfo, community: str,
                 scheduler: AsyncIOScheduler | None) -> None:
        self.config = config
        self.database = database
        self.recorder = recorder
        self.gauges = gauges
        self.platforms = platforms
        self.clock = clock
        self.timezone = timezone
        self.community = community
        self.scheduler = scheduler
        self._running: set[asyncio.Task[object]] = set()

    def commands(self) -> Sequence[Command]:
        return (Command("mod report", "Community health and commerce figures, with the change", self.report_command,
                        params=(Param("period", ParamKind.CHOICE, "The last week (default) or the last 30 days",
                                      required=False, choices=tuple(LENGTHS)),),
                        permission=Permission.MODERATOR, examples=("/mod report", "/mod report month")),)

    def listeners(self) -> Sequence[Listener]:
        return ((MessagePosted, self.recorder.on_message), (ReactionAdded, self.recorder.on_reaction),
                (MembersMerged, self.on_merge), (MemberForgotten, self.on_forgotten))

    async def on_merge(self, event: MembersMerged) -> None:
        await self.recorder.merge(event.kept, event.merged)

    async def on_forgotten(self, event: MemberForgotten) -> None:
        await self.recorder.forget(event.member_id)

    # --- schedule ----------------------------------------------------------------------------------

    async def start(self) -> None:
        if self.scheduler is None:
            return
        self.scheduler.add_job(self._tracked, "interval", args=(self.recorder.flush,), id=JOBS[0],
                               seconds=self.config.flush_seconds, replace_existing=True, coalesce=True,
                               max_instances=1)
        self.scheduler.add_job(self._tracked, "interval", args=(self.refresh,), id=JOBS[1],
                               minutes=self.config.refresh_minutes, replace_existing=True, coalesce=True,
                               max_instances=1, next_run_time=datetime.now(self.timezone)
                               + timedelta(seconds=FIRST_REFRESH_SECONDS))
        if self.config.report_place:
            hour, minute = (int(part) for part in self.config.report_time.split(":"))
            # Several hours of grace: a bot restarted on Monday morning still posts that week's report (once).
            self.scheduler.add_job(self._tracked, "cron", args=(self.weekly_report,), id=JOBS[2],
                                   day_of_week=self.config.report_day, hour=hour, minute=minute,
                                   timezone=self.timezone, replace_existing=True, coalesce=True, max_instances=1,
                                   misfire_grace_time=6 * 3600)

    async def stop(self) -> None:
        if self.scheduler is not None:
            for job in JOBS:
                if self.scheduler.get_job(job) is not None:
                    self.scheduler.remove_job(job)
        for task in list(self._running):
            task.cancel()
        await asyncio.gather(*self._running, return_exceptions=True)
        await self.recorder.flush()

    async def _tracked(self, job: Callable[[], Awaitable[object]]) -> None:
        """Run a scheduled job so ``stop`` can cancel it before the database closes."""
        task = asyncio.current_task()
        assert task is not None
        self._running.add(task)
        try:
            await job()
        except asyncio.CancelledError:
            log.info("metrics job %s stopped with the bot", getattr(job, "__name__", job))
        except Exception:
            log.exception("metrics job %s failed", getattr(job, "__name__", job))
        finally:
            self._running.discard(task)

    # --- figures -----------------------------------------------------------------------------------

    def period(self, length: str = "week") -> Period:
        return Period.before(self.clock.now(), LENGTHS[length], self.timezone)

    async def scorecards(self, period: Period) -> tuple[scorecard.Scorecard, scorecard.Scorecard]:
        await self.recorder.flush()
        now = await scorecard.compute(self.database, period, self.config)
        return now, await scorecard.compute(self.database, period.previous(), self.config)

    async def refresh(self) -> scorecard.Scorecard:
        """Recompute the rolling week for the gauges; keep today's snapshots (7 and 30 days) once a day."""
        await self.recorder.flush()
        card = await scorecard.compute(self.database, self.period("week"), self.config)
        self.gauges.update(card, time.time())
        async with self.database.session() as session:
            kept = await session.scalar(select(MetricSnapshot.metric).where(
                MetricSnapshot.day == card.period.end_key, MetricSnapshot.period == "7d").limit(1))
        if kept is None:
            now = self.clock.now()
            await scorecard.store(self.database, card, now)
            await scorecard.store(self.database, await scorecard.compute(self.database, self.period("month"),
                                                                         self.config), now)
        return card

    async def report_command(self, ctx: Context) -> Reply:
        current, before = await self.scorecards(self.period(ctx.args.get("period", "week")))
        return await report(self.database, current, before, self.community)

    async def weekly_report(self) -> bool:
        """Post last week's report to the moderators' channel, once per week (the claim row), even across restarts
        and processes; returns whether this call posted it."""
        place_key = self.config.report_place
        platform = self.platforms.get(place_key.partition(":")[0])
        if platform is None:
            log.warning("weekly report: %s isn't connected; it will be posted when the job runs again", place_key)
            return False
        period = self.period("week")
        async with self.database.session() as session, session.begin():
            claimed = await session.execute(insert_ignoring(session.bind.dialect.name, MetricReport.__table__,
                                                            ["week_start"]).values(week_start=period.first_key,
                                                                                   posted_at=self.clock.now()))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return False
        current, before = await self.scorecards(period)
        await scorecard.store(self.database, current, self.clock.now())
        platform_name, _, rest = place_key.partition(":")
        chat_id, _, thread_id = rest.partition("/")
        sent = await platform.send(Place(platform_name, chat_id, thread_id or None),
                                   await report(self.database, current, before, self.community))
        if sent is None:
            log.warning("weekly report for %s: %s refused the post", period.label(), place_key)
        return sent is not None
