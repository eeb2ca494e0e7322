"""Shared set-up for benchmarks: a fresh migrated database (SQLite or PostgreSQL), the real app, seeded members.

``--database postgresql`` starts a throwaway server on 127.0.0.1 for the run (``tests/support/postgres.py``, the
suite's own), creates and migrates databases on it, and stops it when the benchmark ends.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.seeding import Seeder, open_seeder
from bot.app import Hearth
from bot.config import HearthConfig, load_config
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from storage.database import sqlite_path
from storage.migrate import upgrade
from tests.support.postgres import PostgresServer, PostgresUnavailable, start_postgres

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BACKENDS = ("sqlite", "postgresql")
# A benchmark exits with this when its backend can't run here (no PostgreSQL server binaries): the runner
# reports the row as unavailable instead of failed.
UNAVAILABLE = 3


@dataclass(frozen=True)
class BenchDatabase:
    url: str
    directory: Path  # the app's data_dir (and the SQLite file's folder)

    @property
    def backend(self) -> str:
        return "sqlite" if self.path is not None else "postgresql"

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.url)

    def seeder(self) -> Seeder:
        return open_seeder(self.url)


@dataclass
class Backend:
    """Where one benchmark run's databases live: temporary SQLite files, or one PostgreSQL server of its own."""

    name: str
    server: PostgresServer | None = None
    directories: list[Path] = field(default_factory=list)

    def new_database(self) -> BenchDatabase:
        directory = Path(tempfile.mkdtemp(prefix="hearth-bench-"))
        self.directories.append(directory)
        if self.server is None:
            return BenchDatabase(f"sqlite+aiosqlite:///{fresh_database(directory)}", directory)
        url = self.server.create_database(f"bench_{uuid.uuid4().hex[:12]}")
        upgrade(url)
        return BenchDatabase(url, directory)


@contextmanager
def open_backend(name: str) -> Iterator[Backend]:
    """The backend for a run; exits with ``UNAVAILABLE`` (and says why) when PostgreSQL can't start here."""
    server = None
    if name != "sqlite":
        try:
            server = start_postgres(durable=True)
        except PostgresUnavailable as problem:
            print(f"PostgreSQL unavailable: {problem}".splitlines()[0], file=sys.stderr)
            sys.exit(UNAVAILABLE)
    backend = Backend(name, server)
    try:
        yield backend
    finally:
        if server is not None:
            server.stop()
        # A million members' SQLite file is gigabytes: a run leaves nothing behind in the temporary folder.
        for directory in backend.directories:
            shutil.rmtree(directory, ignore_errors=True)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database", choices=BACKENDS, default="sqlite",
                        help="sqlite (a temporary file) or postgresql (a throwaway server on 127.0.0.1)")


def fresh_database(directory: Path | None = None) -> Path:
    folder = directory or Path(tempfile.mkdtemp(prefix="hearth-bench-"))
    path = folder / "hearth.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def seed_members(seeder: Seeder, count: int, platform: str = "discord") -> None:
    """Members and identities written directly (set-up, not measured)."""
    when = seeder.stamp(START)
    seeder.insert("members", ("id", "display_name", "joined_at"),
                  ((n, f"member{n}", when) for n in range(1, count + 1)))
    seeder.insert("identities", ("member_id", "platform", "platform_user_id", "display_name", "linked_at"),
                  ((n, platform, str(10**17 + n), f"member{n}", when) for n in range(1, count + 1)))


def config_for(database: BenchDatabase, extra: str = "") -> HearthConfig:
    config_file = database.directory / "config.toml"
    config_file.write_text(f'data_dir = "{database.directory}"\n[database]\nurl = "{database.url}"\n{extra}')
    return load_config(config_file, environ={})


def build_app(database: BenchDatabase, extra: str = "") -> tuple[Hearth, ManualClock]:
    clock = ManualClock(START)
    return Hearth(config_for(database, extra), Secrets(instance=b"bench-secret"), clock=clock), clock


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
