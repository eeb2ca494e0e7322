"""Copying every Hearth table from one database into another (SQLite → PostgreSQL, or back).

- Rows are read through the models' column types, so they arrive as Python values (aware UTC datetimes,
  booleans, decoded JSON) and are written in the target's own representation — never as SQLite's text.
- The source is read in one transaction: SQLite's WAL gives a consistent snapshot even if a bot is still
  writing, and the counts the copy is checked against come from that same snapshot.
- The target is written in one transaction: a failure (a value PostgreSQL refuses, a lost connection)
  leaves it exactly as it was, and ``replace`` deletes what it held in that same transaction.
- Tables go parents first (foreign-key order), each streamed in primary-key order in batches, so a
  ledger of millions of rows is never held in memory. A column pointing into its own table (a merged
  member's ``merged_into``) is filled in after the table's rows exist.
- PostgreSQL sequences are moved past the copied ids, so the next insert doesn't collide with them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, func, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.database import Database
from storage.migrate import DatabaseProblem
from storage.models import Base

BATCH_SIZE = 1000
Progress = Callable[[int], None]


def tables() -> list[Table]:
    """Every modelled table, parents before children."""
    return list(Base.metadata.sorted_tables)


def safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class TableCount:
    table: str
    source: int
    target: int

    @property
    def matches(self) -> bool:
        return self.source == self.target


@dataclass(frozen=True)
class CopyReport:
    counts: list[TableCount]

    @property
    def rows(self) -> int:
        return sum(count.source for count in self.counts)

    @property
    def mismatches(self) -> list[TableCount]:
        return [count for count in self.counts if not count.matches]


def _self_references(table: Table) -> list[Column[Any]]:
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table]


async def _counts(connection: AsyncConnection, wanted: Sequence[Table]) -> dict[str, int]:
    return {table.name: int(await connection.scalar(select(func.count()).select_from(table)) or 0)
            for table in wanted}


async def existing_rows(database: Database) -> dict[str, int]:
    """Rows in the Hearth tables a database already has (tables it lacks are skipped): what ``replace`` deletes."""
    async with database.engine.connect() as connection:
        present = set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
        counts = await _counts(connection, [table for table in tables() if table.name in present])
    return {name: count for name, count in counts.items() if count}


async def _clear(writer: AsyncConnection) -> None:
    ordered = tables()
    if writer.dialect.name == "postgresql":
        names = ", ".join(writer.dialect.identifier_preparer.format_table(table) for table in ordered)
        await writer.execute(text(f"TRUNCATE {names} RESTART IDENTITY"))
        return
    for table in reversed(ordered):  # children first: the foreign keys hold at every step
        await writer.execute(table.delete())


async def _copy_table(reader: AsyncConnection, writer: AsyncConnection, table: Table, batch_size: int,
                      progress: Progress) -> None:
    keys = list(table.primary_key.columns)
    circular = _self_references(table)
    later: list[dict[str, Any]] = []
    result = await reader.stream(select(table).order_by(*keys).execution_options(yield_per=batch_size))
    async for rows in result.partitions(batch_size):
        batch = [dict(row._mapping) for row in rows]
        for row in batch:
            pointing = {column.key: row[column.key] for column in circular if row[column.key] is not None}
            if pointing:
                # The row it points to may come later in key order: set the pointer once every row exists.
                later.append({**{f"k_{key.key}": row[key.key] for key in keys},
                              **{f"v_{name}": value for name, value in pointing.items()}})
                row.update(dict.fromkeys(pointing))
        await writer.execute(table.insert(), batch)
        progress(len(batch))
    for column in circular:
        values = [row for row in later if f"v_{column.key}" in row]
        if values:
            condition = [key == bindparam(f"k_{key.key}") for key in keys]
            await writer.execute(update(table).where(*condition).values({column.key: bindparam(f"v_{column.key}")}),
                                 values)


async def _reset_sequences(writer: AsyncConnection) -> None:
    """Copied rows carry their ids; the sequences behind the id columns must continue after them."""
    for table in tables():
        column = table.autoincrement_column
        if column is None:
            continue
        name = writer.dialect.identifier_preparer.format_table(table)
        await writer.execute(text(
            f"SELECT setval(pg_get_serial_sequence(:table, :column), COALESCE(MAX({column.name}), 0) + 1, false) "
            f"FROM {name}"), {"table": name, "column": column.name})


async def copy_database(source: Database, target: Database, *, replace: bool = False,
                        batch_size: int = BATCH_SIZE, progress: Progress = lambda _: None,
                        totals: Callable[[int], None] = lambda _: None) -> CopyReport:
    """Copy every row of ``source`` into ``target`` (both at the same schema revision) and count both sides.

    ``totals`` hears the number of rows to copy once it is known (a progress bar's length); ``progress`` the
    rows done after each batch. Raises ``DatabaseProblem`` (target unchanged) if a row can't be written.
    """
    ordered = tables()
    async with source.engine.connect() as reader, reader.begin():
        expected = await _counts(reader, ordered)
        totals(sum(expected.values()))
        step = "emptying the target"
        try:
            async with target.engine.begin() as writer:
                if replace:
                    await _clear(writer)
                for table in ordered:
                    step = f"copying {table.name}"
                    await _copy_table(reader, writer, table, batch_size, progress)
                if writer.dialect.name == "postgresql":
                    step = "moving the id sequences past the copied rows"
                    await _reset_sequences(writer)
        except (StatementError, OSError) as error:
            reason = error.orig if isinstance(error, StatementError) and error.orig is not None else error
            raise DatabaseProblem(f"{step} failed: {reason}. Nothing was written to {safe_url(target.url)} "
                                  "(the copy is one transaction).") from None
    async with target.engine.connect() as checker:
        found = await _counts(checker, ordered)
    return CopyReport([TableCount(t.name, expected[t.name], found[t.name]) for t in ordered])
