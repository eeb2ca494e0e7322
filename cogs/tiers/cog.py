"""``/tiers``, the tier lines of ``/profile``, the listeners that mark members, and the start-up reconcile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command
from bot.kit.context import Context
from bot.kit.events import MemberForgotten, MembersMerged, PointsAwarded, PurchaseRecorded, RefundRecorded
from bot.kit.reply import Field, Reply
from cogs.tiers.service import TierService

log = logging.getLogger("hearth.tiers")

JOB_ID = "tiers-evaluate"


class TiersCog(Cog):
    name = "tiers"

    def __init__(self, service: TierService, scheduler: AsyncIOScheduler | None, interval: float) -> None:
        self.service = service
        self.scheduler = scheduler
        self.interval = interval
        self.startup: asyncio.Task[int] | None = None

    def commands(self) -> Sequence[Command]:
        return (Command("tiers", "The member tiers, what each means and how to reach it", self.tiers,
                        examples=("/tiers",)),)

    def listeners(self) -> Sequence[Listener]:
        return (
            (PointsAwarded, self.service.on_points),
            (PurchaseRecorded, self.service.on_purchase),
            (RefundRecorded, self.service.on_purchase),
            (MembersMerged, self.on_merge),
            (MemberForgotten, self.on_forget),
        )

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self._tick, "interval", seconds=self.interval, id=JOB_ID, replace_existing=True,
                                   coalesce=True, max_instances=1)
        # In the background: a big community must not hold up the start, and the chat platforms connect
        # after the cogs start anyway (grants for them wait in ``pending`` until they do).
        self.startup = asyncio.create_task(self._reconcile(), name="tiers-reconcile")

    async def _reconcile(self) -> int:
        try:
            return await self.service.reconcile_all()
        except Exception:
            log.exception("tier reconcile at start-up failed; members are re-checked as they earn points")
            return 0

    async def stop(self) -> None:
        if self.startup is not None and not self.startup.done():
            self.startup.cancel()
            await asyncio.gather(self.startup, return_exceptions=True)
        if self.scheduler is not None and self.scheduler.get_job(JOB_ID) is not None:
            self.scheduler.remove_job(JOB_ID)
        await self._tick()

    async def _tick(self) -> None:
        try:
            await self.service.evaluate_pending()
        except Exception:
            log.exception("tier evaluation failed")

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.merge(event.kept, event.merged)

    async def on_forget(self, event: MemberForgotten) -> None:
        # Their tier and grant rows are already erased; a pending evaluation must not give them back a tier.
        self.service.forget(event.member_id)

    async def tiers(self, ctx: Context) -> Reply:
        ladder = self.service.ladder
        facts = await self.service.facts(ctx.member_id)
        current, _ = await self.service.stored(ctx.member_id)
        current = current or ladder.tier_for(facts)
        fields = []
        for tier in reversed(ladder.tiers):
            mark = " ← you" if current is not None and tier.key == current.key else ""
            lines = [tier.description] if tier.description else []
            lines.append(f"How: {tier.condition.describe()}")
            fields.append(Field(f"{tier.name}{mark}", "\n".join(lines)))
        step = ladder.next_step(facts)
        footer = f"Next: {step.text}" if step else "Your standing: /profile"
        return Reply(title="Member tiers", text="Tiers rise with what you bring to the community; each opens "
                     "something new.", fields=tuple(fields), footer=footer)

    async def profile_section(self, member_id: int) -> list[Field]:
        ladder = self.service.ladder
        facts = await self.service.facts(member_id)
        tier, since = await self.service.stored(member_id)
        if tier is None:
            # Not evaluated yet (the batch runs every few seconds): show what the rules give.
            tier = ladder.tier_for(facts)
        shown = tier.name if tier else "none yet"
        fields = [Field("Tier", f"{shown} (since {since:%-d %b %Y})" if tier and since else shown, inline=True)]
        step = ladder.next_step(facts)
        if step is not None:
            fields.append(Field("Next tier", step.text, inline=True))
        return fields
