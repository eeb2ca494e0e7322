"""Migrations take an empty SQLite and an empty PostgreSQL to head, and the schema state is reported."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import inspect

from storage.database import Database
from storage.migrate import DatabaseProblem, SchemaState, head_revision, schema_status, upgrade
from storage.models import Base


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await database.close()


async def _status(url: str) -> SchemaState:
    database = Database(url)
    try:
        return (await schema_status(database)).state
    finally:
        await database.close()


async def test_empty_sqlite_upgrades_to_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    assert await _status(url) is SchemaState.EMPTY
    await asyncio.to_thread(upgrade, url)
    assert await _status(url) is SchemaState.CURRENT
    assert set(Base.metadata.tables) <= await _tables(url)
    await asyncio.to_thread(upgrade, url)  # idempotent


@pytest.mark.postgres
async def test_empty_postgresql_upgrades_to_head(postgres_url: str) -> None:
    assert await _status(postgres_url) is SchemaState.EMPTY
    await asyncio.to_thread(upgrade, postgres_url)
    assert await _status(postgres_url) is SchemaState.CURRENT
    assert set(Base.metadata.tables) <= await _tables(postgres_url)


async def test_newer_schema_is_reported_not_touched(database_url: str) -> None:
    database = Database(database_url)
    try:
        async with database.engine.begin() as connection:
            # One row per head (features branch off the shared history): replace them all with one unknown.
            await connection.exec_driver_sql("DELETE FROM alembic_version")
            await connection.exec_driver_sql("INSERT INTO alembic_version (version_num) VALUES ('ffff_future')")
        status = await schema_status(database)
    finally:
        await database.close()
    assert status.state is SchemaState.NEWER and status.head == head_revision()


async def test_corrupt_sqlite_file_is_a_clear_problem(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseProblem, match="not a usable SQLite database"):
        await _status(f"sqlite+aiosqlite:///{path}")
    assert path.read_bytes() == b"this is not a database" * 100


def _modelled(name: str | None, _type: str, _parents: object) -> bool:
    # Migrations may create objects that are deliberately not models (full-text search tables and indexes);
    # their models module lists them in Base.metadata.info["unmodelled"].
    return name not in Base.metadata.info.get("unmodelled", ())


async def test_migrations_match_the_models(database_url: str) -> None:
    """A model changed without a migration (or the reverse) fails here, not on a user's machine.

    On the selected backend: PostgreSQL enforces lengths and types that SQLite only records.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    database = Database(database_url)  # a copy of the suite's template, migrated by every revision
    try:
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"include_name": _modelled}),
                                              Base.metadata))
    finally:
        await database.close()
    assert diff == []
