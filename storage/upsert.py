"""Dialect-aware INSERT … ON CONFLICT helpers: the same code on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite


def _insert(dialect: str, table: Table) -> Any:
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert_ignoring(dialect: str, table: Table, keys: Sequence[str]) -> Any:
    """INSERT that silently skips rows whose ``keys`` already exist."""
    return _insert(dialect, table).on_conflict_do_nothing(index_elements=list(keys))


def insert_adding(dialect: str, table: Table, keys: Sequence[str], add: Sequence[str],
                  replace: Sequence[str] = ()) -> Any:
    """INSERT, or on conflict add the new values of ``add`` columns to the stored ones (counters)."""
    statement = _insert(dialect, table)
    updates = {name: table.c[name] + statement.excluded[name] for name in add}
    updates.update({name: statement.excluded[name] for name in replace})
    return statement.on_conflict_do_update(index_elements=list(keys), set_=updates)
