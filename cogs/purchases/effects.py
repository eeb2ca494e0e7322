"""What an order's state means for the community: points, events and roles, brought in line idempotently.

Runs for every order whose ``version`` moved past ``effects_version``. Each step is safe to repeat
after a crash: the points award has a unique source key (``<provider>:order:<id>``), the reversal
has ``…:reversed``, roles are reconciled from state, and ``effects_version`` is written last. (Events
can therefore repeat once after a crash: at-least-once, like every webhook.)
"""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import select, update

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import Event, PurchaseRecorded, RefundRecorded
from cogs.points.config import PointsConfig
from cogs.points.engine import Award, PointsEngine
from cogs.purchases.claims import lock_for_writing
from cogs.purchases.config import PurchasesConfig
from cogs.purchases.money import major_units
from cogs.purchases.records import COUNTING
from cogs.purchases.roles import RoleKeeper
from storage.database import Database
from storage.models import Purchase

log = logging.getLogger("hearth.purchases")


def source_key(purchase: Purchase) -> str:
    return f"{purchase.provider}:order:{purchase.order_id}"


class Effects:
    def __init__(self, database: Database, bus: EventBus, clock: Clock, engine: PointsEngine, roles: RoleKeeper,
                 config: PurchasesConfig, points: PointsConfig) -> None:
        self._db = database
        self._bus = bus
        self._clock = clock
        self._engine = engine
        self._roles = roles
        self._config = config
        self._points = points
        # One runner at a time: the background processor and a /claim may both ask.
        self._lock = asyncio.Lock()

    def points_for(self, amount_minor: int, currency: str) -> int:
        rule = self._points.rules.get("purchase")
        per_unit = self._config.currency_points.get(currency, rule.amount if rule else 0)
        points = major_units(amount_minor, currency) * Decimal(str(per_unit))
        return max(int(points.to_integral_value(rounding=ROUND_FLOOR)), 0)

    async def run(self, limit: int = 200) -> int:
        """Apply effects to pending orders; returns how many were handled (0: nothing left)."""
        async with self._lock:
            async with self._db.session() as session:
                pending = (await session.scalars(select(Purchase).where(Purchase.version > Purchase.effects_version)
                                                 .order_by(Purchase.id).limit(limit))).all()
            members: set[int] = set()
            for purchase in pending:
                await self._apply(purchase)
                if purchase.member_id is not None:
                    members.add(purchase.member_id)
            for member_id in sorted(members):
                await self._roles.reconcile(member_id)
            return len(pending)

    async def drain(self) -> int:
        total = 0
        while (count := await self.run()) > 0:
            total += count
        return total

    async def _apply(self, p: Purchase) -> None:
        now = self._clock.now()
        key = source_key(p)
        counts = p.status in COUNTING and p.amount_minor is not None and p.currency is not None
        changes: dict[str, object] = {}
        events: list[Event] = []
        if counts and not p.counted:
            changes["counted"] = True
            items = json.loads(p.items)
            events.append(PurchaseRecorded(
                provider=p.provider, order_id=p.order_id, member_id=p.member_id, customer_key=p.customer_key,
                amount_minor=int(p.amount_minor or 0), currency=str(p.currency),
                product_ids=tuple(str(i["product_id"]) for i in items if i.get("product_id")),
                referral_code=p.referral_code, at=now))
        if counts and p.member_id is not None and p.points == 0 and not p.points_reversed:
            points = self.points_for(int(p.amount_minor or 0), str(p.currency))
            if points > 0:
                # Duplicate-safe: the ledger refuses a second award with the same source key.
                await self._engine.award(Award(member_id=p.member_id, rule="purchase", amount=points, source_key=key,
                                               at=now, note=f"order {p.order_number or p.order_id}"[:200]))
                changes["points"] = points
        if not counts and p.points > 0 and not p.points_reversed and p.status in ("refunded", "cancelled"):
            await self._engine.reverse(key, f"order {p.order_number or p.order_id} {p.status}", at=now)
            changes["points_reversed"] = True
        was_counted = p.counted or counts
        if was_counted and p.refunded_minor > p.announced_refund_minor:
            changes["announced_refund_minor"] = p.refunded_minor
            full = p.status in ("refunded", "cancelled")
            changes["reversal_announced"] = p.reversal_announced or full
            events.append(RefundRecorded(provider=p.provider, order_id=p.order_id, member_id=p.member_id,
                                         amount_minor=p.refunded_minor - p.announced_refund_minor,
                                         currency=str(p.currency), full=full, at=now))
        elif was_counted and p.status == "cancelled" and not p.reversal_announced:
            changes["reversal_announced"] = True
            events.append(RefundRecorded(provider=p.provider, order_id=p.order_id, member_id=p.member_id,
                                         amount_minor=0, currency=str(p.currency), full=True, at=now))
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            await session.execute(update(Purchase).where(Purchase.id == p.id)
                                  .values(effects_version=p.version, **changes))
        for event in events:
            await self._bus.publish(event)
