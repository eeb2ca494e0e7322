"""``/ask``, ``/accept``, ``/faq search``, ``/mod faq add``; answers from thread messages; the unanswered check."""

from __future__ import annotations

from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MembersMerged, MessagePosted
from bot.kit.registry import Action
from bot.kit.reply import Choice, Reply
from cogs.members.service import MemberService
from cogs.qa.faq import FaqStore
from cogs.qa.service import QaRefused, QaService
from cogs.qa.store import QuestionView

QUESTION_LIMIT = 500
SUMMARY_LIMIT = 2000
SURFACE_JOB = "qa-surface-unanswered"
ANSWER_BUTTONS = 5


class QaCog(Cog):
    name = "qa"

    def __init__(self, service: QaService, faq: FaqStore, members: MemberService,
                 scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.faq = faq
        self.members = members
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        return (
            Command("ask", "Ask the community a question (opens a thread for answers)", self.ask, scope="guild",
                    params=(Param("question", ParamKind.TEXT, "Your question", rest=True,
                                  max_length=QUESTION_LIMIT),),
                    examples=("/ask How do I descale the kettle?",)),
            Command("accept", "Accept the answer that solved your question (in its thread)", self.accept,
                    params=(Param("member", ParamKind.MEMBER, "Who answered (or reply to their answer)",
                                  required=False),
                            Param("question", ParamKind.INT, "The question number, outside its thread",
                                  required=False, min_value=1)),
                    examples=("/accept @bob", "/accept @bob 7", "/accept")),
            Command("faq search", "Search answers to questions asked before", self.search,
                    params=(Param("query", ParamKind.TEXT, "What you're looking for", rest=True, max_length=200),),
                    examples=("/faq search descale kettle",)),
            Command("mod faq add", "Publish a solution summary of a resolved question to the FAQ", self.add_faq,
                    params=(Param("question", ParamKind.INT, "The question number", min_value=1),
                            Param("summary", ParamKind.TEXT, "The solution, in your words", rest=True,
                                  max_length=SUMMARY_LIMIT)),
                    permission=Permission.MODERATOR,
                    examples=("/mod faq add 7 Run the descaling cycle twice with citric acid.",)),
        )

    def actions(self) -> Sequence[Action]:
        return (Action("qa", self.on_button),)

    def listeners(self) -> Sequence[Listener]:
        return ((MessagePosted, self.on_message), (MembersMerged, self.on_merge))

    async def start(self) -> None:
        await self.service.start()
        if self.scheduler is not None and self.service.config.moderator_place:
            self.scheduler.add_job(self.service.surface_unanswered, "interval", id=SURFACE_JOB,
                                   minutes=self.service.config.check_minutes, replace_existing=True, coalesce=True,
                                   max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(SURFACE_JOB) is not None:
            self.scheduler.remove_job(SURFACE_JOB)

    # --- asking and answering ------------------------------------------------------------------------

    async def ask(self, ctx: Context) -> Reply:
        try:
            question = await self.service.ask(ctx.args["question"], ctx.member_id, ctx.actor.display_name,
                                              ctx.place, ctx.platform)
        except QaRefused as refusal:
            return Reply.error(str(refusal))
        return Reply.success(f"Your question is #{question.id} — answers go in its thread. When one solves it, "
                             "/accept it there: the answerer gets points.", private=True)

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot or self.service.question_for(event) is None:
            return  # the hot path: one or two dict look-ups for ordinary chat
        await self.service.on_message(event, await self.members.resolve(event.author))

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)

    # --- accepting -----------------------------------------------------------------------------------

    async def accept(self, ctx: Context) -> Reply:
        user = ctx.args.get("member")
        if user is not None and user.is_bot:
            return Reply.error("Bots don't answer questions here — accept the member who helped.")
        answerer = await ctx.member_of(user) if user is not None else None
        try:
            question = await self._question(ctx, answerer)
            if answerer is None:
                return await self._choose(question, ctx)
            answer, points = await self.service.accept(question, ctx.member_id, ctx.is_moderator, answerer=answerer)
        except QaRefused as refusal:
            return Reply.error(str(refusal))
        return self._accepted(question, answer.member_name, points)

    async def _question(self, ctx: Context, answerer: int | None) -> QuestionView:
        number = ctx.args.get("question")
        if number is None:
            return await self.service.find_question(ctx.place, answerer, ctx.member_id, ctx.is_moderator)
        question = await self.service.store.question(number)
        if question is None:
            raise QaRefused(f"There's no question #{number}.")
        return question

    async def _choose(self, question: QuestionView, ctx: Context) -> Reply:
        """``/accept`` without a member: buttons for the latest answer of each answerer."""
        if ctx.member_id != question.asker_member_id and not ctx.is_moderator:
            raise QaRefused(f"Only the asker or a moderator can accept an answer to #{question.id}.")
        if question.accepted_answer_id is not None:
            raise QaRefused(f"Question #{question.id} already has an accepted answer.")
        latest: dict[int, tuple[int, str]] = {}
        for answer in await self.service.store.answers(question.id):
            latest.setdefault(answer.member_id, (answer.id, answer.member_name))
        if not latest:
            raise QaRefused(f"No answers to #{question.id} yet.")
        choices = tuple(Choice(f"✅ {name}", f"qa:accept:{question.id}:{answer_id}", style="success")
                        for answer_id, name in list(latest.values())[:ANSWER_BUTTONS])
        return Reply(title=f"Which answer solved #{question.id}?", text=question.text, choices=choices,
                     private=True, footer="Or name them: /accept @member")

    async def on_button(self, ctx: Context, rest: str) -> Reply:
        kind, _, numbers = rest.partition(":")
        question_id, _, answer_id = numbers.partition(":")
        if kind != "accept" or not (question_id.isdigit() and answer_id.isdigit()):
            return Reply.error("That button has expired — run /accept again.")
        question = await self.service.store.question(int(question_id))
        if question is None:
            return Reply.error("That question no longer exists.")
        try:
            answer, points = await self.service.accept(question, ctx.member_id, ctx.is_moderator,
                                                       answer_id=int(answer_id))
        except QaRefused as refusal:
            return Reply.error(str(refusal))
        return self._accepted(question, answer.member_name, points)

    @staticmethod
    def _accepted(question: QuestionView, name: str, points: int) -> Reply:
        thanks = f" — +{points} points to {name}" if points else ""
        return Reply.success(f"{name}'s answer to #{question.id} is accepted{thanks}. Thank you for helping!",
                             title="✅ Solved")

    # --- the FAQ ---------------------------------------------------------------------------------------

    async def add_faq(self, ctx: Context) -> Reply:
        question = await self.service.store.question(ctx.args["question"])
        if question is None:
            return Reply.error(f"There's no question #{ctx.args['question']}.")
        if question.accepted_answer_id is None:
            return Reply.error(f"Question #{question.id} isn't resolved yet — accept an answer first, then "
                               "summarise the solution.")
        entry_id, new = await self.faq.publish(question.id, question.text, ctx.args["summary"], ctx.member_id,
                                               ctx.clock.now())
        verb = "added to" if new else "updated in"
        return Reply.success(f"Question #{question.id} is {verb} the FAQ (entry {entry_id}). Members find it with "
                             "/faq search.", private=True)

    async def search(self, ctx: Context) -> Reply:
        hits = await self.faq.search(ctx.args["query"])
        if not hits:
            return Reply(title="FAQ", text="Nothing in the FAQ matches that yet — ask the community with /ask.")
        lines = []
        for hit in hits:
            summary = hit.body if len(hit.body) <= 300 else hit.body[:299] + "…"
            lines.append(f"Q{hit.question_id or hit.id}: {hit.title}\n→ {summary}")
        return Reply(title=f"FAQ — {len(hits)} answer{'s' if len(hits) != 1 else ''}", text="\n\n".join(lines),
                     footer="Not it? Ask the community: /ask")
