"""Referral rules: a member's code and links, join attribution, conversions from store orders, asks after
the activation milestone, and the monthly shout-out and partner statements (see ``conversions.py`` for what
an order credits and ``partners.py`` for commissions)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import select

from bot.kit.clock import Clock
from bot.kit.events import MemberJoined, PointsAwarded, PurchaseRecorded, RefundRecorded
from bot.kit.platform import place_from_key
from bot.kit.reply import Reply
from cogs.points.engine import Award, PointsEngine
from cogs.referrals.config import ReferralsConfig
from cogs.referrals.conversions import ConversionBook
from cogs.referrals.discounts import DiscountMaker
from cogs.referrals.partners import Partners, rate_text
from cogs.referrals.store import CodeView, ReferralStore
from cogs.rituals.schedule import month_bounds, previous_month_key
from cogs.ugc.messenger import Messenger
from storage.database import Database
from storage.models import RuleCount

log = logging.getLogger("hearth.referrals")

JOIN_RULE = "referral_joined"
INVITE_PREFIX = "ref "


def with_ref(url: str, code: str) -> str:
    """The store URL with ``ref=CODE`` added to whatever query it already has."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "ref"] + [("ref", code)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), parts.fragment))


@dataclass(frozen=True)
class Links:
    code: str
    store: str | None
    discount_code: str | None
    discord: str | None
    invites: dict[str, str]
    partner: CodeView | None
    joins: int
    conversions: int


