"""Referral conversions: a store order carrying a code credits its referrer, once per referred customer.

- Every order with a known code is recorded once (``referral_orders``, unique provider + order id): webhook
  retries and replays change nothing. It is the base of partner commissions.
- The referrer is refused when the buyer is the referrer: the order's member is theirs, or its customer key
  (keyed email hash) is one of theirs (linked by ``/claim``, or on an order of theirs).
- The first counted order of a customer is the conversion (``referral_customers``: its primary key is the
  customer, so a second order — or a second code — never credits again). It awards ``referral_converted``
  (feeding ``/leaderboard all referrers`` and ``count(referral_converted)`` badges) and, for the Nth active
  referral, the configured bonus.
- A full refund of the converting order reverses both awards (the ledger's ``…:reversed`` keys make that
  idempotent) and the referral stops counting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update

from bot.kit.events import PurchaseRecorded, RefundRecorded
from cogs.points.engine import Award, PointsEngine
from storage.database import Database
from storage.models import Purchase, PurchaseCustomer, ReferralCustomer, ReferralOrder, ReferralPartner
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.referrals")

RULE = "referral_converted"
BONUS_RULE = "referral_bonus"


@dataclass(frozen=True)
class Conversion:
    """What an order did for its referrer (``points`` and ``bonus`` are 0 for a repeat customer)."""

    referrer: int
    code: str
    converted: bool
    points: int
    bonus: int
    nth: int


def customer_ref(event: PurchaseRecorded) -> str:
    """Who the referred customer is: their keyed email hash, else their member, else just this order."""
    if event.customer_key:
        return event.customer_key
    if event.member_id is not None:
        return f"member:{event.member_id}"
    return f"order:{event.provider}:{event.order_id}"[:140]


def award_key(provider: str, order_id: str) -> str:
    return f"referral:{provider}:{order_id}"


class ConversionBook:
    def __init__(self, database: Database, points: PointsEngine, bonus: dict[int, int]) -> None:
        self.database = database
        self.points = points
        self.bonus = bonus

    def points_per_referral(self) -> int:
        rule = self.points.rules.config.rules.get(RULE)
        return rule.amount if rule else 0

    async def is_self(self, referrer: int, event: PurchaseRecorded) -> bool:
        if event.member_id == referrer:
            return True
        if not event.customer_key:
            return False
        async with self.database.session() as session:
            linked = await session.scalar(select(PurchaseCustomer.member_id)
                                          .where(PurchaseCustomer.customer_key == event.customer_key))
            if linked == referrer:
                return True
            return bool(await session.scalar(select(exists().where(
                Purchase.customer_key == event.customer_key, Purchase.member_id == referrer))))

    async def commission_bp(self, referrer: int, code: str) -> int:
        async with self.database.session() as session:
            rate = await session.scalar(select(ReferralPartner.commission_bp).where(
                ReferralPartner.member_id == referrer, ReferralPartner.code == code,
                ReferralPartner.active.is_(True)))
            return int(rate or 0)

    async def record(self, event: PurchaseRecorded, referrer: int, code: str) -> Conversion | None:
        """Record the order and, for a new customer, the conversion; None if the order was seen or refused."""
        refused = await self.is_self(referrer, event)
        commission = 0 if refused else await self.commission_bp(referrer, code)
        customer = customer_ref(event)
        async with self.database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            inserted = await session.execute(insert_ignoring(dialect, ReferralOrder.__table__,
                                                             ["provider", "order_id"]).values(
                provider=event.provider, order_id=event.order_id, code=code, referrer_member_id=referrer,
                customer_ref=customer, amount_minor=event.amount_minor, currency=event.currency, refunded_minor=0,
                commission_bp=commission, status="self" if refused else "counted", converted=False, at=event.at))
            if not inserted.rowcount:  # type: ignore[attr-defined]
                return None  # the same order again (a replayed event)
            if refused:
                log.info("referral code %s on %s order %s refused: the referrer bought it themselves", code,
                         event.provider, event.order_id)
                return None
            claimed = await session.execute(insert_ignoring(dialect, ReferralCustomer.__table__,
                                                            ["customer_ref"]).values(
                customer_ref=customer, referrer_member_id=referrer, provider=event.provider,
                order_id=event.order_id, points=0, bonus=0, converted_at=event.at))
            if not claimed.rowcount:  # type: ignore[attr-defined]
                return Conversion(referrer, code, False, 0, 0, 0)  # a repeat customer: commission only
            nth = int(await session.scalar(select(func.count()).select_from(ReferralCustomer).where(
                ReferralCustomer.referrer_member_id == referrer, ReferralCustomer.reversed_at.is_(None))) or 0)
            points, bonus = self.points_per_referral(), self.bonus.get(nth, 0)
            await session.execute(update(ReferralCustomer).where(ReferralCustomer.customer_ref == customer)
                                  .values(points=points, bonus=bonus))
            await session.execute(update(ReferralOrder).where(ReferralOrder.provider == event.provider,
                                                              ReferralOrder.order_id == event.order_id)
                                  .values(converted=True))
        key = award_key(event.provider, event.order_id)
        # Awarded even at 0 points: the ledger row is what counts the referral (rule_counts, referrers).
        await self.points.award(Award(referrer, RULE, points, key, event.at, note=f"referral {code}"))
        if bonus:
            await self.points.award(Award(referrer, BONUS_RULE, bonus, f"{key}:bonus", event.at,
                                          note=f"referral #{nth} bonus"))
        return Conversion(referrer, code, True, points, bonus, nth)

    async def refund(self, event: RefundRecorded) -> int | None:
        """Apply a refund to a referred order; the referrer's member id if a conversion was reversed."""
        async with self.database.session() as session, session.begin():
            order = await session.scalar(select(ReferralOrder).where(ReferralOrder.provider == event.provider,
                                                                     ReferralOrder.order_id == event.order_id))
            if order is None:
                return None
            refunded = order.amount_minor if event.full else min(order.amount_minor,
                                                                   order.refunded_minor + event.amount_minor)
            values: dict[str, object] = {"refunded_minor": refunded}
            if event.full and order.status == "counted":
                values["status"] = "refunded"
            await session.execute(update(ReferralOrder).where(ReferralOrder.id == order.id).values(**values))
            if not (event.full and order.converted):
                return None
            reversed_now = await session.execute(update(ReferralCustomer).where(
                ReferralCustomer.provider == event.provider, ReferralCustomer.order_id == event.order_id,
                ReferralCustomer.reversed_at.is_(None)).values(reversed_at=event.at))
            referrer = order.referrer_member_id
        if not reversed_now.rowcount:  # type: ignore[attr-defined]
            return None
        key = award_key(event.provider, event.order_id)
        await self.points.reverse(key, "referred order refunded", at=event.at)
        await self.points.reverse(f"{key}:bonus", "referred order refunded", at=event.at)
        return referrer

    async def counts(self, member_id: int) -> tuple[int, int]:
        """(active conversions, reversed conversions) of a referrer."""
        async with self.database.session() as session:
            rows = await session.execute(select(ReferralCustomer.reversed_at.is_(None), func.count())
                                         .where(ReferralCustomer.referrer_member_id == member_id)
                                         .group_by(ReferralCustomer.reversed_at.is_(None)))
            found = {bool(active): int(count) for active, count in rows.all()}
        return found.get(True, 0), found.get(False, 0)

    async def top(self, start: datetime, end: datetime, limit: int) -> list[tuple[int, int]]:
        """Referrers by conversions in [start, end) that still count: [(member, conversions)]."""
        async with self.database.session() as session:
            rows = await session.execute(
                select(ReferralCustomer.referrer_member_id, func.count().label("n"))
                .where(ReferralCustomer.converted_at >= start, ReferralCustomer.converted_at < end,
                       ReferralCustomer.reversed_at.is_(None))
                .group_by(ReferralCustomer.referrer_member_id)
                .order_by(func.count().desc(), ReferralCustomer.referrer_member_id).limit(limit))
            return [(int(member), int(n)) for member, n in rows.all()]

    async def merge(self, kept: int, merged: int) -> None:
        async with self.database.session() as session, session.begin():
            for table in (ReferralOrder, ReferralCustomer):
                await session.execute(update(table).where(table.referrer_member_id == merged)
                                      .values(referrer_member_id=kept))
