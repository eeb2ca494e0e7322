"""``/ref``, ``/mod partner add|list|statement``, the listeners (joins, orders, refunds, points for asks) and
the asks/monthly job — the rules live in ``service.py``."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import MemberJoined, MembersMerged, PointsAwarded, PurchaseRecorded, RefundRecorded
from bot.kit.reply import Choice, Field, FileUpload, Reply
from cogs.members.service import MemberService
from cogs.referrals.partners import PartnerProblem, parse_rate, rate_text, statement_csv
from cogs.referrals.service import ReferralService
from cogs.rituals.schedule import month_bounds, previous_month_key

log = logging.getLogger("hearth.referrals")

JOB_ID = "referrals-asks-monthly"
PLATFORM_TITLES = {"telegram": "Telegram", "discord": "Discord"}


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class ReferralsCog(Cog):
    name = "referrals"

    def __init__(self, service: ReferralService, members: MemberService, scheduler: AsyncIOScheduler | None) -> None:
        self.service = service
        self.members = members
        self.scheduler = scheduler

    def commands(self) -> Sequence[Command]:
        moderator = Permission.MODERATOR
        return (
            Command("ref", "Your personal referral code and links to share", self.ref),
            Command("mod partner add", "Make a member a creator/ambassador partner with their own code",
                    self.add_partner, permission=moderator,
                    params=(Param("member", ParamKind.MEMBER, "The partner"),
                            Param("rate", ParamKind.TEXT, "Commission in percent (default from config)",
                                  required=False, max_length=8),
                            Param("kind", ParamKind.CHOICE, "creator or ambassador", required=False,
                                  choices=("creator", "ambassador")),
                            Param("code", ParamKind.TEXT, "Their code, e.g. ANA15 (default: a random one)",
                                  required=False, max_length=32)),
                    examples=("/mod partner add @ana 15 creator ANA15",)),
            Command("mod partner list", "Partners with their codes, rates and orders", self.list_partners,
                    permission=moderator),
            Command("mod partner statement", "A month's partner statement (orders, commission, content)",
                    self.statement, permission=moderator,
                    params=(Param("month", ParamKind.TEXT, "YYYY-MM (default: last month)", required=False,
                                  max_length=7),
                            Param("member", ParamKind.MEMBER, "One partner (default: all)", required=False)),
                    examples=("/mod partner statement", "/mod partner statement 2026-01 @ana")),
        )

    def listeners(self) -> Sequence[Listener]:
        return (
            (MemberJoined, self.on_join),
            (PurchaseRecorded, self.service.on_purchase),
            (RefundRecorded, self.service.on_refund),
            (PointsAwarded, self.service.on_points),
            (MembersMerged, self.on_merge),
        )

    async def start(self) -> None:
        if self.scheduler is not None:
            self.scheduler.add_job(self._tick, "interval", seconds=self.service.config.check_seconds, id=JOB_ID,
                                   replace_existing=True, coalesce=True, max_instances=1)

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.get_job(JOB_ID) is not None:
            self.scheduler.remove_job(JOB_ID)
        if self.service.discounts is not None:
            await self.service.discounts.close()

    async def _tick(self) -> None:
        try:
            await self.service.run_asks()
            await self.service.run_monthly()
        except Exception:
            # Every message is claimed before it is sent: the next tick carries on without repeating any.
            log.exception("referral asks / monthly posts failed")

    async def on_join(self, event: MemberJoined) -> None:
        if event.user.is_bot or not (event.invite_link or event.invite_name):
            return
        await self.service.on_join(event, await self.members.resolve(event.user))

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.store.merge(event.kept, event.merged)
        await self.service.book.merge(event.kept, event.merged)

    # --- /ref ----------------------------------------------------------------------------------------

    async def ref(self, ctx: Context) -> Reply:
        links = await self.service.links(ctx.member_id)
        points = self.service.book.points_per_referral()
        fields = [Field("Your code", links.code, inline=True)]
        choices = []
        if links.store:
            fields.append(Field("Store link", links.store))
            choices.append(Choice("Open the store link", "", style="link", url=links.store))
        if links.discount_code:
            percent = self.service.config.shopify_discount.percent
            fields.append(Field("Discount for friends", f"{links.discount_code} gives {percent:g}% off at checkout"))
        for key, link in sorted(links.invites.items()):
            title = PLATFORM_TITLES.get(key.split(":", 1)[0], key.split(":", 1)[0].title())
            fields.append(Field(f"Invite to our {title} group", link))
        if links.discord:
            fields.append(Field("Invite to our Discord", links.discord))
        if links.partner is not None:
            fields.append(Field("Partner code", links.partner.code, inline=True))
        bonus = [f"+{extra} for your {ordinal(n)}" for n, extra in self.service.config.milestone_bonus.items() if extra]
        text = (f"When someone you referred becomes a customer you get {points} points."
                + (f" Bonus: {', '.join(bonus)} referral." if bonus else ""))
        return Reply(title="Your referral links", text=text, fields=tuple(fields), choices=tuple(choices),
                     private=True, footer=f"{links.joins} joined through your links · {links.conversions} became "
                                          "customers · ranking: /leaderboard all referrers")

    # --- partners ------------------------------------------------------------------------------------

    async def add_partner(self, ctx: Context) -> Reply:
        target = ctx.args["member"]
        if target.is_bot:
            return Reply.error("A bot can't be a partner.")
        try:
            rate = (parse_rate(ctx.args["rate"]) if "rate" in ctx.args
                    else int(Decimal(str(self.service.config.partner_commission_percent)) * 100))
            partner = await self.service.partners.add(await ctx.member_of(target), ctx.args.get("kind", "creator"),
                                                      rate, ctx.args.get("code"), ctx.member_id, ctx.clock.now())
        except PartnerProblem as problem:
            return Reply.error(str(problem))
        return Reply.success(f"{partner.name} is a {partner.kind} partner: code {partner.code}, "
                             f"{rate_text(partner.commission_bp)} commission on orders using it.")

    async def list_partners(self, ctx: Context) -> Reply:
        partners = await self.service.partners.all()
        if not partners:
            return Reply(title="Partners", text="No partners yet — add one with /mod partner add @member 10.")
        orders = await self.service.partners.lifetime_orders()
        lines = [f"{p.name} — {p.kind}, code {p.code}, {rate_text(p.commission_bp)}, "
                 f"{orders.get(p.member_id, 0)} orders{'' if p.active else ' (inactive)'}" for p in partners]
        return Reply(title="Partners", text="\n".join(lines), private=True)

    async def statement(self, ctx: Context) -> Reply:
        tz = self.service.timezone
        month = ctx.args.get("month") or previous_month_key(ctx.clock.now(), tz)
        try:
            start, end = month_bounds(month, tz)
        except ValueError:
            return Reply.error(f"'{month}' isn't a month: use YYYY-MM, e.g. 2026-01.")
        partners = await self.service.partners.all()
        if "member" in ctx.args:
            member_id = await ctx.member_of(ctx.args["member"])
            partners = [p for p in partners if p.member_id == member_id]
            if not partners:
                return Reply.error(f"{ctx.args['member'].display_name} isn't a partner.")
        if not partners:
            return Reply.error("No partners yet — add one with /mod partner add.")
        statements = [await self.service.partners.statement(p, month, start, end) for p in partners]
        fields = tuple(Field(f"{s.partner.name} — {s.partner.code} ({rate_text(s.partner.commission_bp)})",
                             f"{s.orders} orders · {s.money(s.gross)} gross · {s.money(s.refunded)} refunded\n"
                             f"Commission: {s.money(s.commission)}\nNew customers: {s.new_customers} · "
                             f"approved posts: {s.content}") for s in statements[:20])
        return Reply(title=f"Partner statement — {month}", fields=fields, private=True,
                     files=(FileUpload(f"partners-{month}.csv", statement_csv(statements), "text/csv"),))
