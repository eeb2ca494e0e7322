"""Merging inbox deliveries into orders: read, merge in memory, then one short write transaction per batch.

The write lock is held only for the writes (SQLite has one writer, and the inbox commits deliveries
while we merge): reading and merging happen before it, and the write transaction first claims the
batch's deliveries (``processed_at IS NULL``) and checks the orders' ``version`` it read. If another
process (``hearth sync``, a ``/claim``) got there in between, the batch is rolled back and redone, so
each delivery is merged exactly once and no update is lost.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.kit.clock import Clock
from cogs.purchases import merge
from cogs.purchases.claims import ClaimCodes
from cogs.purchases.merge import MERGED_COLUMNS, OrderState, RefundState
from cogs.purchases.records import Record, load
from storage.database import Database
from storage.locks import exclusive
from storage.models import Purchase, PurchaseClaim, PurchaseCustomer, PurchaseDelivery, PurchaseRefund

log = logging.getLogger("hearth.purchases")

ATTEMPTS = 8
PURCHASES = Purchase.__table__
REFUNDS = PurchaseRefund.__table__
UPDATE_PURCHASE = (update(PURCHASES).where(PURCHASES.c.id == bindparam("row_id"))
                   .values({name: bindparam(f"new_{name}") for name in MERGED_COLUMNS}))
UPDATE_REFUND = (update(REFUNDS).where(and_(REFUNDS.c.provider == bindparam("key_provider"),
                                            REFUNDS.c.order_id == bindparam("key_order_id"),
                                            REFUNDS.c.refund_id == bindparam("key_refund_id")))
                 .values(amount_minor=bindparam("new_amount_minor"), full=bindparam("new_full")))


class Conflict(Exception):
    """Another writer changed what this batch read: redo the batch."""


Key = tuple[str, str]


class InboxProcessor:
    def __init__(self, database: Database, clock: Clock, codes: ClaimCodes, *, batch_size: int = 500,
                 pending_claim_age: timedelta = timedelta(hours=24)) -> None:
        self._db = database
        self._clock = clock
        self._codes = codes
        self._batch_size = batch_size
        self._pending_claim_age = pending_claim_age
        self.processed = 0

    async def drain(self) -> int:
        total = 0
        while (count := await self.process_batch()) > 0:
            total += count
        return total

    async def process_batch(self) -> int:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                # Processes sharing PostgreSQL take turns: two reading the same waiting deliveries would only
                # conflict and redo (each delivery is merged once either way), and a steady stream of
                # deliveries could make one lose every time.
                async with exclusive(self._db, "purchases:inbox"):
                    count = await self._process_once()
                self.processed += count
                return count
            except (Conflict, IntegrityError, DBAPIError) as error:
                if attempt == ATTEMPTS:
                    raise
                log.info("redoing a purchases batch after %s", type(error).__name__)
                await asyncio.sleep(0.02 * attempt)
        return 0

    async def pending_count(self) -> int:
        async with self._db.session() as session:
            return int(await session.scalar(select(func.count()).select_from(PurchaseDelivery).where(
                PurchaseDelivery.processed_at.is_(None))) or 0)

    # --- one batch -----------------------------------------------------------------------------

    async def _read(self) -> tuple[list[tuple[int, str, Record]], dict[Key, OrderState]]:
        async with self._db.session() as session:
            rows = [(i, p, load(p)) for i, p in (await session.execute(
                select(PurchaseDelivery.id, PurchaseDelivery.payload).where(PurchaseDelivery.processed_at.is_(None))
                .order_by(PurchaseDelivery.id).limit(self._batch_size))).all()]
            if not rows:
                return [], {}
            keys = {(record.provider, record.order_id) for _, _, record in rows}
            order_ids = sorted({order_id for _, order_id in keys})
            providers = sorted({provider for provider, _ in keys})
            # Both key columns in the condition, so the (provider, order_id) index is used: no table scan.
            found = (await session.execute(select(PURCHASES.c.id, *(PURCHASES.c[n] for n in MERGED_COLUMNS))
                                           .where(PURCHASES.c.provider.in_(providers),
                                                  PURCHASES.c.order_id.in_(order_ids)))).mappings().all()
            states = {(r["provider"], r["order_id"]): OrderState(**r) for r in found
                      if (r["provider"], r["order_id"]) in keys}
            refunds = (await session.execute(select(REFUNDS).where(REFUNDS.c.provider.in_(providers),
                                                                   REFUNDS.c.order_id.in_(order_ids)))).all()
        for row in refunds:
            state = states.get((row.provider, row.order_id))
            if state is not None:
                state.refunds[row.refund_id] = RefundState(row.refund_id, row.amount_minor, row.full, stored=True)
        return rows, states

    async def _process_once(self) -> int:
        rows, states = await self._read()
        if not rows:
            return 0
        now = self._clock.now()
        read_versions = {state.id: state.version for state in states.values()}
        before = {key: merge.fingerprint(state) for key, state in states.items()}
        for index, (_, payload, record) in enumerate(rows):
            if index % 100 == 99:
                await asyncio.sleep(0)  # a long batch must not stall the webhook requests sharing this loop
            key = (record.provider, record.order_id)
            state = states.get(key)
            if state is None:
                state = states[key] = OrderState(provider=key[0], order_id=key[1], first_seen_at=now,
                                                 claim_hash=self._codes.hash_for(*key))
            merge.apply(state, record, merge.digest(payload))
        for state in states.values():
            merge.derive(state)
        async with self._db.session() as session, session.begin():
            ids = [i for i, _, _ in rows]
            # First statement, so SQLite's write lock is taken before anything else in this transaction.
            claimed = (await session.execute(
                update(PurchaseDelivery).where(PurchaseDelivery.id.in_(ids), PurchaseDelivery.processed_at.is_(None))
                .values(processed_at=now).returning(PurchaseDelivery.id)
                .execution_options(synchronize_session=False))).all()
            if len(claimed) != len(ids):
                raise Conflict("deliveries claimed by another process")
            if read_versions:
                # FOR UPDATE: on PostgreSQL the rows stay ours until commit (SQLite already holds its write lock).
                current = dict((await session.execute(select(PURCHASES.c.id, PURCHASES.c.version).where(
                    PURCHASES.c.id.in_(list(read_versions))).with_for_update())).all())
                if current != read_versions:
                    raise Conflict("orders changed since they were read")
            await self._attach_members(session, states, now)
            for key, state in states.items():
                if before.get(key) != merge.fingerprint(state):
                    state.version += 1
            await self._write(session, states, before)
        return len(rows)

    async def _write(self, session: Any, states: dict[Key, OrderState], before: dict[Key, tuple[object, ...]]
                     ) -> None:
        new = [s.row() for s in states.values() if s.id is None]
        changed = [{"row_id": s.id, **{f"new_{n}": v for n, v in s.row().items()}} for key, s in states.items()
                   if s.id is not None and before.get(key) != merge.fingerprint(s)]
        if new:
            await session.execute(insert(PURCHASES), new)
        if changed:
            await session.execute(UPDATE_PURCHASE, changed)
        added: list[dict[str, Any]] = []
        grown: list[dict[str, Any]] = []
        for state in states.values():
            for refund in state.refunds.values():
                if not refund.changed:
                    continue
                if refund.stored:
                    grown.append({"key_provider": state.provider, "key_order_id": state.order_id,
                                  "key_refund_id": refund.refund_id, "new_amount_minor": refund.amount_minor,
                                  "new_full": refund.full})
                else:
                    added.append({"provider": state.provider, "order_id": state.order_id,
                                  "refund_id": refund.refund_id, "amount_minor": refund.amount_minor,
                                  "full": refund.full})
        if added:
            await session.execute(insert(REFUNDS), added)
        if grown:
            await session.execute(UPDATE_REFUND, grown)

    async def _attach_members(self, session: Any, states: dict[Key, OrderState], now: datetime) -> None:
        """Orders of a linked customer are theirs; a waiting claim links a new order (and its customer)."""
        wanted = sorted({s.customer_key for s in states.values() if s.customer_key and s.member_id is None})
        links: dict[str, int] = {}
        if wanted:
            links = dict((await session.execute(select(PurchaseCustomer.customer_key, PurchaseCustomer.member_id)
                                                .where(PurchaseCustomer.customer_key.in_(wanted)))).all())
            for state in states.values():
                if state.member_id is None and state.customer_key in links:
                    state.member_id = links[state.customer_key]
        new = {s.claim_hash: s for s in states.values() if s.id is None}
        if not new:
            return
        waiting = dict((await session.execute(select(PurchaseClaim.claim_hash, PurchaseClaim.member_id).where(
            PurchaseClaim.claim_hash.in_(sorted(new)), PurchaseClaim.created_at > now - self._pending_claim_age)
        )).all())
        if not waiting:
            return
        await session.execute(delete(PurchaseClaim).where(PurchaseClaim.claim_hash.in_(sorted(waiting))))
        for claim_hash, member_id in waiting.items():
            await self._claim_new(session, states, new[claim_hash], member_id, links, now)

    async def _claim_new(self, session: Any, states: dict[Key, OrderState], state: OrderState, member_id: int,
                         links: dict[str, int], now: datetime) -> None:
        if state.member_id not in (None, member_id):
            log.info("a waiting claim for %s order %s lost: the buyer is another member's", state.provider,
                     state.order_number)
            return
        state.member_id = member_id
        key = state.customer_key
        if key is None or key in links:
            return
        if (await session.get(PurchaseCustomer, key)) is not None:
            return
        session.add(PurchaseCustomer(customer_key=key, member_id=member_id, linked_at=now))
        links[key] = member_id
        for other in states.values():
            if other.customer_key == key and other.member_id is None:
                other.member_id = member_id
        # That customer's orders outside this batch count for the member too.
        await session.execute(update(PURCHASES).where(PURCHASES.c.customer_key == key, PURCHASES.c.member_id.is_(None),
                                                      PURCHASES.c.id.notin_([s.id for s in states.values() if s.id]))
                              .values(member_id=member_id, version=PURCHASES.c.version + 1))