class ReferralService:
    def __init__(self, config: ReferralsConfig, database: Database, clock: Clock, timezone: tzinfo,
                 points: PointsEngine, messenger: Messenger, partners: Partners, *,
                 discounts: DiscountMaker | None = None) -> None:
        self.config = config
        self.database = database
        self.clock = clock
        self.timezone = timezone
        self.points = points
        self.messenger = messenger
        self.store = ReferralStore(database)
        self.book = ConversionBook(database, points, config.milestone_bonus)
        self.partners = partners
        self.discounts = discounts
        self.pending_asks: set[int] = set()
        self._monthly_done: str | None = None

    # --- links ---------------------------------------------------------------------------------------

    async def links(self, member_id: int) -> Links:
        now = self.clock.now()
        code = await self.store.ensure_code(member_id, now)
        assert code is not None
        if self.discounts is not None and code.discount_code is None:
            reference = await self.discounts.create(code.code, now)
            if reference is not None:
                await self.store.set_discount(code.code, code.code, reference)
                code = CodeView(code.code, code.member_id, code.kind, code.code)
        invites = await self.store.invites(member_id)
        for key in self.config.invite_places:
            if key not in invites and (link := await self._invite(member_id, key, code.code, now)):
                invites[key] = link
        partner = await self.store.code_of(member_id, "partner")
        store = with_ref(self.config.store_url, code.code) if self.config.store_url else None
        return Links(code=code.code, store=store,
                     discount_code=code.discount_code, discord=self.config.discord_invite or None, invites=invites,
                     partner=partner, joins=await self.store.joins_by(member_id),
                     conversions=(await self.book.counts(member_id))[0])

    async def _invite(self, member_id: int, place_key: str, code: str, now: datetime) -> str | None:
        place = place_from_key(place_key)
        platform = self.messenger.platform_for(place)
        if platform is None:
            return None
        name = f"{INVITE_PREFIX}{code}"
        try:
            link = await platform.create_invite_link(place, name)
        except Exception:
            log.warning("creating a referral invite link in %s failed", place_key, exc_info=True)
            return None
        if link:
            await self.store.add_invite(member_id, place_key, name, link, now)
            return (await self.store.invites(member_id)).get(place_key, link)
        return None

    # --- joins ---------------------------------------------------------------------------------------

    async def on_join(self, event: MemberJoined, referred: int) -> bool:
        """Credit the owner of the invite link the joiner used (once per person); True if credited."""
        name = event.invite_name if (event.invite_name or "").startswith(INVITE_PREFIX) else None
        owner = await self.store.invite_owner(name, event.invite_link)
        if owner is None:
            return False
        referrer, invite_name = owner
        if referrer == referred:
            return False
        code = invite_name.removeprefix(INVITE_PREFIX)
        points = self.config.join_points
        if not await self.store.record_join(referred, referrer, code, event.place.key, points, event.at):
            return False
        log.info("member %d joined %s through member %d's invite", referred, event.place.key, referrer)
        if points:
            await self.points.award(Award(referrer, JOIN_RULE, points, f"referral:join:{referred}", event.at,
                                          note=f"joined through invite {code}"))
        return True

    # --- store orders --------------------------------------------------------------------------------

    async def on_purchase(self, event: PurchaseRecorded) -> None:
        referrer: int | None = None
        code = ""
        if event.referral_code:
            found = await self.store.lookup(event.referral_code)
            if found is not None:
                referrer, code = found.member_id, found.code
        if referrer is None and event.member_id is not None:
            # No code at checkout, but the buyer joined through a member's invite link: that's exact too.
            joined = await self.store.joined_through(event.member_id)
            if joined is not None:
                referrer, code = joined
        if referrer is None:
            return
        conversion = await self.book.record(event, referrer, code)
        if conversion is None or not conversion.converted:
            return
        bonus = f" and a {conversion.bonus}-point bonus for referral #{conversion.nth}" if conversion.bonus else ""
        await self.messenger.dm(referrer, Reply.success(
            f"Someone you referred just became a customer: +{conversion.points} points{bonus}. Thank you! 🎉",
            title="Your referral converted"))

    async def on_refund(self, event: RefundRecorded) -> None:
        referrer = await self.book.refund(event)
        if referrer is not None:
            log.info("referral conversion for %s order %s reversed (refunded)", event.provider, event.order_id)

    # --- asks ----------------------------------------------------------------------------------------

    async def on_points(self, event: PointsAwarded) -> None:
        # Hot path: a set insert. The asks job checks the milestone off the path, in batches.
        if self.config.ask_every_days and event.amount > 0 and event.rule in self.config.activation:
            self.pending_asks.add(event.member_id)

    async def run_asks(self, now: datetime | None = None) -> int:
        """Ask members who reached the activation milestone to refer friends, at most once per N days."""
        if not self.pending_asks:
            return 0
        now = now or self.clock.now()
        every = timedelta(days=self.config.ask_every_days)
        members, self.pending_asks = sorted(self.pending_asks), set()
        skip = await self.store.recently_asked(members, now - every)
        activated = await self._activated([m for m in members if m not in skip])
        asked = 0
        for member_id in activated:
            if not await self.store.claim_ask(member_id, now, every):
                continue
            code = await self.store.ensure_code(member_id, now)
            assert code is not None
            where = f"\nYour link: {with_ref(self.config.store_url, code.code)}" if self.config.store_url else ""
            if await self.messenger.dm(member_id, Reply(
                    title="Know someone who'd love this? 💛", text=(
                        f"Glad you're part of the community! Share your code {code.code} with friends: when one "
                        f"becomes a customer you get {self.book.points_per_referral()} points.{where}\n"
                        "All your links (and invites to the community): /ref")), unsolicited=True):
                asked += 1
        return asked

    async def _activated(self, member_ids: list[int]) -> list[int]:
        if not member_ids:
            return []
        wanted = self.config.activation
        async with self.database.session() as session:
            rows = await session.execute(select(RuleCount.member_id, RuleCount.rule, RuleCount.count).where(
                RuleCount.member_id.in_(member_ids), RuleCount.rule.in_(list(wanted))))
            return sorted({int(m) for m, rule, count in rows.all() if count >= wanted[rule]})

    # --- monthly -------------------------------------------------------------------------------------

    async def run_monthly(self, now: datetime | None = None) -> int:
        """On the 1st (from shoutout_hour), celebrate last month's top referrers and DM partners their
        statements, each once; returns how many messages went out."""
        now = now or self.clock.now()
        local = now.astimezone(self.timezone)
        month = previous_month_key(now, self.timezone)
        if self._monthly_done == month or (local.day == 1 and local.hour < self.config.shoutout_hour):
            return 0
        start, end = month_bounds(month, self.timezone)
        sent = 0
        if self.config.shoutout_place and await self.store.claim_notice(f"referrals:shoutout:{month}", now):
            sent += await self._shoutout(month, start, end)
        for partner in await self.partners.all(active_only=True):
            if await self.store.claim_notice(f"partner:statement:{partner.member_id}:{month}", now):
                statement = await self.partners.statement(partner, month, start, end)
                sent += await self.messenger.dm(partner.member_id, Reply(
                    title=f"Your partner statement — {month}", text=(
                        f"Code {partner.code} ({rate_text(partner.commission_bp)}): {statement.orders} orders, "
                        f"{statement.money(statement.gross)} gross, {statement.money(statement.refunded)} refunded; "
                        f"commission {statement.money(statement.commission)}. New customers: "
                        f"{statement.new_customers}; approved posts: {statement.content}.")))
        self._monthly_done = month
        return sent

    async def _shoutout(self, month: str, start: datetime, end: datetime) -> int:
        top = await self.book.top(start, end, self.config.shoutout_size)
        if not top:
            return 0
        names = []
        for member_id, count in top:
            view = await self.messenger.members.get(member_id)
            names.append(f"{view.display_name if view else 'A member'} — {count} new customer{'s' * (count != 1)}")
        medals = ("🥇", "🥈", "🥉")
        lines = [f"{medals[n] if n < 3 else f'{n + 1}.'} {line}" for n, line in enumerate(names)]
        label = start.astimezone(self.timezone).strftime("%B")
        reply = Reply(title=f"📣 Top referrers of {label}", text="\n".join(lines),
                      footer="Thank you for bringing friends! Get your own link with /ref")
        return int(await self.messenger.post(self.config.shoutout_place, reply) is not None)
