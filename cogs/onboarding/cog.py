"""``/checklist``, ``/dm on|off``, plain ``/start``, the welcome on join, checklist listeners, the sequence job."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.clock import Clock
from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.events import (
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
from cogs.lifecycle.direct import DirectMessages
from cogs.members.service import MemberService
from cogs.onboarding.checklist import THANKS_RULE, Checklist, in_places
from cogs.onboarding.sequence import WelcomeSequence
from cogs.onboarding.welcome import NOT_RECEIVED, Welcomer

log = logging.getLogger("hearth.onboarding")

JOB_ID = "onboarding-sequence"


class OnboardingCog(Cog):
    name = "onboarding"

    def __init__(self, welcomer: Welcomer, checklist: Checklist, sequence: WelcomeSequence, dms: DirectMessages,
                 members: MemberService, clock: Clock, scheduler: AsyncIOScheduler | None) -> None:
        self.welcomer = welcomer
        self.checklist = checklist
        self.sequence = sequence
        self.dms = dms
        self.members = members
        self.clock = clock
        self.scheduler = scheduler
        self.message_items = checklist.keys_of("message")
        self.purchase_items = checklist.keys_of("purchase")
        self.appreciation_items = checklist.keys_of("appreciation")

    def commands(self) -> Sequence[Command]:
        return (
            Command("checklist", "Your first steps here: what's done and what's left", self.show_checklist,
                    examples=("/checklist",)),
            Command("dm", "Turn my welcome tips and stage messages by DM on or off", self.dm_setting,
                    params=(Param("setting", ParamKind.CHOICE, "on or off", required=False, choices=("on", "off")),),
                    examples=("/dm off", "/dm on")),
        )

    def listeners(self) -> Sequence[Listener]:
        return (
            (MemberJoined, self.on_join),
            (MessagePosted, self.on_message),
            (ReactionAdded, self.on_reaction),
            (PointsAwarded, self.on_points),
            (PurchaseRecorded, self.on_purchase),
            (MembersMerged, self.on_merge),
            (MemberForgotten, self.on_forgotten),
        )

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self._run_sequence, "interval", minutes=self.welcomer.config.sequence_minutes,
                                   id=JOB_ID, replace_existing=True, coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(JOB_ID) is not None:
            self.scheduler.remove_job(JOB_ID)

    async def _run_sequence(self) -> None:
        try:
            await self.sequence.run()
        except Exception:
            log.exception("welcome sequence failed")

    # --- joining -------------------------------------------------------------------------------

    async def on_join(self, event: MemberJoined) -> None:
        if event.user.is_bot:
            return
        member_id = await self.members.resolve(event.user)
        now = self.clock.now()
        if not await self.welcomer.claim(member_id, event.at, now):
            return  # welcomed before: on another platform, by /start, or this is a replayed join
        reply = await self.welcomer.welcome(member_id, event.user.display_name, now)
        platform = self.welcomer.platforms.get(event.user.platform)
        if platform is not None and await platform.send_direct(event.user.user_id, reply) is not None:
            await self.welcomer.settle(member_id, "dm")
            return
        via = "failed"
        if platform is not None and await self.welcomer.claim_fallback(member_id, now):
            place = self.welcomer.fallback_place(event.user, event.place)
            if await platform.send(place, self.welcomer.fallback(event.user)) is not None:
                via = "fallback"
        log.info("welcome for member %d: DM refused, %s", member_id,
                 "mentioned in the welcome channel" if via == "fallback" else "no channel either")
        await self.welcomer.settle(member_id, via)

    async def on_start(self, ctx: Context) -> Reply:
        """Plain ``/start``: the whole welcome the first time (or if it never reached them), then progress."""
        now = ctx.clock.now()
        name = ctx.actor.display_name
        redo = NOT_RECEIVED if ctx.place.is_private else ()
        if await self.welcomer.claim(ctx.member_id, now, now, redo=redo):
            reply = await self.welcomer.welcome(ctx.member_id, name, now)
            await self.welcomer.settle(ctx.member_id, "start" if ctx.place.is_private else "group")
            # In a group the welcome is for them alone (ephemeral on Discord, by DM on Telegram).
            return replace(reply, private=not ctx.place.is_private)
        return self.welcomer.progress_reply(name, await self.checklist.progress(ctx.member_id, now))

    # --- the checklist -------------------------------------------------------------------------

    async def show_checklist(self, ctx: Context) -> Reply:
        progress = await self.checklist.progress(ctx.member_id, ctx.clock.now())
        return self.welcomer.progress_reply(ctx.actor.display_name, progress)

    async def _member(self, user: PlatformUser) -> int | None:
        if user.is_bot:
            return None
        cached = self.members.cached(user)
        return cached if cached is not None else await self.members.resolve(user)

    async def on_message(self, event: MessagePosted) -> None:
        place = event.message.place
        if not self.message_items or place.is_private or not event.text.strip():
            return
        member_id = await self._member(event.author)
        if member_id is None:
            return
        keys = [item.key for item in self.checklist.items if item.key in self.message_items
                and in_places(place, item.places)]
        if keys:
            await self.checklist.tick(member_id, keys, event.at)

    async def on_reaction(self, event: ReactionAdded) -> None:
        if not self.appreciation_items or event.message_author == event.user:
            return
        member_id = await self._member(event.user)
        if member_id is not None:
            await self.checklist.tick(member_id, self.appreciation_items, event.at)

    async def on_points(self, event: PointsAwarded) -> None:
        if event.amount < 0:
            return  # a reversal takes nothing back from the checklist: the member did do it
        keys = self.checklist.keys_of("rule", event.rule)
        if event.rule == "purchase":
            keys += self.purchase_items
        if keys:
            await self.checklist.tick(event.member_id, keys, event.at)
        if event.rule == THANKS_RULE and self.appreciation_items:
            giver = await self.checklist.thanks_giver(event.source_key)
            if giver is not None:
                await self.checklist.tick(giver, self.appreciation_items, event.at)

    async def on_purchase(self, event: PurchaseRecorded) -> None:
        if event.member_id is not None and self.purchase_items:
            await self.checklist.tick(event.member_id, self.purchase_items, event.at)

    async def on_merge(self, event: MembersMerged) -> None:
        await self.welcomer.merge(event.kept, event.merged)
        await self.dms.merge(event.kept, event.merged, event.at)
        await self.checklist.merge(event.kept, event.merged, event.at)

    async def on_forgotten(self, event: MemberForgotten) -> None:
        self.checklist.forget(event.member_id)

    # --- /dm -----------------------------------------------------------------------------------

    async def dm_setting(self, ctx: Context) -> Reply:
        setting = ctx.args.get("setting")
        if setting is None:
            off = ctx.member_id in await self.dms.opted_out([ctx.member_id])
            return Reply(text=f"My tips by DM are {'off' if off else 'on'} for you. Change it with "
                              f"/dm {'on' if off else 'off'}.", private=True)
        await self.dms.set_opted_out(ctx.member_id, setting == "off", ctx.clock.now())
        if setting == "off":
            return Reply.success("Done — no more tips or welcome messages by DM. /dm on brings them back.",
                                 private=True)
        return Reply.success("Welcome back — I'll send you the occasional tip by DM again.", private=True)

    async def profile_section(self, member_id: int) -> list[Field]:
        # Read-only: looking at a profile must not tick items or pay out the completion points.
        progress = await self.checklist.progress(member_id, self.clock.now(), catch_up=False)
        if progress.completed_at is None and not progress.done and not progress.joined:
            return []  # a member from before onboarding who hasn't started it: nothing to show
        if progress.completed_at is not None:
            return [Field("First steps", f"all done ({progress.completed_at:%-d %b %Y})", inline=True)]
        return [Field(f"First steps ({progress.done} of {len(progress.items)})", progress.lines())]
