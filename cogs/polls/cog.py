"""``/mod poll create|beta|close``, ``/poll results|list``, the vote buttons and native poll answers."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.arguments import ArgumentError
from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MembersMerged, PollAnswered
from bot.kit.registry import Action
from bot.kit.reply import Reply
from cogs.members.service import MemberService
from cogs.polls.parsing import parse_closing, parse_poll_text
from cogs.polls.render import ACTION_PREFIX, when
from cogs.polls.service import PollRefused, PollService

log = logging.getLogger("hearth.polls")

CLOSE_JOB = "polls-close-due"
POLL_TEXT_LIMIT = 1200
MODE_PARAMS = (
    Param("closes", ParamKind.TEXT, "When it closes: a duration (2h, 3d) or a date/time (2026-03-01T18:00)"),
    Param("choice", ParamKind.CHOICE, "One answer each, or several", choices=("single", "multiple")),
    Param("votes", ParamKind.CHOICE, "public: shown natively where possible; anonymous: buttons, voters hidden",
          choices=("public", "anonymous")),
    Param("text", ParamKind.TEXT, "Question | option 1 | option 2 … (2 to 10 options)", rest=True,
          max_length=POLL_TEXT_LIMIT),
)


class PollsCog(Cog):
    name = "polls"

    def __init__(self, service: PollService, members: MemberService, scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.members = members
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        return (
            Command("mod poll create", "Post a poll to the community channels on every platform", self.create,
                    params=MODE_PARAMS, permission=Permission.MODERATOR,
                    examples=("/mod poll create 2d single public Next flavour? | Mango | Yuzu | Plum",
                              "/mod poll create 2026-03-01T18:00 multiple anonymous Which events? | AMA | Meetup")),
            Command("mod poll beta", "Post a poll only a beta group (tier or role) may vote in", self.create_beta,
                    params=(Param("group", ParamKind.TEXT, "The beta group's key from [polls.groups]"),
                            *MODE_PARAMS),
                    permission=Permission.MODERATOR,
                    examples=("/mod poll beta insiders 3d single public Ship the new grinder? | Yes | Not yet",)),
            Command("mod poll close", "Close a poll now and post its results", self.close,
                    params=(Param("id", ParamKind.INT, "The poll number", min_value=1),),
                    permission=Permission.MODERATOR),
            Command("poll results", "Show a poll's results (with a chart)", self.results,
                    params=(Param("id", ParamKind.INT, "The poll number", min_value=1),),
                    examples=("/poll results 3",)),
            Command("poll list", "The polls open right now", self.list_open),
        )

    def actions(self) -> Sequence[Action]:
        return (Action(ACTION_PREFIX, self.on_button),)

    def listeners(self) -> Sequence[Listener]:
        return ((PollAnswered, self.on_answer), (MembersMerged, self.on_merge))

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self.service.close_due, "interval", id=CLOSE_JOB, replace_existing=True,
                                   seconds=self.service.config.close_check_seconds, coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(CLOSE_JOB) is not None:
            self.scheduler.remove_job(CLOSE_JOB)

    # --- moderator commands --------------------------------------------------------------------------

    async def create(self, ctx: Context, audience: str | None = None) -> Reply:
        command = ctx.command.usage if ctx.command else "/mod poll create"
        try:
            text = parse_poll_text(ctx.args["text"])
            closes = parse_closing(ctx.args["closes"], ctx.clock.now(), self.service.timezone,
                                   self.service.max_open())
        except ArgumentError as problem:
            return Reply.error(f"{str(problem)[:1].upper()}{str(problem)[1:]}. Usage: {command}")
        try:
            poll, posted = await self.service.create(
                question=text.question, options=text.options, multiple=ctx.args["choice"] == "multiple",
                anonymous=ctx.args["votes"] == "anonymous", closes_at=closes, created_by=ctx.member_id,
                here=ctx.place, here_platform=ctx.platform, audience=audience)
        except PollRefused as refusal:
            return Reply.error(str(refusal))
        lines = [f"{'✅' if p.ok else '⚠️'} {p.place.key}: "
                 f"{('native poll' if p.native else 'buttons') if p.ok else 'not posted (see the log)'}"
                 for p in posted]
        tone = "success" if all(p.ok for p in posted) else "warning"
        return Reply(title=f"Poll #{poll.id} is up", text="\n".join(lines), tone=tone, private=True,
                     footer=f"Closes {when(poll.closes_at, self.service.timezone)} · /poll results {poll.id}")

    async def create_beta(self, ctx: Context) -> Reply:
        key = ctx.args["group"].lower()
        try:
            self.service.group(key)
        except PollRefused as refusal:
            return Reply.error(str(refusal))
        return await self.create(ctx, audience=key)

    async def close(self, ctx: Context) -> Reply:
        poll_id = ctx.args["id"]
        poll = await self.service.store.get(poll_id)
        if poll is None:
            return Reply.error(f"There's no poll #{poll_id}.")
        if poll.closed_at is not None:
            return Reply.error(f"Poll #{poll_id} is already closed: /poll results {poll_id}")
        await self.service.close(poll_id)
        return Reply.success(f"Poll #{poll_id} is closed; the results are posted where it ran.", private=True)

    # --- member commands -------------------------------------------------------------------------------

    async def results(self, ctx: Context) -> Reply:
        try:
            return await self.service.results(ctx.args["id"])
        except PollRefused as refusal:
            return Reply.error(str(refusal))

    async def list_open(self, ctx: Context) -> Reply:
        polls = await self.service.store.open_polls(ctx.clock.now())
        if not polls:
            return Reply(title="Open polls", text="No poll is open right now.")
        lines = [f"#{p.id} {p.question} — {p.voters} voted, closes {when(p.closes_at, self.service.timezone)}"
                 for p in polls]
        return Reply(title="Open polls", text="\n".join(lines), footer="Results so far: /poll results ID")

    # --- votes -------------------------------------------------------------------------------------------

    async def on_button(self, ctx: Context, rest: str) -> Reply | None:
        """``vote:<poll>:<post>:<option>`` or ``results:<poll>``."""
        kind, _, numbers = rest.partition(":")
        try:
            values = [int(part) for part in numbers.split(":")]
        except ValueError:
            return Reply.error("That button has expired — run /poll list.")
        try:
            if kind == "results" and len(values) == 1:
                return replace(await self.service.results(values[0], chart=False), private=True)
            if kind == "vote" and len(values) == 3:
                note = await self.service.vote_button(values[0], values[1], values[2], ctx.member_id,
                                                      ctx.actor.platform)
                return Reply.success(note, private=True)
        except PollRefused as refusal:
            return Reply.error(str(refusal))
        return Reply.error("That button has expired — run /poll list.")

    async def on_answer(self, event: PollAnswered) -> None:
        if event.user.is_bot:
            return
        member_id = await self.members.resolve(event.user)
        await self.service.vote_native(event, member_id)

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)
