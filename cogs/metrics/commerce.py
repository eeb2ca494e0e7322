"""Commerce impact: what members are worth to the store, compared with customers who aren't members.

Orders that count are paid or partly refunded (``COUNTING``); money is net of refunds, in integer minor
units of one currency. A *buyer* is a member when the order, or its customer key, is linked to a member
(``/claim``); otherwise the customer key (an email hash) is the buyer. Orders with neither can't be
followed across purchases and are left out of per-customer figures.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, literal, or_, select

from cogs.metrics.figures import Rate
from cogs.metrics.health import feature_table
from cogs.metrics.periods import Period
from cogs.purchases.money import exponent
from cogs.purchases.records import COUNTING
from storage.database import Database
from storage.models import MemberActivityDay, Purchase, PurchaseCustomer, ReferralOrder

SEGMENTS = ("members", "non_members")
LIFECYCLE_TABLE = "lifecycle_members"
YEAR = timedelta(days=365)


@dataclass(frozen=True)
class Order:
    buyer: str  # "m<member id>" or "c<customer key>"
    at: datetime
    net_minor: int
    currency: str | None

    @property
    def segment(self) -> str:
        return "members" if self.buyer.startswith("m") else "non_members"


@dataclass(frozen=True)
class Revenue:
    customers: int
    revenue_minor: int

    @property
    def per_customer_minor(self) -> float | None:
        return self.revenue_minor / self.customers if self.customers else None


def _placed() -> object:
    return func.coalesce(Purchase.created_at, Purchase.first_seen_at)


def _net() -> object:
    return func.coalesce(Purchase.amount_minor, 0) - Purchase.refunded_minor


async def orders(database: Database, before: datetime) -> AsyncIterator[Order]:
    """Every counting order placed before ``before`` that has a buyer, oldest first (streamed)."""
    member = func.coalesce(Purchase.member_id, PurchaseCustomer.member_id)
    query = (select(member, Purchase.customer_key, _placed(), _net(), Purchase.currency)
             .outerjoin(PurchaseCustomer, PurchaseCustomer.customer_key == Purchase.customer_key)
             .where(Purchase.status.in_(sorted(COUNTING)), _placed() < before,
                    or_(Purchase.member_id.is_not(None), Purchase.customer_key.is_not(None)))
             .order_by(_placed(), Purchase.id))
    async with database.session() as session:
        stream = await session.stream(query.execution_options(yield_per=5000))
        async for member_id, customer_key, at, net, currency in stream:
            buyer = f"m{member_id}" if member_id is not None else f"c{customer_key}"
            yield Order(buyer, at, int(net), currency)


async def main_currency(database: Database, configured: str = "") -> str | None:
    """The configured currency, else the one most counting orders were paid in."""
    if configured:
        return configured
    async with database.session() as session:
        row = (await session.execute(select(Purchase.currency, func.count().label("n"))
                                     .where(Purchase.status.in_(sorted(COUNTING)), Purchase.currency.is_not(None))
                                     .group_by(Purchase.currency).order_by(func.count().desc(), Purchase.currency)
                                     .limit(1))).first()
    return row[0] if row else None


Histories = dict[str, list[Order]]


async def buyer_histories(database: Database, before: datetime) -> Histories:
    """Each buyer's counting orders placed before ``before``, oldest first: one pass that several figures share."""
    grouped: Histories = {}
    async for order in orders(database, before):
        grouped.setdefault(order.buyer, []).append(order)
    return grouped


async def repeat_purchase_rates(database: Database, cohort_start: datetime, cohort_end: datetime,
                                days: int = 90, histories: Histories | None = None) -> dict[str, Rate]:
    """Of the buyers whose first order was placed in [cohort_start, cohort_end), the share who ordered again
    within ``days`` of it — members and non-members apart. Give a cohort that ended ``days`` ago or more, so
    every buyer had the whole window. ``histories`` may reach further than needed (later orders are ignored)."""
    window = timedelta(days=days)
    counts = {segment: [0, 0] for segment in SEGMENTS}
    if histories is None:
        histories = await buyer_histories(database, cohort_end + window)
    for history in histories.values():
        first = history[0]
        if not cohort_start <= first.at < cohort_end:
            continue
        again = any(first.at < later.at <= first.at + window for later in history[1:])
        counts[first.segment][0] += int(again)
        counts[first.segment][1] += 1
    return {segment: Rate(part, whole) for segment, (part, whole) in counts.items()}


