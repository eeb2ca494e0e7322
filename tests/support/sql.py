"""Backend-neutral database access for tests that drive a real ``hearth`` process (SQLite or PostgreSQL alike).

Those tests are synchronous (the bot runs in another process), so each call opens the database, does its work
and closes it again: the same ``Database`` the bot uses, never a driver of the test's own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database

T = TypeVar("T")

# A fresh migrated database per call: ``new_database()`` on the backend HEARTH_TEST_DATABASE selects,
# ``new_database("sqlite")`` on SQLite whatever is selected (tests/conftest.py).
DatabaseFactory = Callable[..., str]


def query(url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """One statement in its own transaction; the rows it returns (none for a write)."""

    async def run() -> list[tuple[Any, ...]]:
        database = Database(url)
        try:
            async with database.engine.begin() as connection:
                result = await connection.execute(text(sql), dict(params or {}))
                return [tuple(row) for row in result] if result.returns_rows else []
        finally:
            await database.close()

    return asyncio.run(run())


def in_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """``work`` in one ORM session and transaction (seed rows with the models, so types match either backend)."""

    async def run() -> T:
        database = Database(url)
        try:
            async with database.session() as session, session.begin():
                return await work(session)
        finally:
            await database.close()

    return asyncio.run(run())
