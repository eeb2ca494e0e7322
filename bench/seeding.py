"""Bulk rows for benchmark set-up, the same rows on either backend, written as fast as the backend takes them.

SQLite: one ``sqlite3`` connection, ``executemany`` per table (no fsync: set-up, not measured). PostgreSQL: binary
``COPY`` through asyncpg's ``copy_records_to_table``, foreign keys unchecked and secondary indexes rebuilt after
(a million members, their point totals and ten million ledger rows: 131 s measured, everything included). At the
end the id sequences are moved past the seeded ids and the tables are vacuumed and analysed, as autovacuum would
have left a settled database — otherwise the planner guesses from empty tables and autovacuum would start in the
middle of the measurement.

Rows are plain tuples; datetime values go through ``stamp`` (SQLite stores the app's text format, PostgreSQL
takes aware datetimes), every other value is what both drivers accept (ints, strings, bools, ``None``).
"""

from __future__ import annotations

import asyncio
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import Coroutine, Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.engine import make_url

from storage.copy import tables
from storage.database import sqlite_path

T = TypeVar("T")
# How SQLAlchemy's SQLite dialect stores a DateTime: seeded rows must read back like the app's own.
SQLITE_STAMP = "%Y-%m-%d %H:%M:%S.%f"


class Seeder(ABC):
    """Writes set-up rows; ``with`` closes it (commits, and on PostgreSQL settles the tables)."""

    @abstractmethod
    def stamp(self, when: datetime) -> object: ...

    @abstractmethod
    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None: ...

    @abstractmethod
    def execute(self, sql: str) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Seeder:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class SqliteSeeder(Seeder):
    def __init__(self, path: str) -> None:
        self._connection = sqlite3.connect(path)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=OFF")

    def stamp(self, when: datetime) -> object:
        return when.strftime(SQLITE_STAMP)

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        marks = ", ".join("?" for _ in columns)
        self._connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)

    def execute(self, sql: str) -> None:
        self._connection.execute(sql)

    def close(self) -> None:
        self._connection.commit()
        self._connection.close()


# A table's secondary indexes and its unique constraints that no foreign key points at: each is dropped before
# the table's first COPY and rebuilt from its own definition at the end, because one sorted build is far faster
# than millions of index insertions (500k ledger rows, measured: 31 s with every index and foreign key check,
# 14 s without the checks, 5 s plus a 3 s rebuild without the indexes too). Primary keys stay.
SECONDARY = """
SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE i.indrelid = $1::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
UNION ALL
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
FROM pg_constraint c
WHERE c.conrelid = $1::regclass AND c.contype = 'u'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
"""


class PostgresSeeder(Seeder):
    """asyncpg on a private event loop: the seeders are plain functions, run before the benchmark's own loop."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._rebuild: dict[str, list[str]] = {}
        self._connection: asyncpg.Connection = self._run(self._connect(url))

    @staticmethod
    async def _connect(url: str) -> asyncpg.Connection:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(dsn)
        # Set-up only, this session only: foreign keys unchecked (the rows are consistent by construction, and
        # checking costs a look-up per row), and room to sort the rebuilt indexes in memory.
        await connection.execute("SET session_replication_role = replica")
        await connection.execute("SET maintenance_work_mem = '512MB'")
        return connection

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coroutine)

    def stamp(self, when: datetime) -> object:
        return when

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self._run(self._insert(table, columns, rows))

    async def _insert(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        if table not in self._rebuild:
            found = await self._connection.fetch(SECONDARY, table)
            for drop, _create in found:
                await self._connection.execute(drop)
            self._rebuild[table] = [create for _drop, create in found]
        await self._connection.copy_records_to_table(table, records=rows, columns=list(columns))

    def execute(self, sql: str) -> None:
        self._run(self._connection.execute(sql))

    def close(self) -> None:
        try:
            self._run(self._settle())
        finally:
            self._loop.close()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if error is None:
            self.close()
            return
        try:  # the database is thrown away with the server: no rebuild, just let go of it
            self._run(self._connection.close())
        finally:
            self._loop.close()

    async def _settle(self) -> None:
        connection = self._connection
        for statements in self._rebuild.values():
            for create in statements:
                await connection.execute(create)
        for table in tables():
            column = table.autoincrement_column
            if table.name in self._rebuild and column is not None:
                # Seeded ids were explicit (members) or drawn from the sequence: continue after the largest.
                await connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                    f"COALESCE(MAX({column.name}), 0) + 1, false) FROM {table.name}")
        for table_name in self._rebuild:
            await connection.execute(f"VACUUM (ANALYZE) {table_name}")
        await connection.close()


def open_seeder(url: str) -> Seeder:
    path = sqlite_path(url)
    return SqliteSeeder(str(path)) if path is not None else PostgresSeeder(url)