async def revenue_per_customer(database: Database, cohort_start: datetime, cohort_end: datetime,
                               currency: str, months: int = 12, histories: Histories | None = None
                               ) -> dict[str, Revenue]:
    """Net revenue in ``currency`` in the first ``months`` months after a buyer's first order, per buyer whose
    first order fell in [cohort_start, cohort_end) — members and non-members apart."""
    window = YEAR * months / 12
    totals = {segment: [0, 0] for segment in SEGMENTS}
    if histories is None:
        histories = await buyer_histories(database, cohort_end + window)
    for history in histories.values():
        first = history[0]
        if not cohort_start <= first.at < cohort_end:
            continue
        totals[first.segment][0] += 1
        totals[first.segment][1] += sum(o.net_minor for o in history if o.currency == currency
                                        and o.at < first.at + window)
    return {segment: Revenue(customers, revenue) for segment, (customers, revenue) in totals.items()}


def _referred() -> object:
    return exists().where(ReferralOrder.provider == Purchase.provider, ReferralOrder.order_id == Purchase.order_id,
                          ReferralOrder.status != "self")


def _linked() -> object:
    return or_(Purchase.member_id.is_not(None),
               exists().where(PurchaseCustomer.customer_key == Purchase.customer_key))


async def _revenue(database: Database, period: Period, currency: str, *conditions: object) -> int:
    async with database.session() as session:
        found = await session.scalar(select(func.coalesce(func.sum(_net()), 0)).where(
            Purchase.status.in_(sorted(COUNTING)), Purchase.currency == currency,
            _placed() >= period.start, _placed() < period.until, *conditions))
    return int(found or 0)


async def referral_revenue_share(database: Database, period: Period, currency: str) -> Rate:
    """Net revenue of orders placed in the period through a referral (not the referrer's own) ÷ all revenue."""
    return Rate(await _revenue(database, period, currency, _referred()), await _revenue(database, period, currency))


async def community_revenue(database: Database, period: Period, currency: str) -> int:
    """Revenue the community brought: orders by members, plus referred orders by anyone (counted once)."""
    return await _revenue(database, period, currency, or_(_linked(), _referred()))


def community_roi(revenue_minor: int, monthly_costs: Sequence[float], currency: str, days: int,
                  margin_percent: float = 100.0) -> float | None:
    """(revenue × margin − costs) ÷ costs over ``days``; costs are per month in whole units. None: no costs."""
    costs_minor = sum(monthly_costs) * 10 ** exponent(currency) * days / (365.25 / 12)
    if costs_minor <= 0:
        return None
    return (revenue_minor * margin_percent / 100 - costs_minor) / costs_minor


async def churn_by_stage(database: Database, end: Period, days: int = 30) -> dict[str, Rate]:
    """Of the members active in the ``days`` before the last ``days`` (ending where ``end`` ends), the share not
    active since — by lifecycle stage when the lifecycle feature is installed, else all under "members"."""
    recent = Period.ending(end.end, days, end.timezone)
    before = recent.previous()

    def active(window: Period) -> object:
        return select(MemberActivityDay.member_id).where(
            MemberActivityDay.day >= window.first_key, MemberActivityDay.day < window.end_key)

    base = active(before).distinct().subquery()
    churned = ~exists().where(MemberActivityDay.member_id == base.c.member_id,
                              MemberActivityDay.day >= recent.first_key, MemberActivityDay.day < recent.end_key)
    lifecycle = feature_table(LIFECYCLE_TABLE)
    if lifecycle is None:
        stage: object = literal("members")
        query = select(stage.label("stage"), func.count(), func.count().filter(churned)).select_from(base)
    else:
        stage = func.coalesce(lifecycle.c.stage, "unstaged")
        query = (select(stage.label("stage"), func.count(), func.count().filter(churned)).select_from(base)
                 .outerjoin(lifecycle, lifecycle.c.member_id == base.c.member_id))
    async with database.session() as session:
        rows = (await session.execute(query.group_by("stage").order_by("stage"))).all()
    return {str(name): Rate(int(gone), int(total)) for name, total, gone in rows}
