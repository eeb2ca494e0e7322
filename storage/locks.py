"""One holder at a time across processes sharing a PostgreSQL database: transaction-scoped advisory locks.

Several ``hearth run`` processes may share one PostgreSQL database (one per Discord shard, say). Most work
is claimed row by row (``INSERT … ON CONFLICT DO NOTHING``, conditional ``UPDATE``), but a few jobs read a
state, decide, act and then record — a tier evaluation, applying an order's effects — and two processes
doing that for the same thing at once would both act. ``exclusive(database, name)`` makes the second wait
until the first has committed, so it reads what the first recorded and finds nothing left to do.

The lock is ``pg_advisory_xact_lock`` in a transaction of its own, released when the block ends (commit)
or the connection dies (a crashed process never leaves it held). SQLite is one process: no lock needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (PostgreSQL's advisory lock space is bigint)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


@asynccontextmanager
async def exclusive(database: Database, name: str) -> AsyncIterator[None]:
    """Hold the named lock for the block (waiting for another process that holds it); a no-op on SQLite.

    The block opens its own sessions as usual; the lock's connection only holds the lock. Don't nest two
    names in different orders in different places (that could deadlock), and keep the block short.
    """
    if database.is_sqlite:
        yield
        return
    async with database.session() as session, session.begin():
        await session.execute(select(func.pg_advisory_xact_lock(lock_key(name))))
        yield


async def hold(session: AsyncSession, name: str) -> None:
    """Inside an open transaction: take the named lock until it ends (PostgreSQL; SQLite has one writer anyway)."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(lock_key(name))))
