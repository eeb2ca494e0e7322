"""The SQLite batch writer: one executemany, new rows told from known keys, datetimes as SQLAlchemy stores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from cogs.points.totals import LEDGER_COLUMNS, points_totals
from storage.batch import open_sqlite, write_sqlite
from storage.database import Database
from storage.migrate import upgrade
from storage.models import LedgerEntry, Member, MemberPoints

AT = datetime(2026, 3, 2, 9, 30, 15, 250, tzinfo=UTC)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    target = tmp_path / "batch.db"
    upgrade(f"sqlite+aiosqlite:///{target}")
    with open_sqlite(str(target)) as connection:
        connection.executemany("INSERT INTO members (id, display_name, joined_at) VALUES (?, ?, ?)",
                               [(n, f"m{n}", "2026-01-01 00:00:00.000000") for n in (1, 2, 3)])
    return target


def ledger(key: str, member_id: int, amount: int, at: datetime = AT) -> tuple[object, ...]:
    return (key, member_id, "message", amount, at, None, None, None)


def write(path: Path, rows: list[tuple[object, ...]]) -> list[int]:
    connection = open_sqlite(str(path))
    try:
        extras = [("w2026-10", None, None, False)] * len(rows)
        return write_sqlite(connection, "points_ledger", "source_key", LEDGER_COLUMNS, rows, points_totals,
                            (extras, 0))
    finally:
        connection.close()


def test_known_keys_are_skipped_and_only_new_rows_reach_the_aggregates(path: Path) -> None:
    assert write(path, [ledger("a", 1, 5), ledger("b", 2, 7)]) == [0, 1]
    # "a" is known: its row and its 100 points must not count again; "c" and "d" are new.
    assert write(path, [ledger("c", 1, 3), ledger("a", 1, 100), ledger("d", 3, 4)]) == [0, 2]
    assert write(path, [ledger("a", 1, 100), ledger("b", 2, 100)]) == []
    with open_sqlite(str(path)) as connection:
        totals = dict(connection.execute("SELECT member_id, lifetime FROM member_points").fetchall())
        keys = [key for (key,) in connection.execute("SELECT source_key FROM points_ledger ORDER BY id")]
    assert totals == {1: 8, 2: 7, 3: 4}
    assert keys == ["a", "b", "c", "d"]


async def test_datetimes_are_stored_as_sqlalchemy_reads_and_compares_them(path: Path) -> None:
    paris = timezone(timedelta(hours=1))
    write(path, [ledger("utc", 1, 1), ledger("paris", 2, 1, AT.astimezone(paris)),
                 ledger("whole-second", 3, 1, AT.replace(microsecond=0))])
    database = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with database.session() as session:
            stored = dict((await session.execute(select(LedgerEntry.source_key, LedgerEntry.created_at))).all())
            # A range query compares the stored text: it must be in SQLAlchemy's own format to match.
            later = (await session.execute(select(LedgerEntry.source_key)
                                           .where(LedgerEntry.created_at > AT.replace(microsecond=0)))).scalars()
            assert sorted(later) == ["paris", "utc"]
            assert await session.get(Member, 1) is not None
            assert (await session.get(MemberPoints, 2)) is not None
    finally:
        await database.close()
    assert stored == {"utc": AT, "paris": AT, "whole-second": AT.replace(microsecond=0)}


def test_a_failed_batch_writes_nothing(path: Path) -> None:
    # Member 99 doesn't exist: the foreign key fails the batch, and the good row before it is rolled back too.
    with pytest.raises(Exception, match="FOREIGN KEY"):
        write(path, [ledger("good", 1, 5), ledger("orphan", 99, 5)])
    assert write(path, [ledger("good", 1, 5)]) == [0]
