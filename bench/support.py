"""Shared set-up for benchmarks: a fresh migrated SQLite, the real app, and seeded members."""

from __future__ import annotations

import resource
import sqlite3
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.app import Hearth
from bot.config import HearthConfig, load_config
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from storage.migrate import upgrade

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def fresh_database(directory: Path | None = None) -> Path:
    folder = directory or Path(tempfile.mkdtemp(prefix="hearth-bench-"))
    path = folder / "hearth.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def seed_members(path: Path, count: int, platform: str = "discord") -> None:
    """Members and identities written directly (set-up, not measured)."""
    when = START.strftime("%Y-%m-%d %H:%M:%S.%f")
    with sqlite3.connect(path) as connection:
        connection.executemany("INSERT INTO members (id, display_name, joined_at) VALUES (?, ?, ?)",
                               ((n, f"member{n}", when) for n in range(1, count + 1)))
        connection.executemany(
            "INSERT INTO identities (member_id, platform, platform_user_id, display_name, linked_at) "
            "VALUES (?, ?, ?, ?, ?)", ((n, platform, str(10**17 + n), f"member{n}", when) for n in range(1, count + 1)))


def config_for(path: Path, extra: str = "") -> HearthConfig:
    config_file = path.parent / "config.toml"
    config_file.write_text(f'data_dir = "{path.parent}"\n[database]\nurl = "sqlite+aiosqlite:///{path}"\n{extra}')
    return load_config(config_file, environ={})


def build_app(path: Path, extra: str = "") -> tuple[Hearth, ManualClock]:
    clock = ManualClock(START)
    return Hearth(config_for(path, extra), Secrets(instance=b"bench-secret"), clock=clock), clock


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
