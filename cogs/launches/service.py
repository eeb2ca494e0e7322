"""Launch campaigns: preview → waitlist → early access → public launch (with a thread) → recap.

``run_due(now)`` is the whole scheduling core and tests drive it with a ManualClock; one APScheduler job
calls it every ``check_seconds``. Restart-safety comes from the database (``store.py``): every phase post is
claimed per place before it is sent, every early-access DM per member.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from sqlalchemy import select

from bot.kit.clock import Clock
from bot.kit.platform import place_from_key
from bot.kit.reply import Reply
from cogs.launches import messages
from cogs.launches.config import LaunchesConfig
from cogs.launches.store import LaunchStore, LaunchView
from cogs.launches.timeline import due
from cogs.ugc.messenger import Messenger
from cogs.ugc.store import UgcStore
from storage.database import Database
from storage.models import MemberTier

log = logging.getLogger("hearth.launches")


@dataclass
class TickReport:
    """What one ``run_due`` did (tests and logs read it)."""

    posted: list[tuple[str, str, str]] = field(default_factory=list)  # (launch key, phase, place)
    missed: list[tuple[str, str]] = field(default_factory=list)
    dms: int = 0
    finished: list[str] = field(default_factory=list)


class JoinRefused(ValueError):
    """The member can't join that waitlist; the message says why."""


class LaunchService:
    def __init__(self, config: LaunchesConfig, store: LaunchStore, ugc: UgcStore, database: Database, clock: Clock,
                 timezone: tzinfo, messenger: Messenger, tiers: list[str]) -> None:
        self.config = config
        self.store = store
        self.ugc = ugc
        self.database = database
        self.clock = clock
        self.timezone = timezone
        self.messenger = messenger
        self.tiers = tiers
        self._lock = asyncio.Lock()

    def early_hours(self, launch: LaunchView) -> int:
        return round((launch.timeline.public_at - launch.timeline.early_at).total_seconds() / 3600)

    # --- the tick ------------------------------------------------------------------------------------

    async def run_due(self, now: datetime | None = None) -> TickReport:
        """Do every phase due at ``now`` exactly once, whatever ran before (or runs beside this process)."""
        async with self._lock:
            now = now or self.clock.now()
            report = TickReport()
            for launch in await self.store.scheduled():
                try:
                    await self._launch_due(launch, now, report)
                except Exception:
                    # One broken launch must not hold up the others; its claims keep it from repeating.
                    log.exception("launch %s: tick failed", launch.key)
            return report

    async def _launch_due(self, launch: LaunchView, now: datetime, report: TickReport) -> None:
        for phase, action in due(launch.timeline, now):
            if phase == "early":
                if action == "post":
                    report.dms += await self._early_access(launch, now)
                continue
            for key in launch.places:
                if action == "missed":
                    if await self.store.claim_post(launch.id, phase, key, "missed", now):
                        log.warning("launch %s: the %s post in %s was missed (Hearth was down)", launch.key, phase,
                                    key)
                        report.missed.append((launch.key, phase))
                    continue
                if self.messenger.platform_for(place_from_key(key)) is None:
                    continue  # not connected (yet): claimed once it is, unless the next phase comes first
                if await self.store.claim_post(launch.id, phase, key, "sending", now):
                    await self._post(launch, phase, key)
                    report.posted.append((launch.key, phase, key))
            if phase == "recap" and await self.store.set_status(launch.id, "done"):
                report.finished.append(launch.key)

    async def _post(self, launch: LaunchView, phase: str, key: str) -> None:
        reply = await self.message(launch, phase)
        sent = await self.messenger.post(key, reply)
        if sent is None:
            await self.store.post_done(launch.id, phase, key, "failed")
            return
        thread_key = None
        if phase == "launch":
            thread = await self.messenger.thread(sent, f"{launch.name} — launch day"[:100])
            if thread is not None:
                await self.messenger.post(thread.key, messages.thread_opener(launch))
                thread_key = thread.key
        await self.store.post_done(launch.id, phase, key, "sent", sent.message_id, thread_key)
        log.info("launch %s: %s posted in %s", launch.key, phase, key)

    async def message(self, launch: LaunchView, phase: str) -> Reply:
        if phase == "preview":
            return messages.preview(launch, self.timezone)
        if phase == "waitlist":
            return messages.waitlist(launch, self.timezone, self.early_hours(launch))
        if phase == "launch":
            return messages.launch_day(launch)
        return messages.recap(launch, await self.figures(launch))

    async def _early_access(self, launch: LaunchView, now: datetime) -> int:
        told = 0
        for member_id in await self.store.not_yet_told(launch.id):
            told += await self._tell_early(launch, member_id, now)
        return told

    async def _tell_early(self, launch: LaunchView, member_id: int, now: datetime) -> int:
        # The claim comes first: a crash before the DM loses one DM, never sends two.
        if not await self.store.claim_dm(launch.id, member_id, now):
            return 0
        if await self.messenger.dm(member_id, messages.early_access(launch, self.timezone, self.early_hours(launch))):
            await self.store.dm_delivered(launch.id, member_id)
            return 1
        return 0

    # --- the waitlist --------------------------------------------------------------------------------

    async def open_waitlists(self, now: datetime) -> list[LaunchView]:
        return [launch for launch in await self.store.scheduled()
                if launch.timeline.waitlist_at <= now < launch.timeline.public_at]

    async def join(self, launch: LaunchView, member_id: int) -> bool:
        """Put the member on the waitlist; False if they already were (joining twice changes nothing)."""
        now = self.clock.now()
        timeline = launch.timeline
        if launch.status != "scheduled":
            raise JoinRefused(f"The {launch.name} launch is {launch.status}.")
        if now >= timeline.public_at:
            raise JoinRefused(f"{launch.name} has launched already — it's out for everyone!")
        if now < timeline.waitlist_at:
            raise JoinRefused(f"The {launch.name} waitlist opens {messages.when(timeline.waitlist_at, self.timezone)}.")
        if launch.tier and not await self._tier_reached(member_id, launch.tier):
            raise JoinRefused(f"The {launch.name} waitlist is for {launch.tier} members and above — see /profile "
                              "for your tier.")
        joined = await self.store.join(launch.id, member_id, now)
        if joined and timeline.early_at <= now:
            await self._tell_early(launch, member_id, now)  # early access already open: no waiting for the tick
        return joined

    async def _tier_reached(self, member_id: int, tier: str) -> bool:
        async with self.database.session() as session:
            current = await session.scalar(select(MemberTier.tier).where(MemberTier.member_id == member_id))
        if current is None or current not in self.tiers or tier not in self.tiers:
            return False
        return self.tiers.index(current) >= self.tiers.index(tier)

    # --- the recap -----------------------------------------------------------------------------------

    async def figures(self, launch: LaunchView) -> messages.RecapFigures:
        timeline = launch.timeline
        waitlisted = set(await self.store.waitlist(launch.id))
        orders, members, buyers = 0, set[int](), set[str]()
        if launch.product_ids:
            start = min(t for t in (timeline.preview_at, timeline.waitlist_at) if t is not None)
            orders, members, buyers = await self.store.buyers(launch.product_ids, start, timeline.recap_at)
        content = await self.ugc.approved_between(timeline.early_at, timeline.recap_at)
        return messages.RecapFigures(len(waitlisted), len(members & waitlisted), orders, len(buyers), content)
