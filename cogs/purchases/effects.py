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
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import bindparam, select, update

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
from storage.locks import exclusive
from storage.models import Purchase

log = logging.getLogger("hearth.purchases")


PURCHASES = Purchase.__table__
EFFECT_COLUMNS = ("effects_version", "counted", "points", "points_reversed", "announced_refund_minor",
                  "reversal_announced")
SAVE_EFFECTS = (update(PURCHASES).where(PURCHASES.c.id == bindparam("row_id"))
                .values({name: bindparam(f"new_{name}") for name in EFFECT_COLUMNS}))


@dataclass
class Plan:
    key: str
    saved: dict[str, Any]
    award: Award | None = None
    reverse: str | None = None
    events: list[Event] = field(default_factory=list)


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

    async def run(self, limit: int = 1000) -> int:
        """Apply effects to a batch of pending orders; returns how many were handled (0: nothing left)."""
        async with self._lock:
            # Another process sharing PostgreSQL runs this too (each drains after its own deliveries): it waits here
            # until these orders' effects_version is saved, then finds them done — their events go out once.
            async with exclusive(self._db, "purchases:effects"):
                async with self._db.session() as session:
                    pending = (await session.execute(
                        select(PURCHASES).where(PURCHASES.c.version > PURCHASES.c.effects_version)
                        .order_by(PURCHASES.c.id).limit(limit))).all()
                if not pending:
                    return 0
                now = self._clock.now()
                plans = [self._plan(row, now) for row in pending]
                # Awards go to the points engine together: it writes them in one batch, each with its unique key.
                await asyncio.gather(*(self._engine.award(plan.award) for plan in plans if plan.award))
                for plan in plans:
                    if plan.reverse:
                        await self._engine.reverse(plan.key, plan.reverse, at=now)
                async with self._db.session() as session, session.begin():
                    await lock_for_writing(session)
                    await session.execute(SAVE_EFFECTS, [plan.saved for plan in plans])
            for plan in plans:
                for event in plan.events:
                    await self._bus.publish(event)
            for member_id in sorted({row.member_id for row in pending if row.member_id is not None}):
                await self._roles.reconcile(member_id)
            return len(pending)

    async def drain(self) -> int:
        total = 0
        while (count := await self.run()) > 0:
            total += count
        return total

    def _plan(self, p: Any, now: datetime) -> Plan:
        """What one order's state asks for, given what was already done for it."""
        key = f"{p.provider}:order:{p.order_id}"
        plan = Plan(key=key, saved={"row_id": p.id, "new_effects_version": p.version, "new_counted": p.counted,
                                    "new_points": p.points, "new_points_reversed": p.points_reversed,
                                    "new_announced_refund_minor": p.announced_refund_minor,
                                    "new_reversal_announced": p.reversal_announced})
        counts = p.status in COUNTING and p.amount_minor is not None and p.currency is not None
        label = f"order {p.order_number or p.order_id}"
        if counts and not p.counted:
            plan.saved["new_counted"] = True
            items = json.loads(p.items)
            plan.events.append(PurchaseRecorded(
                provider=p.provider, order_id=p.order_id, member_id=p.member_id, customer_key=p.customer_key,
                amount_minor=int(p.amount_minor), currency=str(p.currency),
                product_ids=tuple(str(i["product_id"]) for i in items if i.get("product_id")),
                referral_code=p.referral_code, at=now))
        if counts and p.member_id is not None and p.points == 0 and not p.points_reversed:
            points = self.points_for(int(p.amount_minor), str(p.currency))
            if points > 0:
                # Duplicate-safe: the ledger refuses a second award with the same source key.
                plan.award = Award(member_id=p.member_id, rule="purchase", amount=points, source_key=key, at=now,
                                   note=label[:200])
                plan.saved["new_points"] = points
        if not counts and p.points > 0 and not p.points_reversed and p.status in ("refunded", "cancelled"):
            plan.reverse = f"{label} {p.status}"
            plan.saved["new_points_reversed"] = True
        was_counted = p.counted or counts
        full = p.status in ("refunded", "cancelled")
        if was_counted and p.refunded_minor > p.announced_refund_minor:
            plan.saved["new_announced_refund_minor"] = p.refunded_minor
            plan.saved["new_reversal_announced"] = p.reversal_announced or full
            plan.events.append(RefundRecorded(provider=p.provider, order_id=p.order_id, member_id=p.member_id,
                                              amount_minor=p.refunded_minor - p.announced_refund_minor,
                                              currency=str(p.currency), full=full, at=now))
        elif was_counted and p.status == "cancelled" and not p.reversal_announced:
            plan.saved["new_reversal_announced"] = True
            plan.events.append(RefundRecorded(provider=p.provider, order_id=p.order_id, member_id=p.member_id,
                                              amount_minor=0, currency=str(p.currency), full=True, at=now))
        return plan
