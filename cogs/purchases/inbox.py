"""The webhook inbox: durable before the 200 (group commit), then merged into orders in batches.

``InboxWriter.put`` returns only after the delivery's transaction committed (SQLite WAL with
synchronous=NORMAL survives a killed process), so a crash after the 200 loses nothing. Requests
arriving while a commit is in flight share the next one: one transaction for many deliveries.

Merging the inbox into orders is ``cogs.purchases.processor``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from storage.database import SQLITE_PRAGMAS, Database, sqlite_path
from storage.models import PurchaseDelivery
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.purchases")

MAX_WRITE_BATCH = 1000  # x 5 columns: well under SQLite's 32766 bound parameters
LOCK_ATTEMPTS = 220  # with the backoff capped at 50 ms: about 10 s, like busy_timeout
INSERT_HEAD = "INSERT INTO purchase_inbox (delivery_key, provider, topic, payload, received_at) VALUES"
INSERT_TAIL = "ON CONFLICT (delivery_key) DO NOTHING RETURNING delivery_key"
SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # what SQLAlchemy stores for a DateTime on SQLite


@dataclass(frozen=True)
class Delivery:
    delivery_key: str
    provider: str
    topic: str
    payload: str
    received_at: datetime


class InboxWriter:
    """Writes deliveries with group commit; ``put`` is True for a new delivery, False for a duplicate.

    On SQLite the commit runs on the event loop, with a connection that never waits for the lock inside
    SQLite (it backs off in asyncio instead): measured faster than a worker process (an IPC hop per batch)
    and than a thread (which fights the loop for the GIL on every row). PostgreSQL goes through SQLAlchemy.
    """

    def __init__(self, database: Database, on_written: Callable[[], None] = lambda: None) -> None:
        self._database = database
        self._path = sqlite_path(database.url)
        self._on_written = on_written
        self._pending: list[tuple[Delivery, asyncio.Future[bool]]] = []
        self._drainer: asyncio.Task[None] | None = None
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
        return await self._write_inline(batch)

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            connection = sqlite3.connect(str(self._path), isolation_level=None)
            for pragma in SQLITE_PRAGMAS:
                connection.execute(pragma)
            # Never wait for the lock inside SQLite (that would freeze the event loop): back off in asyncio
            # instead. And leave checkpoints (an fsync) to the other connections, off this hot path.
            connection.execute("PRAGMA busy_timeout=0")
            connection.execute("PRAGMA wal_autocheckpoint=0")
            self._connection = connection
        return self._connection

    async def _write_inline(self, batch: list[Delivery]) -> set[int]:
        """On the event loop: a few hundred microseconds of inserts and a WAL append, no thread or process hop."""
        cursor = self._connect().cursor()
        delay = 0.001
        for _ in range(LOCK_ATTEMPTS):
            try:
                cursor.execute("BEGIN IMMEDIATE")
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    raise
                await asyncio.sleep(delay)  # another writer's transaction: let it finish
                delay = min(delay * 2, 0.05)
        else:
            raise sqlite3.OperationalError("the database stayed locked for 10 s")
        try:
            # One multi-row statement; RETURNING names the rows that were new (duplicates are skipped).
            rows = [value for d in batch for value in (d.delivery_key, d.provider, d.topic, d.payload,
                                                       d.received_at.astimezone(UTC).strftime(SQLITE_TIME))]
            marks = ", ".join(["(?, ?, ?, ?, ?)"] * len(batch))
            new = {key for (key,) in cursor.execute(f"{INSERT_HEAD} {marks} {INSERT_TAIL}", rows)}
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        inserted = set()
        for index, delivery in enumerate(batch):
            if delivery.delivery_key in new:
                new.discard(delivery.delivery_key)  # a key twice in one batch: the first copy is the new one
                inserted.add(index)
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
        if self._connection is not None:
            self._connection.close()
            self._connection = None
