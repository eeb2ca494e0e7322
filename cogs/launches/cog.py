"""``/mod launch create|list|cancel``, ``/waitlist join|leave``, the waitlist button and the phase job — the
timeline rules live in ``timeline.py``, the posting in ``service.py``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MembersMerged
from bot.kit.registry import Action
from bot.kit.reply import Reply
from cogs.launches.messages import when
from cogs.launches.service import JoinRefused, LaunchService
from cogs.launches.store import LaunchView
from cogs.launches.timeline import WHEN_HELP, TimelineError, build, parse_when
from cogs.rituals.config import duration

log = logging.getLogger("hearth.launches")

JOB_ID = "launches-tick"
URL_PREFIXES = ("https://", "http://")


class LaunchesCog(Cog):
    name = "launches"

    def __init__(self, service: LaunchService, scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        moderator = Permission.MODERATOR
        launch = Param("launch", ParamKind.TEXT, "The launch (its key from /mod launch list)", required=False,
                       max_length=48)
        return (
            Command("mod launch create", "Plan a launch: preview, waitlist, early access, public launch, recap",
                    self.create, permission=moderator,
                    params=(Param("name", ParamKind.TEXT, "The product's name", max_length=80),
                            Param("preview", ParamKind.TEXT, "Sneak-peek time (or - for none)", max_length=40),
                            Param("waitlist", ParamKind.TEXT, "When the waitlist opens", max_length=40),
                            Param("public", ParamKind.TEXT, "Public launch time", max_length=40),
                            Param("early", ParamKind.DURATION, "Early access before launch, 24h-48h (default 24h)",
                                  required=False),
                            Param("products", ParamKind.TEXT, "Store product ids, comma-separated", required=False,
                                  max_length=400),
                            Param("tier", ParamKind.TEXT, "Only this tier and above may join the waitlist",
                                  required=False, max_length=40),
                            Param("link", ParamKind.TEXT, "The product page", required=False, max_length=500)),
                    examples=('/mod launch create "Mango Blend" 2026-03-01T10:00 2026-03-03T10:00 2026-03-10T17:00 '
                              '36h 8123456789 - https://shop.example.com/mango',)),
            Command("mod launch list", "Launches with their phases and waitlists", self.list_launches,
                    permission=moderator),
            Command("mod launch cancel", "Cancel a launch (nothing more is posted)", self.cancel, permission=moderator,
                    params=(Param("launch", ParamKind.TEXT, "The launch's key", max_length=48),)),
            Command("waitlist join", "Join a launch waitlist for early access", self.join, params=(launch,),
                    examples=("/waitlist join", "/waitlist join mango-blend")),
            Command("waitlist leave", "Leave a launch waitlist", self.leave, params=(launch,)),
        )

    def actions(self) -> Sequence[Action]:
        return (Action("launch", self.on_button),)

    def listeners(self) -> Sequence[Listener]:
        return ((MembersMerged, self.on_merge),)

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self._tick, "interval", seconds=self.service.config.check_seconds, id=JOB_ID,
                                   replace_existing=True, coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(JOB_ID) is not None:
            self.scheduler.remove_job(JOB_ID)

    async def _tick(self) -> None:
        try:
            await self.service.run_due()
        except Exception:
            log.exception("launch tick failed")  # every step is claimed: the next tick carries on

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)

    # --- moderators ----------------------------------------------------------------------------------

    async def create(self, ctx: Context) -> Reply:
        now, tz = ctx.clock.now(), self.service.timezone
        early = ctx.args.get("early") or timedelta(hours=self.service.config.early_access_hours)
        tier = ctx.args.get("tier")
        tier = None if tier in (None, "-", "none") else tier.lower()
        link = ctx.args.get("link")
        try:
            timeline = build(preview=parse_when(ctx.args["preview"], now, tz),
                             waitlist=parse_when(ctx.args["waitlist"], now, tz),
                             public=parse_when(ctx.args["public"], now, tz), early=early,
                             recap_after=duration(self.service.config.recap_after), now=now)
        except TimelineError as problem:
            return Reply.error(f"{str(problem)[0].upper()}{str(problem)[1:]}. Times: {WHEN_HELP}.")
        if tier is not None and tier not in self.service.tiers:
            return Reply.error(f"There's no tier '{tier}'; tiers: {', '.join(self.service.tiers) or 'none'}.")
        if link is not None and not link.startswith(URL_PREFIXES):
            return Reply.error("The link must start with https://")
        if ctx.place.is_private and not self.service.config.places:
            return Reply.error("Run this in the channel the launch should be announced in (or set [launches] places).")
        products = [p.strip() for p in (ctx.args.get("products") or "").split(",") if p.strip() not in ("", "-")]
        places = list(self.service.config.places) or [ctx.place.key]
        launch = await self.service.store.create(ctx.args["name"], timeline, product_ids=products, places=places,
                                                 link=link, tier=tier, created_by=ctx.member_id, created_at=now)
        steps = [f"Preview: {when(timeline.preview_at, tz)}" if timeline.preview_at else "Preview: none",
                 f"Waitlist opens: {when(timeline.waitlist_at, tz)}",
                 f"Early access (waitlist): {when(timeline.early_at, tz)}",
                 f"Public launch: {when(timeline.public_at, tz)} (with a launch-day thread)",
                 f"Recap: {when(timeline.recap_at, tz)}"]
        return Reply.success(f"Launch {launch.key} planned in {', '.join(places)}:\n" + "\n".join(steps),
                             title=launch.name)

    async def list_launches(self, ctx: Context) -> Reply:
        launches = await self.service.store.recent()
        if not launches:
            return Reply(title="Launches", text="None yet — plan one with /mod launch create.")
        lines = []
        for launch in launches:
            posts = await self.service.store.posts(launch.id)
            done = sorted({phase for phase, _, status in posts if status == "sent"})
            waitlist = len(await self.service.store.waitlist(launch.id))
            lines.append(f"{launch.key} — {launch.name} ({launch.status}): public "
                         f"{when(launch.timeline.public_at, self.service.timezone)}, waitlist {waitlist}, "
                         f"posted: {', '.join(done) or 'nothing yet'}")
        return Reply(title="Launches", text="\n".join(lines), private=True)

    async def cancel(self, ctx: Context) -> Reply:
        launch = await self.service.store.find(ctx.args["launch"])
        if launch is None:
            return Reply.error(f"No launch '{ctx.args['launch']}' — see /mod launch list.")
        if not await self.service.store.set_status(launch.id, "cancelled"):
            return Reply.error(f"{launch.name} is already {launch.status}.")
        return Reply.success(f"{launch.name} is cancelled: nothing more will be posted for it.")

    # --- members -------------------------------------------------------------------------------------

    async def _chosen(self, ctx: Context) -> LaunchView | Reply:
        if "launch" in ctx.args:
            launch = await self.service.store.find(ctx.args["launch"])
            return launch or Reply.error(f"No launch '{ctx.args['launch']}'.")
        open_now = await self.service.open_waitlists(ctx.clock.now())
        if len(open_now) == 1:
            return open_now[0]
        if not open_now:
            return Reply.error("No waitlist is open right now — watch the announcements!")
        keys = ", ".join(launch.key for launch in open_now)
        return Reply.error(f"Several waitlists are open: say which, e.g. /waitlist join {open_now[0].key} ({keys}).")

    async def join(self, ctx: Context) -> Reply:
        chosen = await self._chosen(ctx)
        return chosen if isinstance(chosen, Reply) else await self._join(ctx, chosen)

    async def _join(self, ctx: Context, launch: LaunchView) -> Reply:
        try:
            joined = await self.service.join(launch, ctx.member_id)
        except JoinRefused as problem:
            return Reply.error(str(problem))
        if not joined:
            return Reply.success(f"You're already on the {launch.name} waitlist. ✓", private=True)
        return Reply.success(f"You're on the {launch.name} waitlist: I'll DM you when early access opens "
                             f"({when(launch.timeline.early_at, self.service.timezone)}).", private=True)

    async def leave(self, ctx: Context) -> Reply:
        chosen = await self._chosen(ctx)
        if isinstance(chosen, Reply):
            return chosen
        if not await self.service.store.leave(chosen.id, ctx.member_id):
            return Reply.error(f"You're not on the {chosen.name} waitlist.")
        return Reply.success(f"You left the {chosen.name} waitlist.", private=True)

    async def on_button(self, ctx: Context, rest: str) -> Reply:
        verb, _, number = rest.partition(":")
        launch = await self.service.store.find(number) if verb == "join" and number.isdigit() else None
        if launch is None:
            return Reply.error("That button has expired — try /waitlist join.")
        return await self._join(ctx, launch)
