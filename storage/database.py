"""The async engine and one-session-per-unit-of-work factory, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    # NORMAL in WAL mode is durable across process crashes (only an OS crash can drop the last commits).
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=10000",
)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or ``None`` for in-memory or other backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _apply_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def create_engine(url: str) -> AsyncEngine:
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # /profile reads every feature's lines side by side: room for that many connections without churn.
    engine = create_async_engine(url, pool_pre_ping=not is_sqlite(url), pool_size=10, max_overflow=10)
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _apply_sqlite_pragmas)
    return engine


class Database:
    """Owns the engine. ``session()`` opens one session for one command, job or webhook."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    def session(self) -> AsyncSession:
        return self._sessions()

    async def close(self) -> None:
        await self.engine.dispose()
