"""Batched, idempotent writes for hot paths: insert-if-new rows plus counter upserts, in one transaction.

``write`` inserts the rows whose unique key is new, asks an aggregate function which counter changes
those new rows imply, and applies them — all in one transaction, so aggregates can never disagree
with the rows they count. The aggregate function must be a module-level function (it may run in
another process): ``aggregate(rows, inserted_indexes, *args) -> list[CounterUpsert]``.

Writers:
- ``ProcessSqliteWriter`` (SQLite, default): a worker process owns one ``sqlite3`` connection. The
  bot's event loop keeps its core for chat events while the other core does the B-tree work; in a
  thread the two would fight over the GIL on every row (measured: 3x slower than the process).
- ``InlineSqliteWriter`` (SQLite, tests and tiny communities): the same SQL in a thread of this process.
- ``SqlAlchemyWriter`` (PostgreSQL): SQLAlchemy Core over the app's async engine; the server is
  already another process.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import functools
import multiprocessing
import os
import signal
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import DateTime

from storage.database import SQLITE_PRAGMAS, Database, sqlite_path
from storage.upsert import insert_adding, insert_ignoring, upsert_sql

Row = tuple[Any, ...]
PR_SET_PDEATHSIG = 1  # prctl(2)


@dataclass(frozen=True)
class CounterUpsert:
    """Rows to add into ``table``: on a key conflict the ``add`` columns are summed into the stored row.

    ``resets`` pairs a counter with its window column (see ``storage.upsert.insert_adding``).
    """

    table: str
    columns: tuple[str, ...]
    keys: tuple[str, ...]
    add: tuple[str, ...]
    rows: list[Row]
    resets: tuple[tuple[str, str], ...] = ()


Aggregate = Callable[..., Sequence[CounterUpsert]]


class BatchWriter(Protocol):
    async def start(self) -> None: ...

    async def write(self, table: str, key: str, columns: Sequence[str], rows: list[Row], aggregate: Aggregate,
                    *args: Any) -> list[int]:
        """Insert the rows whose ``key`` is new; returns their indexes."""

    async def close(self) -> None: ...


def _sqlite_datetime(value: datetime) -> str:
    # The same text SQLAlchemy's SQLite dialect stores for a (UTC) DateTime column.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


@functools.lru_cache(maxsize=64)
def _datetime_positions(table: str, columns: tuple[str, ...]) -> tuple[int, ...]:
    """Which of ``columns`` hold datetimes: only those need converting (checking every value costs more)."""
    from storage.models import Base
    from storage.models.base import UTCDateTime

    target = Base.metadata.tables[table]
    return tuple(i for i, name in enumerate(columns) if isinstance(target.c[name].type, (DateTime, UTCDateTime)))


def _encoded(table: str, columns: tuple[str, ...], rows: Sequence[Row]) -> Sequence[Sequence[Any]]:
    positions = _datetime_positions(table, columns)
    if not positions:
        return rows
    encoded = []
    for row in rows:
        values = list(row)
        for position in positions:
            value = values[position]
            if value is not None:
                values[position] = _sqlite_datetime(value)
        encoded.append(values)
    return encoded


@functools.lru_cache(maxsize=64)
def _insert_sql(table: str, key: str, columns: tuple[str, ...]) -> str:
    marks = ", ".join("?" for _ in columns)
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) ON CONFLICT ({key}) DO NOTHING"


@functools.lru_cache(maxsize=64)
def _upsert_sql(table: str, columns: tuple[str, ...], keys: tuple[str, ...], add: tuple[str, ...],
                resets: tuple[tuple[str, str], ...]) -> str:
    return upsert_sql(table, columns, keys, add, resets)


# The writer's page cache, 128 MB: the member aggregates and their indexes stay in memory.
WRITER_CACHE = "PRAGMA cache_size=-131072"


def open_sqlite(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in SQLITE_PRAGMAS:
        connection.execute(pragma)
    # SQLite's default 2 MB cache re-reads aggregate pages from the OS on every batch once a community has
    # tens of thousands of members (measured: 15-30% of the writer's time at 100k members).
    connection.execute(WRITER_CACHE)
    return connection


def write_sqlite(connection: sqlite3.Connection, table: str, key: str, columns: tuple[str, ...], rows: list[Row],
                 aggregate: Aggregate, args: tuple[Any, ...]) -> list[int]:
    """One transaction: the new rows, then their aggregates. ``rows`` must not repeat a key.

    The rows go in with one ``executemany``; which of them were new is read back by rowid (rows this
    transaction inserted have rowids above the old maximum) only when some key already existed.
    """
    cursor = connection.cursor()
    cursor.execute("BEGIN IMMEDIATE")
    try:
        highest = cursor.execute(f"SELECT coalesce(max(rowid), 0) FROM {table}").fetchone()[0]
        before = connection.total_changes
        cursor.executemany(_insert_sql(table, key, columns), _encoded(table, columns, rows))
        if connection.total_changes - before == len(rows):
            inserted = list(range(len(rows)))
        else:
            new_keys = {found for (found,) in cursor.execute(f"SELECT {key} FROM {table} WHERE rowid > ?",
                                                              (highest,))}
            position = columns.index(key)
            inserted = [index for index, row in enumerate(rows) if row[position] in new_keys]
        for upsert in aggregate(rows, inserted, *args):
            if upsert.rows:
                sql = _upsert_sql(upsert.table, upsert.columns, upsert.keys, upsert.add, upsert.resets)
                cursor.executemany(sql, _encoded(upsert.table, upsert.columns, upsert.rows))
        cursor.execute("COMMIT")
    except BaseException:
        cursor.execute("ROLLBACK")
        raise
    return inserted


class InlineSqliteWriter:
    """The same SQL in this process, on one thread of its own.

    Not on the event loop itself: a write waiting for SQLite's lock there would freeze the loop, and
    with it the other transaction that holds the lock and needs the loop to finish.
    """

    def __init__(self, path: str) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._connection: sqlite3.Connection | None = None

    def _write(self, table: str, key: str, columns: tuple[str, ...], rows: list[Row], aggregate: Aggregate,
               args: tuple[Any, ...]) -> list[int]:
        if self._connection is None:
            self._connection = open_sqlite(self._path)
        return write_sqlite(self._connection, table, key, columns, rows, aggregate, args)

    async def write(self, table: str, key: str, columns: Sequence[str], rows: list[Row], aggregate: Aggregate,
                    *args: Any) -> list[int]:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._write, table, key, tuple(columns), rows, aggregate, args)

    async def start(self) -> None:
        """Nothing to start: the connection opens with the first write."""

    async def close(self) -> None:
        def shut() -> None:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

        await asyncio.get_running_loop().run_in_executor(self._executor, shut)
        self._executor.shutdown(wait=True)


# --- the worker process's side -------------------------------------------------------------------

_WORKER_CONNECTION: sqlite3.Connection | None = None


def _die_with_parent(parent: int) -> None:
    """A writer must never outlive the bot: an orphan would keep committing after a crash and restart."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the pool notices a dead parent on its next read instead
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the signal was armed


