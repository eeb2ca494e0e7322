"""``/idea``, ``/ideas``, ``/roadmap``, ``/mod idea status``, ``/mod roadmap reveal``; vote buttons and reactions."""

from __future__ import annotations

from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MembersMerged, ReactionAdded
from bot.kit.platform import message_key
from bot.kit.registry import Action
from bot.kit.reply import Choice, Reply
from cogs.ideas.roadmap import RoadmapService
from cogs.ideas.service import STATUS_LABELS, IdeaRefused, IdeaService, Similar, card, vote_button
from cogs.ideas.store import IdeaView
from cogs.members.service import MemberService

IDEA_LIMIT = 200
LIST_SIZE = 10
REVEAL_JOB = "ideas-roadmap-reveal"
VIEW_TITLES = {"top": "Top ideas", "new": "Newest ideas", "mine": "Your ideas"}


class IdeasCog(Cog):
    name = "ideas"

    def __init__(self, service: IdeaService, roadmap: RoadmapService, members: MemberService,
                 scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.roadmap = roadmap
        self.members = members
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        return (
            Command("idea", "Suggest a feature or product idea (others vote on it)", self.idea,
                    params=(Param("text", ParamKind.TEXT, "Your idea, in one line", rest=True,
                                  max_length=IDEA_LIMIT),),
                    examples=("/idea A travel-size version of the grinder",)),
            Command("ideas", "Ideas to vote on: top, new or mine", self.ideas,
                    params=(Param("view", ParamKind.CHOICE, "top (most votes), new, or mine", required=False,
                                  choices=tuple(VIEW_TITLES)),),
                    examples=("/ideas", "/ideas new", "/ideas mine")),
            Command("roadmap", "What's planned, in progress and recently shipped", self.show_roadmap),
            Command("mod idea status", "Move an idea: planned, in_progress, shipped or declined", self.status,
                    params=(Param("id", ParamKind.INT, "The idea number", min_value=1),
                            Param("status", ParamKind.CHOICE, "The new status",
                                  choices=("planned", "in_progress", "shipped", "declined")),
                            Param("note", ParamKind.TEXT, "A short note shown with it", required=False, rest=True,
                                  max_length=300)),
                    permission=Permission.MODERATOR,
                    examples=("/mod idea status 12 shipped Out now in the app — thank you!",)),
            Command("mod roadmap reveal", "Post this quarter's roadmap to the reveal channels now", self.reveal,
                    permission=Permission.MODERATOR),
        )

    def actions(self) -> Sequence[Action]:
        return (Action("idea", self.on_button),)

    def listeners(self) -> Sequence[Listener]:
        return ((ReactionAdded, self.on_reaction), (MembersMerged, self.on_merge))

    async def start(self) -> None:
        await self.service.start()
        if self.scheduler is not None and self.service.config.reveal_places:
            trigger = CronTrigger(month="1,4,7,10", day=1, hour=self.service.config.reveal_hour,
                                  timezone=self.roadmap.timezone)
            self.scheduler.add_job(self._scheduled_reveal, trigger, id=REVEAL_JOB, replace_existing=True,
                                   coalesce=True, max_instances=1, misfire_grace_time=6 * 3600)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(REVEAL_JOB) is not None:
            self.scheduler.remove_job(REVEAL_JOB)

    async def _scheduled_reveal(self) -> None:
        await self.roadmap.reveal(self.service.clock.now())

    # --- members -------------------------------------------------------------------------------------

    async def idea(self, ctx: Context) -> Reply:
        result = await self.service.submit(ctx.args["text"], ctx.member_id)
        if isinstance(result, Similar):
            lines = [f"#{i.id} {i.title} — {i.votes} vote{'s' if i.votes != 1 else ''}, {STATUS_LABELS[i.status]}"
                     for i in result.matches]
            votable = [vote_button(i) for i in result.matches if i.status in ("open", "planned", "in_progress")]
            return Reply(title="Is it one of these?", text="\n".join(lines), private=True,
                         choices=(*votable, Choice("File mine anyway", f"idea:file:{result.draft_id}")),
                         footer="Vote for the same idea rather than splitting the votes — or file yours anyway.")
        return self._filed(result)

    @staticmethod
    def _filed(idea: IdeaView) -> Reply:
        return Reply(title=f"💡 Idea #{idea.id} filed", text=idea.title, choices=card(idea).choices, tone="success",
                     footer="Share it — members vote with the button. /ideas to see more.")

    async def ideas(self, ctx: Context) -> Reply:
        view = ctx.args.get("view", "top")
        ideas = await self.service.store.listing(view, ctx.member_id, LIST_SIZE)
        if not ideas:
            empty = "You haven't suggested anything yet" if view == "mine" else "No ideas yet"
            return Reply(title=VIEW_TITLES[view], text=f"{empty} — /idea to suggest one.")
        lines = [f"#{i.id} {i.title} — {i.votes} vote{'s' if i.votes != 1 else ''}"
                 + ("" if i.status == "open" else f" · {STATUS_LABELS[i.status]}") for i in ideas]
        buttons = tuple(vote_button(i) for i in ideas[:5] if i.status in ("open", "planned", "in_progress"))
        return Reply(title=VIEW_TITLES[view], text="\n".join(lines), choices=buttons,
                     footer="Suggest one: /idea · What's coming: /roadmap")

    async def show_roadmap(self, ctx: Context) -> Reply:
        return self.roadmap.as_reply(await self.roadmap.build(ctx.clock.now()))

    async def on_button(self, ctx: Context, rest: str) -> Reply:
        kind, _, number = rest.partition(":")
        if not number.isdigit():
            return Reply.error("That button has expired — run /ideas.")
        try:
            if kind == "vote":
                return Reply.success(await self.service.vote(int(number), ctx.member_id), private=True)
            if kind == "file":
                return self._filed(await self.service.file_draft(int(number), ctx.member_id))
        except IdeaRefused as refusal:
            return Reply.error(str(refusal))
        return Reply.error("That button has expired — run /ideas.")

    async def on_reaction(self, event: ReactionAdded) -> None:
        if event.user.is_bot or event.emoji != self.service.config.vote_emoji:
            return
        idea_id = self.service.cards.get(message_key(event.message))
        if idea_id is None:
            return
        try:
            await self.service.vote(idea_id, await self.members.resolve(event.user))
        except IdeaRefused:
            pass  # a reaction can't be answered; a repeat or own-idea reaction simply doesn't count

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)

    # --- moderators ----------------------------------------------------------------------------------

    async def status(self, ctx: Context) -> Reply:
        status, note = ctx.args["status"], ctx.args.get("note")
        try:
            idea, credited = await self.service.set_status(ctx.args["id"], status, note, ctx.place, ctx.platform)
        except IdeaRefused as refusal:
            return Reply.error(str(refusal))
        text = f"Idea #{idea.id} “{idea.title}” is now {STATUS_LABELS[status]}."
        if status == "shipped":
            text += f" Announced, and {credited} member{'s' if credited != 1 else ''} credited with points."
        return Reply.success(text, private=True)

    async def reveal(self, ctx: Context) -> Reply:
        if not self.service.config.reveal_places:
            return Reply.error("No reveal channels are configured ([ideas] reveal_places) — /roadmap shows it here.")
        if not await self.roadmap.reveal(ctx.clock.now()):
            return Reply.error("This quarter's roadmap was already revealed.")
        return Reply.success("The roadmap is posted to the reveal channels.", private=True)
