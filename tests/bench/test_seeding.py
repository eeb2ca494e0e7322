"""Benchmark set-up on PostgreSQL: bulk COPY leaves the migrated schema exactly as it was, with the same rows
SQLite gets; the events benchmark's PostgreSQL baseline writes its rows."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator

import pytest

from bench.events import run_postgres_baseline
from bench.proof import seed_community
from bench.queries import LEDGER_PER_MEMBER, seed_points
from bench.support import Backend, BenchDatabase, open_backend, seed_members
from storage.migrate import upgrade
from tests.support.postgres import PostgresServer
from tests.support.sql import query

pytestmark = pytest.mark.postgres

# Every index and constraint, by name and definition: what a rebuild after COPY must give back.
SCHEMA = """
SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint', conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY 1, 2
"""
MEMBERS = 300


def seed_for_queries(database: BenchDatabase) -> None:
    with database.seeder() as seeder:
        seed_members(seeder, MEMBERS)
        seed_points(seeder, MEMBERS)


def seed_for_proof(database: BenchDatabase) -> None:
    with database.seeder() as seeder:
        seed_members(seeder, MEMBERS)
        seed_community(seeder, MEMBERS)


def compare(seeded: BenchDatabase, on_sqlite: BenchDatabase) -> None:
    """The same rows on both: per table, the count, a sum and the smallest value; the first ledger rows."""
    for table, column in (("members", "id"), ("identities", "member_id"), ("points_ledger", "amount"),
                          ("member_points", "lifetime"), ("member_preferences", "member_id"),
                          ("metrics_member_days", "posts"), ("purchases", "member_id"),
                          ("ugc_submissions", "member_id"), ("ideas", "votes"), ("rituals", "held_count")):
        sql = f"SELECT count(*), sum({column}), min(CAST({column} AS TEXT)) FROM {table}"
        assert query(seeded.url, sql) == query(on_sqlite.url, sql), table
    ledger = "SELECT source_key, member_id, amount FROM points_ledger ORDER BY id LIMIT 3"
    assert query(seeded.url, ledger) == query(on_sqlite.url, ledger)


@pytest.fixture
def on_postgres(postgres_server: PostgresServer) -> Iterator[Backend]:
    backend = Backend("postgresql", postgres_server)
    yield backend
    for directory in backend.directories:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def fresh_schema(postgres_server: PostgresServer) -> list[tuple[object, ...]]:
    url = postgres_server.create_database("bench_fresh_schema")
    upgrade(url)
    return query(url, SCHEMA)


@pytest.mark.parametrize("seed", [seed_for_queries, seed_for_proof], ids=["queries", "proof"])
def test_seeding_keeps_the_schema_and_writes_the_rows_sqlite_gets(
        on_postgres: Backend, fresh_schema: list[tuple[object, ...]], seed: Callable[[BenchDatabase], None]) -> None:
    seeded = on_postgres.new_database()
    seed(seeded)
    assert query(seeded.url, SCHEMA) == fresh_schema

    with open_backend("sqlite") as sqlite:  # its file is deleted at the end
        on_sqlite = sqlite.new_database()
        seed(on_sqlite)
        compare(seeded, on_sqlite)
    if seed is seed_for_queries:
        assert query(seeded.url, "SELECT count(*) FROM points_ledger") == [(MEMBERS * LEDGER_PER_MEMBER,)]
    # Sequences continue after the seeded ids: the app can add members and awards.
    query(seeded.url, "INSERT INTO members (display_name, joined_at) VALUES ('new', now())")
    assert query(seeded.url, "SELECT max(id) FROM members") == [(MEMBERS + 1,)]


def test_the_postgresql_baseline_writes_its_rows(on_postgres: Backend) -> None:
    database = on_postgres.new_database()
    assert run_postgres_baseline(database, 500) > 0
    assert query(database.url, "SELECT count(*), count(DISTINCT member_id) FROM points_ledger") == [(500, 500)]