def _worker_open(path: str, parent: int) -> None:
    global _WORKER_CONNECTION  # one connection per worker process, opened by the pool's initializer
    _die_with_parent(parent)
    _WORKER_CONNECTION = open_sqlite(path)


def _worker_write(table: str, key: str, columns: tuple[str, ...], rows: list[Row], aggregate: Aggregate,
                  args: tuple[Any, ...]) -> list[int]:
    assert _WORKER_CONNECTION is not None, "worker started without a connection"
    return write_sqlite(_WORKER_CONNECTION, table, key, columns, rows, aggregate, args)


def _worker_ready() -> bool:
    return _WORKER_CONNECTION is not None


class ProcessSqliteWriter:
    def __init__(self, path: str) -> None:
        self._path = path
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the bot process has threads (aiosqlite, executors) a fork would copy mid-state.
            self._pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_open, initargs=(self._path, os.getpid()))
        return self._pool

    async def write(self, table: str, key: str, columns: Sequence[str], rows: list[Row], aggregate: Aggregate,
                    *args: Any) -> list[int]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), _worker_write, table, key, tuple(columns), rows,
                                              aggregate, args)
        except BrokenProcessPool:
            # The worker died (killed, out of memory): the transaction rolled back; start a new one.
            self._pool = None
            raise

    async def start(self) -> None:
        """Spawn the worker now, so the first award doesn't wait for a process to start."""
        await asyncio.get_running_loop().run_in_executor(self._executor(), _worker_ready)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.get_running_loop().run_in_executor(None, functools.partial(pool.shutdown, wait=True))


class SqlAlchemyWriter:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def write(self, table: str, key: str, columns: Sequence[str], rows: list[Row], aggregate: Aggregate,
                    *args: Any) -> list[int]:
        from storage.models import Base

        tables = Base.metadata.tables
        async with self._database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            target = tables[table]
            statement = insert_ignoring(dialect, target, [key]).returning(target.c[key])
            dicts = [dict(zip(columns, row, strict=True)) for row in rows]
            new_keys = set((await session.execute(statement, dicts)).scalars()) if dicts else set()
            position = list(columns).index(key)
            inserted = [i for i, row in enumerate(rows) if row[position] in new_keys]
            for upsert in aggregate(rows, inserted, *args):
                if upsert.rows:
                    await session.execute(
                        insert_adding(dialect, tables[upsert.table], upsert.keys, upsert.add, upsert.resets),
                        [dict(zip(upsert.columns, row, strict=True)) for row in upsert.rows])
        return inserted

    async def start(self) -> None:
        """Nothing to start: the app's engine is already there."""

    async def close(self) -> None:
        """The engine belongs to the app, which closes it."""


def batch_writer_for(database: Database, mode: str = "process") -> BatchWriter:
    """``mode`` (SQLite only): ``process`` (a worker process) or ``inline`` (on the event loop)."""
    path = sqlite_path(database.url)
    if path is None:
        return SqlAlchemyWriter(database)
    return ProcessSqliteWriter(str(path)) if mode == "process" else InlineSqliteWriter(str(path))
