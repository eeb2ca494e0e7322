"""The ritual scheduler: what is due at an instant, done once — posts, misses, reminders, recaps, roundups.

``run_due(now)`` is the whole scheduling core and tests drive it with a ManualClock. In production one
APScheduler job wakes it at the next instant something is due (plus a heartbeat every minute); the job
only calls ``run_due``, so a missed or doubled wake-up changes nothing. Restart-safety comes from the
database: each occurrence row (unique ritual + time) is inserted before anything is posted, and only
the inserter posts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.kit.clock import Clock
from bot.kit.events import BotRemoved
from bot.kit.platform import place_from_key
from bot.kit.reply import Field
from cogs.members.service import MemberService
from cogs.points.engine import PointsEngine
from cogs.rituals import measures
from cogs.rituals.activity import RULE, ActivityTracker
from cogs.rituals.config import RitualsConfig, duration
from cogs.rituals.measures import (
    Attendance,
    Streak,
    attendance_by_occurrence,
    member_streak,
    member_streaks,
    posts_per_ritual,
    streak_distribution,
)
from cogs.rituals.participation import ParticipationStore
from cogs.rituals.posting import ChannelPoster, Notifier, OccurrenceMessage, OnSent, Sent
from cogs.rituals.recaps import Recaps
from cogs.rituals.schedule import next_wake, plan, reminder_due, week_key, zone
from cogs.rituals.store import OccurrenceView, RitualStore, RitualView
from cogs.rituals.templates import (
    PromptValues,
    failure_reply,
    opener_reply,
    prompt_reply,
    reminder_reply,
    render_prompt,
)
from cogs.services import Platforms
from storage.database import Database

__all__ = ["Attendance", "RitualService", "Streak", "TickReport", "attendance_by_occurrence", "member_streak",
           "member_streaks", "posts_per_ritual", "streak_distribution"]

log = logging.getLogger("hearth.rituals")

WAKE_JOB, HEARTBEAT_JOB = "rituals:wake", "rituals:heartbeat"
HEARTBEAT = timedelta(minutes=1)
# Adapters connect after the cogs start: the first tick waits for them, and a due post waits (up to this,
# within the grace) for every platform it targets before posting to the ones that are there.
STARTUP_DELAY = timedelta(seconds=5)
PLATFORM_WAIT = timedelta(minutes=5)
DEFERRED_RETRY = timedelta(seconds=30)
# A "posting" occurrence older than this was left by a crash: post the channels it never tried.
STUCK = timedelta(minutes=2)


@dataclass
class TickReport:
    """What one ``run_due`` did (tests and logs read it)."""

    posted: list[int] = field(default_factory=list)
    missed: int = 0
    deferred: int = 0
    reminded: int = 0
    closed: list[int] = field(default_factory=list)
    roundups: int = 0


class RitualService:
    def __init__(self, config: RitualsConfig, *, community_name: str, community_timezone: str, database: Database,
                 clock: Clock, members: MemberService, platforms: Platforms, points: PointsEngine,
                 scheduler: AsyncIOScheduler | None = None) -> None:
        self.config = config
        self.community_name = community_name
        self.community_timezone = community_timezone
        self.tz = zone(community_timezone)
        self.database = database
        self.clock = clock
        self.members = members
        self.platforms = platforms
        self.points = points
        self.scheduler = scheduler
        self.grace = duration(config.misfire_grace)
        self.store = RitualStore(database, community_timezone)
        self.participation = ParticipationStore(database)
        self.poster = ChannelPoster(self.store, platforms)
        self.notifier = Notifier(platforms, members, config.moderator_channel)
        self.activity = ActivityTracker(self.store, self.participation, members, points, self.tz)
        self.recaps = Recaps(config, self.store, self.participation, platforms, points, self.tz)
        self._lock = asyncio.Lock()
        self._caught_up = False

    # --- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        await self.store.sync_config(self.config.ritual, self.clock.now())
        await self.activity.refresh()
        if self.scheduler is not None:
            self.scheduler.add_job(self._wake, "interval", seconds=HEARTBEAT.total_seconds(), id=HEARTBEAT_JOB,
                                   replace_existing=True, coalesce=True, max_instances=1)
            self._wake_in(STARTUP_DELAY)

    async def stop(self) -> None:
        if self.scheduler is not None:
            for job in (WAKE_JOB, HEARTBEAT_JOB):
                if self.scheduler.get_job(job) is not None:
                    self.scheduler.remove_job(job)
        # A tick under way (SIGTERM can come at any moment) finishes before the database closes: the scheduler's
        # shutdown would otherwise cancel it halfway. Adapters are already stopped, so its posts fail fast.
        async with self._lock:
            await self.activity.flush()

    def _wake_in(self, delay: timedelta) -> None:
        if self.scheduler is None:
            return
        # APScheduler runs on the wall clock; the delay comes from the injectable clock (the same in production).
        run_at = datetime.now(UTC) + max(delay, timedelta(seconds=1))
        self.scheduler.add_job(self._wake, DateTrigger(run_date=run_at), id=WAKE_JOB, replace_existing=True,
                               misfire_grace_time=None)

    async def reschedule(self) -> None:
        """Move the wake-up job after a ritual changed (its next post may now be sooner)."""
        now = self.clock.now()
        self._wake_in(await self._next_instant(await self.store.rituals(), now, TickReport()) - now)

    async def _wake(self) -> None:
        try:
            await self.run_due()
        except asyncio.CancelledError:
            # Stopped with the bot: claims are atomic, so the next start picks up where this left off.
            log.info("ritual tick stopped with the bot")
        except Exception:
            # The heartbeat tries again in a minute; every step is idempotent.
            log.exception("ritual tick failed")

    # --- the tick ------------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> TickReport:
        """Do everything due at ``now`` (default: the clock) exactly once, whatever ran before."""
        async with self._lock:
            now = now or self.clock.now()
            report = TickReport()
            await self.activity.flush()
            rituals = await self.store.rituals()
            last = await self.store.last_scheduled()
            for ritual in rituals:
                if not ritual.active:
                    continue
                try:
                    await self._due_posts(ritual, last.get(ritual.id), now, report)
                    await self._due_reminder(ritual, now, report)
                except Exception:
                    # One broken ritual must not hold up the others; its claims keep it from repeating.
                    log.exception("ritual %s: tick failed", ritual.key)
            await self._resume_stuck(now)
            await self._retry_failed(now)
            await self._close_due(now, report)
            report.roundups += await self.recaps.roundup(now)
            await self.activity.refresh()
            if not self._caught_up and not report.deferred:
                # Once per start: everything due was posted here or found claimed (by an earlier run, or another
                # process sharing the database) — operators (and the multi-process tests) see the scheduler live.
                self._caught_up = True
                log.info("rituals caught up after start: %d posted, %d missed", len(report.posted), report.missed)
            self._wake_in(await self._next_instant(rituals, now, report) - now)
            return report

    async def _due_posts(self, ritual: RitualView, last: datetime | None, now: datetime, report: TickReport) -> None:
        after = max(ritual.active_since, last) if last else ritual.active_since
        for due in plan(ritual.schedule, after=after, now=now, grace=self.grace, announce=ritual.announce):
            week = week_key(due.at, self.tz)
            if due.action == "missed":
                if await self.store.claim(ritual, due.at, "missed", week, now):
                    report.missed += 1
                    log.warning("ritual %s: the %s post was missed (Hearth was down past the grace)", ritual.key,
                                due.at.isoformat())
                continue
            if not self._platforms_ready(ritual, due.at - ritual.announce, now):
                report.deferred += 1
                continue
            occurrence_id = await self.store.claim(ritual, due.at, "posting", week, now)
            if occurrence_id is None:
                continue  # another process, or an earlier tick, owns this occurrence
            log.info("ritual %s: posting occurrence %s (%s)", ritual.key, occurrence_id, due.at.isoformat())
            await self._post(ritual, occurrence_id, ritual.channels, now)
            report.posted.append(occurrence_id)

    def _platforms_ready(self, ritual: RitualView, post_time: datetime, now: datetime) -> bool:
        missing = [key for key in ritual.channels if self.platforms.get(place_from_key(key).platform) is None]
        return not missing or now - post_time >= min(PLATFORM_WAIT, self.grace / 2)

    async def _post(self, ritual: RitualView, occurrence_id: int, channels: tuple[str, ...] | list[str],
                    now: datetime) -> None:
        occurrence = await self.store.occurrence(occurrence_id)
        assert occurrence is not None
        message = await self.compose(ritual, occurrence)
        problems = await self.poster.post(occurrence_id, channels, message, now, self._on_sent(ritual, occurrence_id))
        await self.store.set_status(occurrence_id, "open", expected=("posting",))
        if problems:
            await self.store.mark_failing(ritual.id, "; ".join(problems))
            await self.notifier.moderators(failure_reply(ritual.name, problems), ritual.created_by)
        elif ritual.failing and not await self.store.has_failed_posts(ritual.id):
            await self.store.mark_failing(ritual.id, None)

    def _on_sent(self, ritual: RitualView, occurrence_id: int) -> OnSent:
        async def sent(result: Sent) -> None:
            await self.store.hold(occurrence_id, ritual)
            await self.activity.add_post(occurrence_id, result)

        return sent

    async def compose(self, ritual: RitualView, occurrence: OccurrenceView) -> OccurrenceMessage:
        local = occurrence.scheduled_at.astimezone(ritual.schedule.tz)
        await self.points.flush()  # reactions counted so far are in post_stats
        previous = await self.store.latest_held(ritual.id, exclude=occurrence.id)
        top = await self.participation.top_posts([previous.id], self.config.top_posts) if previous else ()
        cohost_id = occurrence.cohost_member_id
        if cohost_id is None and ritual.cohosts:
            cohost_id = ritual.cohosts[ritual.held_count % len(ritual.cohosts)]  # as hold() will number it
        cohost_view = await self.members.get(cohost_id) if cohost_id is not None else None
        cohost = cohost_view.display_name if cohost_view else None
        week = local.isocalendar()[1]
        text = render_prompt(ritual.prompt, PromptValues(
            name=ritual.name, week=week, number=occurrence.number or ritual.held_count + 1, at=local,
            top_posts=top, cohost=cohost, community=self.community_name))
        points = self.participation_points(ritual)
        rsvp = f"ritual:rsvp:{occurrence.id}" if ritual.rsvp else None
        return OccurrenceMessage(
            prompt=prompt_reply(ritual.name, text, points=points, open_for=ritual.open_for, rsvp_action=rsvp,
                                cohost=cohost),
            thread_title=f"{ritual.name} — week {week}", opener=opener_reply(ritual.name, points))

    def participation_points(self, ritual: RitualView) -> int:
        if ritual.points is not None:
            return ritual.points
        rule = self.points.rules.config.rules.get(RULE)
        return rule.amount if rule else 0

    async def _resume_stuck(self, now: datetime) -> None:
        for occurrence in await self.store.occurrences("posting"):
            if occurrence.claimed_at > now - STUCK:
                continue  # probably still being posted by whoever claimed it
            ritual = await self.store.get(occurrence.ritual_id)
            tried = {post.place_key for post in await self.store.posts([occurrence.id])}
            missing = [key for key in (ritual.channels if ritual else ()) if key not in tried]
            if ritual is not None and ritual.active and missing and (occurrence.closes_at or now) > now:
                log.info("ritual %s: resuming occurrence %s in %s", ritual.key, occurrence.id, ", ".join(missing))
                await self._post(ritual, occurrence.id, missing, now)
            await self.store.set_status(occurrence.id, "open", expected=("posting",))

    async def _retry_failed(self, now: datetime) -> None:
        for post in await self.store.retries_due(now):
            occurrence = await self.store.occurrence(post.occurrence_id)
            ritual = await self.store.get(occurrence.ritual_id) if occurrence else None
            if occurrence is None or ritual is None or not ritual.active or post.place_key not in ritual.channels:
                continue
            message = await self.compose(ritual, occurrence)
            problem = await self.poster.retry(post, message, now, self._on_sent(ritual, occurrence.id))
            if problem is None and not await self.store.has_failed_posts(ritual.id):
                await self.store.mark_failing(ritual.id, None)

    async def _close_due(self, now: datetime, report: TickReport) -> None:
        for occurrence in await self.store.occurrences("posting", "open"):
            if occurrence.closes_at is None or occurrence.closes_at > now:
                continue
            if not await self.store.set_status(occurrence.id, "closed", expected=("posting", "open"), at=now):
                continue  # closed by someone else: their recap
            self.activity.forget(occurrence.id)
            report.closed.append(occurrence.id)
            await self.recaps.post(occurrence.id)

    async def _due_reminder(self, ritual: RitualView, now: datetime, report: TickReport) -> None:
        at = reminder_due(ritual.schedule, since=ritual.active_since, now=now, lead=ritual.remind, grace=self.grace)
        if at is None:
            return
        existing = await self.store.occurrence_at(ritual.id, at)
        if existing is not None and existing.status in {"skipped", "missed"}:
            return
        members = set(await self.participation.reminded_members(ritual.id))
        if existing is not None:
            members |= set(await self.participation.rsvps(existing.id))
        if not members or not await self.store.claim_notice(ritual.id, at, "reminder", now):
            return
        for member_id in sorted(members):
            zone_name = await self.participation.member_timezone(member_id) or self.community_timezone
            reply = reminder_reply(ritual.name, at, zone(zone_name), zone_name, at - now)
            if await self.notifier.dm(member_id, reply):
                report.reminded += 1

    async def _next_instant(self, rituals: list[RitualView], now: datetime, report: TickReport) -> datetime:
        candidates = [now + HEARTBEAT * 60]
        for ritual in rituals:
            if ritual.active and (at := next_wake(ritual.schedule, now=now, announce=ritual.announce,
                                                  lead=ritual.remind)):
                candidates.append(at)
        candidates += [o.closes_at for o in await self.store.occurrences("posting", "open") if o.closes_at]
        if (retry := await self.store.next_retry()) is not None:
            candidates.append(retry)
        if report.deferred:
            candidates.append(now + DEFERRED_RETRY)
        return max(min(candidates), now)

    # --- commands' helpers -----------------------------------------------------------------------

    async def next_time(self, ritual: RitualView, now: datetime) -> datetime | None:
        """The next fire time nobody has claimed yet (a skipped one is passed over)."""
        last = (await self.store.last_scheduled()).get(ritual.id)
        return ritual.schedule.next_after(max(now, last) if last else now)

    async def skip_next(self, ritual: RitualView) -> datetime | None:
        now = self.clock.now()
        for _ in range(3):  # a concurrent claim of the same time just moves us to the next one
            at = await self.next_time(ritual, now)
            if at is None:
                return None
            if await self.store.claim(ritual, at, "skipped", week_key(at, self.tz), now):
                return at
        return None

    async def on_bot_removed(self, event: BotRemoved) -> None:
        for ritual in await self.store.rituals():
            if event.place.key in ritual.channels and ritual.active:
                problem = f"{event.place.key}: the bot was removed from this chat"
                await self.store.mark_failing(ritual.id, problem)
                await self.notifier.moderators(failure_reply(ritual.name, [problem]), ritual.created_by)

    async def profile_section(self, member_id: int) -> list[Field]:
        streaks = [s for s in await member_streaks(self.database, member_id) if s.best]
        if not streaks:
            return []
        lines = [f"{s.ritual_name}: 🔥 {s.current} (best {s.best})" for s in streaks]
        return [Field("Ritual streaks", "\n".join(lines))]

    # --- measures (flushing what's buffered first) ---------------------------------------------

    async def attendance(self, occurrence_id: int) -> Attendance | None:
        await self.activity.flush()
        return await measures.attendance(self.database, occurrence_id)

    async def streak(self, member_id: int, ritual_key: str) -> Streak | None:
        """A member's streak on a ritual: what the badges feature reads."""
        return await member_streak(self.database, member_id, ritual_key)
