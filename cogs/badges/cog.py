"""``/badges``, ``/mod badges recompute``, the badges line of ``/profile``, and the listeners feeding evaluation."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import (
    MemberForgotten,
    MembersMerged,
    PointsAwarded,
    PurchaseRecorded,
    SeasonEnded,
    TierChanged,
)
from bot.kit.reply import Field, Reply
from cogs.badges.service import BadgeService, RecomputeReport
from cogs.members.service import MemberService

log = logging.getLogger("hearth.badges")

JOB_ID = "badges-evaluate"


def _counts(by_badge: dict[str, int], service: BadgeService) -> str:
    return ", ".join(f"{service.label(badge)} {count:,}" for badge, count in sorted(by_badge.items()))


class BadgesCog(Cog):
    name = "badges"

    def __init__(self, service: BadgeService, members: MemberService, scheduler: AsyncIOScheduler | None,
                 interval: float) -> None:
        self.service = service
        self.members = members
        self.scheduler = scheduler
        self.interval = interval

    def commands(self) -> Sequence[Command]:
        return (
            Command("badges", "Badges you (or another member) earned, and how to earn the rest", self.badges,
                    params=(Param("member", ParamKind.MEMBER, "Whose badges to show", required=False),),
                    examples=("/badges", "/badges @alice")),
            Command("mod badges recompute", "Re-check every member's badges after a rule change", self.recompute,
                    params=(Param("unearned", ParamKind.CHOICE, "keep (default) or revoke badges no longer earned",
                                  required=False, choices=("keep", "revoke")),),
                    permission=Permission.MODERATOR,
                    examples=("/mod badges recompute", "/mod badges recompute revoke")),
        )

    def listeners(self) -> Sequence[Listener]:
        return (
            (PointsAwarded, self.service.on_points),
            (TierChanged, self.on_tier),
            (PurchaseRecorded, self.on_purchase),
            (SeasonEnded, self.on_season_end),
            (MembersMerged, self.on_merge),
            (MemberForgotten, self.on_forget),
        )

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self._tick, "interval", seconds=self.interval, id=JOB_ID, replace_existing=True,
                                   coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(JOB_ID) is not None:
            self.scheduler.remove_job(JOB_ID)
        # What was marked since the last tick is granted now (platforms are gone: not announced).
        await self._tick()

    async def _tick(self) -> None:
        try:
            await self.service.evaluate_pending()
        except Exception:
            # The members stay unmarked; their next award marks them again, and a recompute catches all.
            log.exception("badge evaluation failed")

    # --- listeners ---------------------------------------------------------------------------------

    async def on_tier(self, event: TierChanged) -> None:
        if self.service.needs.tiers:
            self.service.mark(event.member_id)

    async def on_purchase(self, event: PurchaseRecorded) -> None:
        # Orders that earn no points (an unlisted currency) publish no PointsAwarded: this marks them too.
        if event.member_id is not None and self.service.needs.purchases:
            self.service.mark(event.member_id)

    async def on_season_end(self, event: SeasonEnded) -> None:
        # At once, not on the next tick: the Champion announcement belongs next to the season's end.
        if event.winner_member_id is not None and self.service.needs.seasons:
            await self.service.evaluate([event.winner_member_id])

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.merge(event.kept, event.merged)

    async def on_forget(self, event: MemberForgotten) -> None:
        # Their rows are already erased; a pending evaluation must not grant the anonymous record anything.
        self.service.dirty.discard(event.member_id)

    # --- commands ----------------------------------------------------------------------------------

    async def badges(self, ctx: Context) -> Reply:
        target = ctx.args.get("member")
        if target is not None and target.is_bot:
            return Reply.error("Bots don't earn badges — pick a member.")
        member_id = ctx.member_id if target is None else await self.members.find(target)
        name = ctx.actor.display_name if target is None else target.display_name
        if member_id is None:
            return Reply.error(f"{name} hasn't taken part here yet, so there are no badges to show.")
        earned = await self.service.earned(member_id)
        held = {badge for badge, _ in earned}
        facts = await self.service.facts(member_id)
        lines = [f"{self.service.label(badge)} — {at:%-d %b %Y}" for badge, at in earned]
        todo = []
        for rule in self.service.rules:
            if rule.key in held:
                continue
            progress = rule.condition.progress(facts)
            todo.append(f"{rule.label}: {rule.how}" + (f" — {progress}" if progress else ""))
        fields = [Field(f"Earned ({len(lines)})", "\n".join(lines) or "None yet."),
                  Field("Still to earn", "\n".join(todo) or "Every badge — congratulations! 🎉")]
        return Reply(title=f"{name} — badges", fields=tuple(fields))

    async def recompute(self, ctx: Context) -> Reply:
        if self.service.recomputing is not None:
            done, total = self.service.recomputing
            return Reply.error(f"A recompute is already running ({done:,}/{total:,} members checked).")
        revoke = ctx.args.get("unearned", "keep") == "revoke"
        log.info("moderator %s:%s started a badge recompute (revoke=%s)", ctx.actor.platform, ctx.actor.user_id,
                 revoke)
        report = await self.service.recompute(revoke=revoke)
        return Reply.success(self._summary(report, revoke), title="Badges recomputed")

    def _summary(self, report: RecomputeReport, revoke: bool) -> str:
        lines = [f"Checked {report.members:,} members in {report.seconds:.1f} s."]
        granted = sum(report.granted.values())
        lines.append(f"Granted {granted:,} badges" + (f": {_counts(report.granted, self.service)}." if granted
                                                      else "."))
        revoked = sum(report.revoked.values())
        if revoke:
            lines.append(f"Revoked {revoked:,}" + (f": {_counts(report.revoked, self.service)}." if revoked
                                                   else " (everyone still meets theirs)."))
        else:
            lines.append("Nothing was revoked; add `revoke` to take back badges no longer earned.")
        return "\n".join(lines)

    # --- /profile ----------------------------------------------------------------------------------

    async def profile_section(self, member_id: int) -> list[Field]:
        earned = await self.service.earned(member_id)
        shown = " · ".join(self.service.label(badge) for badge, _ in earned)
        return [Field("Badges", shown or "None yet — /badges shows how to earn them")]
