"""``/mod segment``, the stage lines of ``/profile`` and ``/mod member``, the listeners and the jobs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import (
    MemberActivated,
    MemberForgotten,
    MemberJoined,
    MembersMerged,
    MessagePosted,
    PointsAwarded,
    PurchaseRecorded,
    ReactionAdded,
)
from bot.kit.platform import PlatformUser
from bot.kit.reply import Field, Reply
from cogs.lifecycle import store
from cogs.lifecycle.config import STAGES
from cogs.lifecycle.metrics import advocate_conversion_rate, stage_progression_rate
from cogs.lifecycle.service import LifecycleService
from cogs.members.service import MemberService

log = logging.getLogger("hearth.lifecycle")

JOBS = ("lifecycle-evaluate", "lifecycle-nightly", "lifecycle-steps")
SEGMENT_LIST = 25


class LifecycleCog(Cog):
    name = "lifecycle"

    def __init__(self, service: LifecycleService, members: MemberService, scheduler: AsyncIOScheduler | None,
                 timezone: tzinfo) -> None:
        self.service = service
        self.members = members
        self.scheduler = scheduler
        self.timezone = timezone
        self.config = service.config

    def commands(self) -> Sequence[Command]:
        return (Command("mod segment", "Members per lifecycle stage, or who is in one stage", self.segment,
                        params=(Param("stage", ParamKind.CHOICE, "A stage to list its members", required=False,
                                      choices=STAGES),),
                        permission=Permission.MODERATOR, examples=("/mod segment", "/mod segment power_user")),)

    def listeners(self) -> Sequence[Listener]:
        return (
            (MessagePosted, self.on_message),
            (ReactionAdded, self.on_reaction),
            (PointsAwarded, self.on_points),
            (PurchaseRecorded, self.on_purchase),
            (MemberJoined, self.on_join),
            (MemberActivated, self.on_activated),
            (MembersMerged, self.on_merge),
            (MemberForgotten, self.on_forgotten),
        )

    # --- jobs ----------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.service.outbox.start()
        if self.scheduler is None:
            return
        hour, minute = (int(part) for part in self.config.nightly_at.split(":"))
        self.scheduler.add_job(self._guarded(self.service.evaluate_pending, "evaluation"), "interval",
                               seconds=self.config.evaluate_seconds, id=JOBS[0], replace_existing=True,
                               coalesce=True, max_instances=1)
        self.scheduler.add_job(self._guarded(self.service.recompute_all, "nightly recompute"),
                               CronTrigger(hour=hour, minute=minute, timezone=self.timezone), id=JOBS[1],
                               replace_existing=True, coalesce=True, max_instances=1)
        self.scheduler.add_job(self._guarded(self.service.send_stage_steps, "stage messages"), "interval",
                               minutes=self.config.sequence_minutes, id=JOBS[2], replace_existing=True,
                               coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None:
            for job in JOBS:
                if self.scheduler.get_job(job) is not None:
                    self.scheduler.remove_job(job)
        # The last activity and stage changes are written before the database closes.
        await self._guarded(self.service.evaluate_pending, "evaluation")()
        await self.service.outbox.stop()

    @staticmethod
    def _guarded(job: Callable[[], Awaitable[object]], what: str) -> Callable[[], Awaitable[None]]:
        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("lifecycle %s failed", what)

        return run

    # --- listeners (memory only: the batch job does the writing) ------------------------------

    async def _member(self, user: PlatformUser) -> int | None:
        if user.is_bot:
            return None
        cached = self.members.cached(user)
        return cached if cached is not None else await self.members.resolve(user)

    async def on_message(self, event: MessagePosted) -> None:
        member_id = await self._member(event.author)
        if member_id is not None:
            self.service.active(member_id, event.at)

    async def on_reaction(self, event: ReactionAdded) -> None:
        member_id = await self._member(event.user)
        if member_id is not None:
            self.service.active(member_id, event.at)

    async def on_points(self, event: PointsAwarded) -> None:
        self.service.awarded(event.member_id, event.rule, event.amount, event.at)

    async def on_purchase(self, event: PurchaseRecorded) -> None:
        if event.member_id is not None:
            self.service.mark(event.member_id)  # "New" covers buyers too

    async def on_join(self, event: MemberJoined) -> None:
        member_id = await self._member(event.user)
        if member_id is not None:
            self.service.mark(member_id)

    async def on_activated(self, event: MemberActivated) -> None:
        self.service.mark(event.member_id)

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.merge(event.kept, event.merged)

    async def on_forgotten(self, event: MemberForgotten) -> None:
        self.service.forget(event.member_id)

    # --- moderators ----------------------------------------------------------------------------

    async def segment(self, ctx: Context) -> Reply:
        stage = ctx.args.get("stage")
        await self.service.evaluate_pending()  # the latest activity counts in what moderators see
        counts = await store.stage_counts(self.service.database)
        if stage is not None:
            plan = self.config.stages[stage]
            rows = await store.members_in(self.service.database, stage, SEGMENT_LIST)
            lines = [f"{name} (id {member_id}) — since {since:%-d %b %Y}" for member_id, name, since in rows]
            more = counts.get(stage, 0) - len(rows)
            if more > 0:
                lines.append(f"… and {more:,} more")
            return Reply(title=f"{plan.name}: {counts.get(stage, 0):,} members", text="\n".join(lines) or "Nobody yet.",
                         fields=(Field("Ask", plan.ask),), private=True)
        fields = [Field(f"{self.config.name_of(s)} ({counts.get(s, 0):,})", self.config.stages[s].ask)
                  for s in STAGES]
        within = self.config.activated.within_days
        progression = await stage_progression_rate(self.service.database, now=ctx.clock.now(), within_days=within)
        conversion = await advocate_conversion_rate(self.service.database)
        fields.append(Field(f"New → Activated within {within} days", progression.describe(), inline=True))
        fields.append(Field("Advocate conversion", conversion.describe(), inline=True))
        return Reply(title="Lifecycle segments", fields=tuple(fields), private=True,
                     footer="Members of one stage: /mod segment <stage>")

    async def profile_section(self, member_id: int) -> list[Field]:
        row = await store.stage_of(self.service.database, member_id)
        if row is None:
            return []
        fields = [Field("Stage", f"{self.config.name_of(row.stage)} (since {row.stage_since:%-d %b %Y})", inline=True)]
        past = await store.history(self.service.database, member_id, limit=4)
        if len(past) > 1:
            lines = [f"{line.at:%-d %b %Y}: {self.config.name_of(line.old_stage) if line.old_stage else 'joined'} → "
                     f"{self.config.name_of(line.new_stage)} ({line.reason})" for line in past]
            fields.append(Field("Stage history", "\n".join(lines)))
        return fields
