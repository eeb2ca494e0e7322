"""``/share``, ``/mod ugc queue|approve|reject|feature|prompt``, showcase capture, consent buttons, the
milestone job and ``GET /ugc.json`` — the rules live in ``service.py``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MembersMerged, MessagePosted
from bot.kit.registry import Action
from bot.kit.reply import Choice, Field, Reply
from cogs.members.service import MemberService
from cogs.ugc.links import find_link, media_type
from cogs.ugc.service import KIND_TITLES, UgcRefused, UgcService, consent_choices, preview

log = logging.getLogger("hearth.ugc")

MILESTONE_JOB = "ugc-milestones"
KIND_CHOICES = {"post": "ugc_post", "tutorial": "tutorial", "review": "product_review"}
QUEUE_SIZE = 10
QUEUE_BUTTONS = 5


class UgcCog(Cog):
    name = "ugc"

    def __init__(self, service: UgcService, members: MemberService, scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.members = members
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        moderator = Permission.MODERATOR
        number = Param("number", ParamKind.INT, "The submission number (#12)", min_value=1)
        return (
            Command("share", "Share a photo, video or link of how you use our products", self.share,
                    params=(Param("media", ParamKind.ATTACHMENT, "A photo or video", required=False),
                            Param("text", ParamKind.TEXT, "A caption, and/or a link (Instagram, TikTok, YouTube)",
                                  required=False, rest=True, max_length=2000)),
                    examples=("/share My morning pour-over https://www.instagram.com/p/C0ffee123/",
                              "/share #tutorial Descaling in 3 steps https://youtu.be/dQw4w9WgXcQ")),
            Command("mod ugc queue", "Submissions waiting for review", self.queue, permission=moderator),
            Command("mod ugc approve", "Approve a submission (awards its points)", self.approve, permission=moderator,
                    params=(number, Param("type", ParamKind.CHOICE, "Count it as a post, tutorial or review",
                                          required=False, choices=tuple(KIND_CHOICES))),
                    examples=("/mod ugc approve 12", "/mod ugc approve 12 tutorial")),
            Command("mod ugc reject", "Reject a submission; the reason is sent to the member", self.reject,
                    permission=moderator,
                    params=(number, Param("reason", ParamKind.TEXT, "Why (sent to the member)", rest=True,
                                          max_length=300)),
                    examples=("/mod ugc reject 12 The photo is too dark to see the product",)),
            Command("mod ugc feature", "Feature a submission in the Community Spotlight", self.feature,
                    permission=moderator, params=(number,), examples=("/mod ugc feature 12",)),
            Command("mod ugc prompt", "Post a content prompt (\"Show us how you use X\")", self.prompt,
                    permission=moderator,
                    params=(Param("text", ParamKind.TEXT, "The prompt", rest=True, max_length=500),),
                    examples=("/mod ugc prompt Show us your desk setup with the new lamp!",)),
        )

    def actions(self) -> Sequence[Action]:
        return (Action("ugc", self.on_consent), Action("ugcmod", self.on_review, permission=Permission.MODERATOR))

    def listeners(self) -> Sequence[Listener]:
        return ((MessagePosted, self.on_message), (MembersMerged, self.on_merge))

    async def start(self) -> None:
        if self.scheduler is not None and self.service.config.milestone_days:
            self.scheduler.add_job(self._milestones, "interval",
                                   minutes=self.service.config.milestone_check_minutes, id=MILESTONE_JOB,
                                   replace_existing=True, coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(MILESTONE_JOB) is not None:
            self.scheduler.remove_job(MILESTONE_JOB)

    async def _milestones(self) -> None:
        try:
            await self.service.run_milestones()
        except Exception:
            # Claimed members are never asked twice; the rest are tried again at the next run.
            log.exception("ugc milestone requests failed")

    # --- members -----------------------------------------------------------------------------------

    async def share(self, ctx: Context) -> Reply:
        try:
            captured = await self.service.submit(ctx.member_id, ctx.args.get("text") or "", ctx.args.get("media"),
                                                 ctx.place, ctx.message, "share")
        except UgcRefused as problem:
            return Reply.error(str(problem))
        submission = captured.submission
        if not captured.created:
            return Reply.error(f"You already shared that (#{submission.id}, {submission.status}).")
        shown = preview(submission, title="Thanks for sharing! 🙌", for_platform=ctx.platform.name)
        return Reply(title=shown.title, image_url=shown.image_url, footer=shown.footer, choices=consent_choices(
            submission.id), text=(f"{shown.text}\n\n" if shown.text else "") + "A moderator will look at it soon. "
            "May we show it on our store too (with your name)?")

    async def on_consent(self, ctx: Context, rest: str) -> Reply:
        _, number, answer = [*rest.split(":"), "", "", ""][:3]
        if not number.isdigit() or answer not in {"yes", "no"}:
            return Reply.error("That button has expired — run /share again.")
        if not await self.service.consent(int(number), ctx.member_id, answer == "yes"):
            return Reply.error("Only the member who shared it can answer that.")
        if answer == "yes":
            return Reply.success("Thank you! Once approved it may appear on our store.", private=True)
        return Reply.success("Got it — it stays in the community only.", private=True)

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot or not self.service.is_showcase(event.message.place):
            return
        attachment = next((a for a in event.attachments if media_type(a) is not None), None)
        if attachment is None and find_link(event.text) is None:
            return  # conversation in the showcase channel, not content
        member_id = await self.members.resolve(event.author)
        try:
            captured = await self.service.submit(member_id, event.text, attachment, event.message.place,
                                                 event.message, "showcase")
        except UgcRefused:
            return  # e.g. a too-large video: not nagged about in the channel
        if captured.created:
            await self.service.messenger.dm(member_id, Reply(
                title="Thanks for sharing! 🙌", choices=consent_choices(captured.submission.id),
                text=f"We saw your post (#{captured.submission.id}). May we show it on our store too (with your "
                     "name)?"))

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)

    # --- moderators --------------------------------------------------------------------------------

    async def queue(self, ctx: Context) -> Reply:
        pending, total = await self.service.store.pending(QUEUE_SIZE)
        if not pending:
            return Reply(title="UGC queue", text="Nothing waiting for review. 🎉")
        fields = []
        for item in pending:
            what = item.link_url or (f"{item.media_type or 'file'} upload" if item.media_url else "")
            consent = {"yes": "store ✓", "no": "community only", "pending": "consent not given yet"}[item.consent]
            fields.append(Field(f"#{item.id} · {KIND_TITLES.get(item.kind, item.kind)} by {item.author}",
                                "\n".join(x for x in (item.text[:200], what, consent) if x)))
        choices = tuple(Choice(f"Approve #{item.id}", f"ugcmod:approve:{item.id}", style="success")
                        for item in pending[:QUEUE_BUTTONS])
        more = f" (showing the oldest {len(pending)})" if total > len(pending) else ""
        return Reply(title="UGC queue", text=f"{total} waiting{more}.", fields=tuple(fields), choices=choices,
                     footer="/mod ugc approve N [post|tutorial|review] · reject N reason · feature N")

    async def approve(self, ctx: Context) -> Reply:
        return await self._approve(ctx, ctx.args["number"], KIND_CHOICES.get(ctx.args.get("type", "")))

    async def _approve(self, ctx: Context, number: int, kind: str | None) -> Reply:
        try:
            submission, changed = await self.service.approve(number, ctx.member_id, kind)
        except UgcRefused as problem:
            return Reply.error(str(problem))
        if not changed:
            return Reply.error(f"#{number} was already {submission.status}.")
        amount = self.service.rule_amount(submission.kind)
        return Reply.success(f"Approved #{number} ({KIND_TITLES.get(submission.kind, submission.kind)}): "
                             f"+{amount} points for {submission.author}.")

    async def reject(self, ctx: Context) -> Reply:
        number = ctx.args["number"]
        try:
            submission, changed = await self.service.reject(number, ctx.member_id, ctx.args["reason"])
        except UgcRefused as problem:
            return Reply.error(str(problem))
        if not changed:
            return Reply.error(f"#{number} was already {submission.status}.")
        return Reply.success(f"Rejected #{number}; {submission.author} was told why.")

    async def feature(self, ctx: Context) -> Reply:
        return await self._feature(ctx, ctx.args["number"])

    async def _feature(self, ctx: Context, number: int) -> Reply:
        try:
            submission, changed = await self.service.feature(number, ctx.member_id, ctx.place)
        except UgcRefused as problem:
            return Reply.error(str(problem))
        if not changed:
            return Reply.error(f"#{number} is already in the spotlight.")
        return Reply.success(f"🌟 #{number} by {submission.author} is in the Community Spotlight.")

    async def on_review(self, ctx: Context, rest: str) -> Reply:
        verb, _, number = rest.partition(":")
        if not number.isdigit() or verb not in {"approve", "feature"}:
            return Reply.error("That button has expired — use /mod ugc queue.")
        if verb == "approve":
            return await self._approve(ctx, int(number), None)
        return await self._feature(ctx, int(number))

    async def prompt(self, ctx: Context) -> Reply:
        prompt = Reply(title="📸 Show us!", text=ctx.args["text"],
                       footer="Share yours with /share — a photo, a video or a link. The best get featured.")
        places = [key for key in self.service.config.showcase_places if key != ctx.place.key]
        if not places:
            return prompt  # the reply itself is the prompt, in the channel the moderator chose
        sent = [key for key in places if await self.service.messenger.post(key, prompt) is not None]
        if not sent:
            return Reply.error("I couldn't post the prompt in the showcase channels — check my permissions there.")
        return Reply.success(f"Prompt posted in {', '.join(sent)}.", private=True)
