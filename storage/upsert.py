"""Dialect-aware INSERT … ON CONFLICT helpers: the same code on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, case
from sqlalchemy.dialects import postgresql, sqlite


def _insert(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_ignoring(dialect: str, table: Table, keys: Sequence[str]) -> Any:
    """INSERT that silently skips rows whose ``keys`` already exist."""
    return _insert(dialect, table).on_conflict_do_nothing(index_elements=list(keys))


def insert_adding(dialect: str, table: Table, keys: Sequence[str], add: Sequence[str],
                  resets: Sequence[tuple[str, str]] = ()) -> Any:
    """INSERT, or on conflict add the new ``add`` values to the stored ones (counters).

    ``resets`` pairs a counter with the column naming its window (``week_points`` with ``week``): when
    the window changed, the counter restarts from the new value instead of adding to the old one.
    """
    statement = _insert(dialect, table)
    excluded = statement.excluded
    updates: dict[str, Any] = {name: table.c[name] + excluded[name] for name in add}
    for counter, window in resets:
        updates[counter] = case((table.c[window] == excluded[window], table.c[counter] + excluded[counter]),
                                else_=excluded[counter])
        updates[window] = excluded[window]
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)


def upsert_sql(table: str, columns: Sequence[str], keys: Sequence[str], add: Sequence[str],
               resets: Sequence[tuple[str, str]] = ()) -> str:
    """The same statement as text with ``?`` placeholders (SQLite's DB-API), for the batch writer."""
    sets = [f"{c} = {c} + excluded.{c}" for c in add]
    for counter, window in resets:
        sets.append(f"{counter} = CASE WHEN {window} = excluded.{window} THEN {counter} + excluded.{counter} "
                    f"ELSE excluded.{counter} END")
        sets.append(f"{window} = excluded.{window}")
    marks = ", ".join("?" for _ in columns)
    return (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {', '.join(sets)}")
