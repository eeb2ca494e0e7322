"""The webhook inbox: durable before the 200 (group commit), then merged into orders in batches.

``InboxWriter.put`` returns only after the delivery's transaction committed (SQLite WAL with
synchronous=NORMAL survives a killed process), so a crash after the 200 loses nothing. Requests
arriving while a commit is in flight share the next one: one fsync for many deliveries.

``InboxProcessor.process_batch`` claims a batch of unprocessed deliveries and merges them into
``purchases`` in the same transaction that marks them processed: each delivery is merged exactly
once, even with a second process (``hearth sync``) working the same inbox.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from bot.kit.clock import Clock
from cogs.purchases import merge
from cogs.purchases.claims import ClaimService
from cogs.purchases.records import OrderRecord, Record, RefundRecord, load
from storage.database import SQLITE_PRAGMAS, Database, sqlite_path
from storage.models import Purchase, PurchaseCustomer, PurchaseDelivery, PurchaseRefund
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.purchases")

MAX_WRITE_BATCH = 1000
ATTEMPTS = 5
INSERT_SQL = ("INSERT INTO purchase_inbox (delivery_key, provider, topic, payload, received_at) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_key) DO NOTHING")


@dataclass(frozen=True)
class Delivery:
    delivery_key: str
    provider: str
    topic: str
    payload: str
    received_at: datetime


class InboxWriter:
    """Writes deliveries with group commit; ``put`` is True for a new delivery, False for a duplicate."""

    def __init__(self, database: Database, on_written: Callable[[], None] = lambda: None) -> None:
        self._database = database
        self._path = sqlite_path(database.url)
        self._on_written = on_written
        self._pending: list[tuple[Delivery, asyncio.Future[bool]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self.commits = 0

    async def put(self, delivery: Delivery) -> bool:
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append((delivery, future))
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.create_task(self._drain(), name="purchases-inbox-writer")
        return await future

    async def _drain(self) -> None:
        # Whatever queued while the previous commit was in flight goes into the next one.
        while self._pending:
            batch, self._pending = self._pending[:MAX_WRITE_BATCH], self._pending[MAX_WRITE_BATCH:]
            try:
                inserted = await self._write([delivery for delivery, _ in batch])
            except Exception as error:
                log.warning("couldn't write %d webhook deliveries: %s", len(batch), error)
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            self.commits += 1
            for index, (_, future) in enumerate(batch):
                if not future.done():
                    future.set_result(index in inserted)
            self._on_written()

    async def _write(self, batch: list[Delivery]) -> set[int]:
        if self._path is None:
            return await self._write_sqlalchemy(batch)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="purchases-inbox")
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._write_sqlite, batch)

    def _write_sqlite(self, batch: list[Delivery]) -> set[int]:
        # A dedicated sqlite3 connection in one thread: per-row SQLAlchemy overhead would cost more than the
        # insert, and the event loop stays free for the next requests while this one commits.
        if self._connection is None:
            self._connection = sqlite3.connect(str(self._path), isolation_level=None, check_same_thread=False)
            for pragma in SQLITE_PRAGMAS:
                self._connection.execute(pragma)
        cursor = self._connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            inserted = set()
            for index, d in enumerate(batch):
                received = d.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
                cursor.execute(INSERT_SQL, (d.delivery_key, d.provider, d.topic, d.payload, received))
                if cursor.rowcount == 1:
                    inserted.add(index)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        return inserted

    async def _write_sqlalchemy(self, batch: list[Delivery]) -> set[int]:
        table = PurchaseDelivery.__table__
        rows = [{"delivery_key": d.delivery_key, "provider": d.provider, "topic": d.topic, "payload": d.payload,
                 "received_at": d.received_at} for d in batch]
        async with self._database.session() as session, session.begin():
            statement = insert_ignoring(session.bind.dialect.name, table, ["delivery_key"]).returning(
                table.c.delivery_key)
            new = set((await session.execute(statement, rows)).scalars())
        seen: set[str] = set()
        inserted = set()
        for index, delivery in enumerate(batch):
            if delivery.delivery_key in new and delivery.delivery_key not in seen:
                inserted.add(index)
                seen.add(delivery.delivery_key)
        return inserted

    async def close(self) -> None:
        if self._drainer is not None:
            await asyncio.gather(self._drainer, return_exceptions=True)
        if self._executor is not None:
            def shut() -> None:
                if self._connection is not None:
                    self._connection.close()
                    self._connection = None

            await asyncio.get_running_loop().run_in_executor(self._executor, shut)
            self._executor.shutdown(wait=True)
            self._executor = None


class InboxProcessor:
    """Merges inbox deliveries into orders, a batch per transaction."""

    def __init__(self, database: Database, clock: Clock, claims: ClaimService, *, batch_size: int = 500,
                 pending_claim_age: timedelta = timedelta(hours=24)) -> None:
        self._db = database
        self._clock = clock
        self._claims = claims
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
                return await self._process_once()
            except (IntegrityError, DBAPIError) as error:
                # A concurrent writer (another process) won a race on a new order: the batch rolled back whole.
                if attempt == ATTEMPTS:
                    raise
                log.info("retrying a purchases batch after %s", type(error).__name__)
                await asyncio.sleep(0.05 * attempt)
        return 0

    async def _process_once(self) -> int:
        now = self._clock.now()
        async with self._db.session() as session, session.begin():
            # The claiming UPDATE is the transaction's first statement: it takes SQLite's write lock before
            # reading (see claims.lock_for_writing), and rows another process claimed are skipped.
            pending = (select(PurchaseDelivery.id).where(PurchaseDelivery.processed_at.is_(None))
                       .order_by(PurchaseDelivery.id).limit(self._batch_size).scalar_subquery())
            claimed = (await session.execute(
                update(PurchaseDelivery)
                .where(PurchaseDelivery.id.in_(pending), PurchaseDelivery.processed_at.is_(None))
                .values(processed_at=now).returning(PurchaseDelivery.id, PurchaseDelivery.payload)
                .execution_options(synchronize_session=False))).all()
            if not claimed:
                return 0
            records = [(load(payload), merge.digest(payload)) for _, payload in sorted(claimed)]
            await self._merge(session, records, now)
        self.processed += len(claimed)
        return len(claimed)

    async def _merge(self, session: Any, records: list[tuple[Record, str]], now: datetime) -> None:
        keys = {(record.provider, record.order_id) for record, _ in records}
        order_ids = sorted({order_id for _, order_id in keys})
        found = (await session.scalars(select(Purchase).where(Purchase.order_id.in_(order_ids)).with_for_update()
                                       )).all()
        purchases = {(p.provider, p.order_id): p for p in found if (p.provider, p.order_id) in keys}
        refund_rows = (await session.scalars(select(PurchaseRefund).where(PurchaseRefund.order_id.in_(order_ids))
                                             .with_for_update())).all()
        refunds: dict[tuple[str, str], dict[str, PurchaseRefund]] = {key: {} for key in keys}
        for row in refund_rows:
            if (row.provider, row.order_id) in refunds:
                refunds[(row.provider, row.order_id)][row.refund_id] = row
        before = {key: merge.fingerprint(p) for key, p in purchases.items()}
        created: list[Purchase] = []
        for record, payload_digest in records:
            key = (record.provider, record.order_id)
            purchase = purchases.get(key)
            if purchase is None:
                purchase = merge.new_purchase(record.provider, record.order_id,
                                              self._claims.codes.hash_for(*key), now)
                purchases[key] = purchase
                created.append(purchase)
                session.add(purchase)
            embedded = record.refunds if isinstance(record, OrderRecord) else (record,)
            if isinstance(record, OrderRecord):
                merge.apply_order(purchase, record, payload_digest)
            for refund in embedded:
                assert isinstance(refund, RefundRecord)
                row = merge.apply_refund(refunds[key], refund)
                if row is not None:
                    session.add(row)
        for key, purchase in purchases.items():
            merge.derive(purchase, refunds[key].values())
        await self._attach_members(session, created, list(purchases.values()), now)
        for key, purchase in purchases.items():
            if before.get(key) != merge.fingerprint(purchase):
                purchase.version = (purchase.version or 0) + 1

    async def _attach_members(self, session: Any, created: list[Purchase], merged: list[Purchase],
                              now: datetime) -> None:
        """A waiting claim links a new order (and its customer); a linked customer's orders are theirs."""
        await session.flush()
        waiting = await self._claims.take_pending(session, [p.claim_hash for p in created], now,
                                                  self._pending_claim_age)
        for purchase in created:
            member_id = waiting.get(purchase.claim_hash)
            if member_id is not None:
                result = await self._claims.link(session, member_id, purchase)
                log.info("a waiting claim for %s order %s: %s", purchase.provider, purchase.order_number,
                         result.outcome)
        unlinked = [p for p in merged if p.customer_key and p.member_id is None]
        if unlinked:
            links = dict((await session.execute(
                select(PurchaseCustomer.customer_key, PurchaseCustomer.member_id)
                .where(PurchaseCustomer.customer_key.in_(sorted({p.customer_key for p in unlinked}))))).all())
            for purchase in unlinked:
                purchase.member_id = links.get(purchase.customer_key)

    async def pending_count(self) -> int:
        async with self._db.session() as session:
            rows = await session.execute(text("SELECT count(*) FROM purchase_inbox WHERE processed_at IS NULL"))
            return int(rows.scalar_one())
