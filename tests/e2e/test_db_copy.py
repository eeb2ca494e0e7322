"""`hearth db copy --to postgresql+asyncpg://…`: a community moves from SQLite to PostgreSQL and keeps working."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from storage.copy import tables
from storage.database import Database
from storage.models import LedgerEntry, Member, Purchase, Ritual, RitualOccurrence
from tests.support.community import DISCORD_PLACE, user
from tests.support.harness import Chat
from tests.support.seeded import MOD, START, community_config, seed, start

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
ROOT = Path(__file__).resolve().parents[2]


def hearth(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], capture_output=True,
                          text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, timeout=180)


@pytest.fixture
def sqlite_url(template_database: Path, tmp_path: Path) -> str:
    shutil.copy(template_database, tmp_path / "hearth.db")
    return f"sqlite+aiosqlite:///{tmp_path}/hearth.db"


@pytest.fixture
def seeded(sqlite_url: str, tmp_path: Path) -> Path:
    """The config file of a lived-in SQLite community."""
    asyncio.run(seed(tmp_path, sqlite_url))
    return community_config(tmp_path, sqlite_url)


async def dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as Python values, in key order."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return {table.name: [tuple(row) for row in await connection.execute(
                select(table).order_by(*table.primary_key.columns))] for table in tables()}
    finally:
        await database.close()


def test_a_lived_in_community_moves_to_postgresql_and_keeps_working(seeded: Path, sqlite_url: str,
                                                                   postgres_url: str, tmp_path: Path) -> None:
    result = hearth(seeded, "db", "copy", "--to", postgres_url)
    assert result.returncode == 0, result.stderr
    assert "every table's count matches" in result.stdout
    assert "points_ledger" in result.stdout and "Traceback" not in result.stderr
    before, after = asyncio.run(dump(sqlite_url)), asyncio.run(dump(postgres_url))
    assert {name: len(rows) for name, rows in after.items()} == {name: len(rows) for name, rows in before.items()}
    # Every value too: datetimes stay aware UTC, booleans booleans, JSON lists lists.
    assert after == before
    assert sum(map(len, after.values())) > 50 and all(after[name] for name in (
        "members", "points_ledger", "ritual_occurrences", "purchases", "purchase_inbox", "poll_votes",
        "faq_entries", "lifecycle_members"))
    asyncio.run(keeps_working(postgres_url, tmp_path))


async def keeps_working(url: str, tmp_path: Path) -> None:
    """The app starts on the copy; new rows get fresh ids (the sequences moved past the copied ones)."""
    database = Database(url)
    async with database.engine.connect() as connection:
        merged = (await connection.execute(select(Member.id, Member.merged_into)
                                           .where(Member.merged_into.is_not(None)))).all()
        assert len(merged) == 1
        ritual = (await connection.execute(select(Ritual.channels, Ritual.enabled, Ritual.active_since))).one()
        assert ritual.channels == ["discord:500"] and ritual.enabled is True and ritual.active_since == START
        orders = dict((await connection.execute(select(Purchase.order_id, Purchase.counted))).all())
        assert orders == {"1001": True, "1002": False}  # 1002 was refunded before it was merged
        last_entry = await connection.scalar(select(func.max(LedgerEntry.id)))
        members = await connection.scalar(select(func.max(Member.id)))
    await database.close()
    folder = tmp_path / "on-postgres"
    folder.mkdir()
    clock = ManualClock(START + timedelta(days=7, hours=1))  # the next Monday's ritual is due
    community = await start(folder, url, clock)
    try:
        newcomer = user("zoe", "discord")
        granted = await Chat(community.hearth, community.discord, DISCORD_PLACE).command(
            MOD, "/mod points grant @zoe 5 welcome", mentions=(newcomer,), role=Permission.MODERATOR)
        assert "You gave 5 points to Zoe" in granted.replies[0].plain_text()
        await community.hearth.points.flush()
        rituals = next(cog for cog in community.hearth.cogs if cog.name == "rituals")
        assert (await rituals.service.run_due()).posted  # type: ignore[attr-defined]
        async with community.hearth.database.session() as session:
            assert await session.scalar(select(func.max(LedgerEntry.id))) > last_entry
            assert await community.hearth.members.find(newcomer) > members
            assert await session.scalar(select(func.count()).select_from(RitualOccurrence)) == 2
    finally:
        await community.hearth.stop()


def test_a_target_with_data_is_refused_unless_replace(seeded: Path, postgres_url: str) -> None:
    assert hearth(seeded, "db", "copy", "--to", postgres_url).returncode == 0
    again = hearth(seeded, "db", "copy", "--to", postgres_url)
    assert again.returncode == 1
    assert "already holds data (" in again.stderr and "(members: 5 rows, points_ledger: 7 rows," in again.stderr
    assert "Nothing was changed" in again.stderr and "--replace" in again.stderr
    asyncio.run(add_member(postgres_url))
    replaced = hearth(seeded, "db", "copy", "--to", postgres_url, "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert asyncio.run(count(postgres_url, "members")) == 5  # the extra member is gone, nothing doubled


async def add_member(url: str) -> None:
    database = Database(url)
    try:
        async with database.session() as session, session.begin():
            session.add(Member(display_name="Extra", joined_at=START))
    finally:
        await database.close()


async def count(url: str, table: str) -> int:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return int(await connection.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
    finally:
        await database.close()


def test_a_row_postgresql_refuses_fails_the_copy_and_writes_nothing(seeded: Path, sqlite_url: str,
                                                                    postgres_url: str) -> None:
    # SQLite doesn't enforce VARCHAR lengths; PostgreSQL does.
    with sqlite3.connect(sqlite_url.removeprefix("sqlite+aiosqlite:///")) as connection:
        connection.execute("UPDATE members SET display_name = ? WHERE id = 3", ("B" * 500,))
    result = hearth(seeded, "db", "copy", "--to", postgres_url)
    assert result.returncode == 3
    assert "copying members failed" in result.stderr and "Nothing was written" in result.stderr
    assert "Traceback" not in result.stderr
    assert asyncio.run(count(postgres_url, "members")) == 0


def test_a_count_that_differs_after_the_copy_fails_it(seeded: Path, postgres_url: str) -> None:
    assert hearth(seeded, "db", "upgrade").returncode == 0
    asyncio.run(swallow_ideas(postgres_url))
    result = hearth(seeded, "db", "copy", "--to", postgres_url)
    assert result.returncode == 1
    assert "ideas" in result.stdout and "MISMATCH" in result.stdout
    assert "Row counts differ in ideas" in result.stderr


async def swallow_ideas(url: str) -> None:
    """A target that silently drops the rows of one table (a trigger): the count check must notice."""
    from storage.migrate import upgrade

    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql(
                "CREATE FUNCTION swallow() RETURNS trigger AS $$ BEGIN RETURN NULL; END $$ LANGUAGE plpgsql")
            await connection.exec_driver_sql(
                "CREATE TRIGGER swallow BEFORE INSERT ON ideas FOR EACH ROW EXECUTE FUNCTION swallow()")
    finally:
        await database.close()


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bad_targets_get_one_clear_line(seeded: Path, sqlite_url: str, postgres_server: Any) -> None:
    wrong_driver = hearth(seeded, "db", "copy", "--to", "postgresql://hearth@127.0.0.1/hearth")
    assert wrong_driver.returncode == 2 and "postgresql+asyncpg://user@host/db" in wrong_driver.stderr
    garbage = hearth(seeded, "db", "copy", "--to", "not a url")
    assert garbage.returncode == 2 and "is not a database URL" in garbage.stderr
    itself = hearth(seeded, "db", "copy", "--to", sqlite_url)
    assert itself.returncode == 2 and "the configured database itself" in itself.stderr
    nobody = hearth(seeded, "db", "copy", "--to", f"postgresql+asyncpg://hearth@127.0.0.1:{closed_port()}/h")
    assert nobody.returncode == 3 and "can't connect to postgresql+asyncpg://hearth@127.0.0.1" in nobody.stderr
    missing = hearth(seeded, "db", "copy", "--to", postgres_server.url("no_such_database"))
    assert missing.returncode == 3 and 'database "no_such_database" does not exist' in missing.stderr
    for result in (wrong_driver, garbage, itself, nobody, missing):
        assert "Traceback" not in result.stderr, result.stderr
