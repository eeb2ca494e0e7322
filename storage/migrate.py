"""Schema management through Alembic: upgrade to head, and tell a user what state a database is in."""

from __future__ import annotations

import enum
import functools
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import DBAPIError

from storage.database import Database, sqlite_path

MIGRATIONS = Path(__file__).parent / "migrations"


class SchemaState(enum.Enum):
    EMPTY = "empty"
    BEHIND = "behind"
    CURRENT = "current"
    NEWER = "newer"


class DatabaseProblem(RuntimeError):
    """The database can't be used as it is; the message says why and what to do."""


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    revision: str | None
    head: str


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@functools.cache
def _scripts() -> ScriptDirectory:
    """Read once per process: each read compiles every revision file (~15 ms), and every app start, CLI command
    and schema check asks. A running process's migrations don't change under it."""
    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def head_revisions() -> tuple[str, ...]:
    """Every head: features branch their migrations off the shared history, so there may be several."""
    heads = _scripts().get_heads()
    assert heads, "no migrations found"
    return tuple(sorted(heads))


def head_revision() -> str:
    return "+".join(head_revisions())


def _check_sqlite_file(url: str) -> None:
    path = sqlite_path(url)
    if path is None or not path.exists():
        return
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            connection.execute("PRAGMA schema_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise DatabaseProblem(
            f"{path} is not a usable SQLite database ({error}). Nothing was changed. "
            "Restore it from a backup, or move it away to start a new one."
        ) from None


async def schema_status(database: Database) -> SchemaStatus:
    _check_sqlite_file(database.url)
    head = head_revision()
    try:
        async with database.engine.connect() as connection:
            current = await connection.run_sync(lambda sync: MigrationContext.configure(sync).get_current_heads())
    except DBAPIError as error:
        raise DatabaseProblem(f"can't read the database at {_safe_url(database.url)}: {error.orig}") from None
    revision = "+".join(sorted(current)) if current else None
    if not current:
        return SchemaStatus(SchemaState.EMPTY, None, head)
    if tuple(sorted(current)) == head_revisions():
        return SchemaStatus(SchemaState.CURRENT, revision, head)
    known = {rev.revision for rev in _scripts().walk_revisions()}
    if not set(current) <= known:
        return SchemaStatus(SchemaState.NEWER, revision, head)
    return SchemaStatus(SchemaState.BEHIND, revision, head)


def newer_schema_message(status: SchemaStatus) -> str:
    return (
        f"the database schema ({status.revision}) is newer than this Hearth knows (head {status.head}). "
        "Nothing was changed: upgrade Hearth, or point database.url at another database."
    )


def upgrade(url: str) -> None:
    """Apply every pending migration. Synchronous: call it from a thread when a loop is running."""
    _check_sqlite_file(url)
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "heads")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
