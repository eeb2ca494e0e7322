"""The webhook inbox: durable before the 200 (group commit), then merged into orders in batches.

``InboxWriter.put`` returns only after the delivery's transaction committed (SQLite WAL with
synchronous=NORMAL survives a killed process), so a crash after the 200 loses nothing. Requests
arriving while a commit is in flight share the next one: one fsync for many deliveries.

Merging the inbox into orders is ``cogs.purchases.processor``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from storage.batch import ProcessSqliteWriter
from storage.database import SQLITE_PRAGMAS, Database, sqlite_path
from storage.models import PurchaseDelivery
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.purchases")

MAX_WRITE_BATCH = 1000
ATTEMPTS = 5
COLUMNS = ("delivery_key", "provider", "topic", "payload", "received_at")
INSERT_SQL = ("INSERT INTO purchase_inbox (delivery_key, provider, topic, payload, received_at) "
              "VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_key) DO NOTHING")


@dataclass(frozen=True)
class Delivery:
    delivery_key: str
    provider: str
    topic: str
    payload: str
    received_at: datetime


def no_counters(rows: list[tuple[Any, ...]], inserted: list[int]) -> list[Any]:
    """The inbox maintains no aggregates (module-level: the batch writer may call it in its worker process)."""
    return []


class InboxWriter:
    """Writes deliveries with group commit; ``put`` is True for a new delivery, False for a duplicate.

    SQLite ``mode``: ``process`` writes through a worker process (``storage.batch``): the commit neither
    blocks the event loop nor fights it for the GIL row by row, which in a thread costs 5-10x under load;
    ``thread`` uses a thread (tests: no process per app). PostgreSQL goes through SQLAlchemy.
    """

    def __init__(self, database: Database, on_written: Callable[[], None] = lambda: None, *,
                 mode: str = "thread") -> None:
        self._database = database
        self._path = sqlite_path(database.url)
        self._process = ProcessSqliteWriter(str(self._path)) if self._path and mode == "process" else None
        self._on_written = on_written
        self._pending: list[tuple[Delivery, asyncio.Future[bool]]] = []
        self._drainer: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._connection: sqlite3.Connection | None = None
        self.commits = 0

    async def start(self) -> None:
        if self._process is not None:
            await self._process.start()

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
        if self._process is not None:
            rows = [(d.delivery_key, d.provider, d.topic, d.payload, d.received_at) for d in batch]
            return set(await self._process.write("purchase_inbox", "delivery_key", COLUMNS, rows, no_counters))
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
        if self._process is not None:
            await self._process.close()
        if self._executor is not None:
            def shut() -> None:
                if self._connection is not None:
                    self._connection.close()
                    self._connection = None

            await asyncio.get_running_loop().run_in_executor(self._executor, shut)
            self._executor.shutdown(wait=True)
            self._executor = None
