"""`hearth run` with no tokens and no terminal: serves the web server until SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.sql import query

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_run_without_tokens_serves_healthz_and_stops_on_sigterm(tmp_path: Path) -> None:
    # A SQLite file that doesn't exist yet, on purpose: `hearth run` creates and migrates it itself (PostgreSQL
    # waits for `hearth db upgrade`; the Discord and Telegram `hearth run` tests cover it on either backend).
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "sqlite+aiosqlite:///{tmp_path}/data/h.db"\n')
    env = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": str(port)}
    process = subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        body = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                    assert response.status == 200
                    body = json.loads(response.read())
            except OSError:
                time.sleep(0.1)
        assert body == {"status": "ok", "database": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as response:
            assert b"hearth_events_published" in response.read()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
    stderr = process.stderr.read() if process.stderr else ""
    assert process.returncode == 0, stderr
    assert "HEARTH_DISCORD_TOKEN" in stderr and "until SIGTERM" in stderr
    assert (tmp_path / "data" / "secret").exists()


def test_invalid_config_exits_non_zero_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[web]\nport = -5\n")
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config)}, timeout=60)
    assert result.returncode == 2
    assert "web.port: Input should be greater than or equal to 0" in result.stderr


def test_corrupt_database_is_refused_and_left_alone(tmp_path: Path) -> None:
    database = tmp_path / "h.db"
    database.write_bytes(b"garbage" * 500)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "sqlite+aiosqlite:///{database}"\n')
    result = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], capture_output=True, text=True,
                            cwd=ROOT, env={"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config)}, timeout=60)
    assert result.returncode == 3 and "not a usable SQLite database" in result.stderr
    assert database.read_bytes() == b"garbage" * 500


def test_newer_schema_is_refused(tmp_path: Path, database_url: str) -> None:
    query(database_url, "DELETE FROM alembic_version")
    query(database_url, "INSERT INTO alembic_version (version_num) VALUES ('9999_future')")
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{database_url}"\n')
    result = subprocess.run([sys.executable, "-m", "bot", "run"], capture_output=True, text=True, cwd=ROOT,
                            stdin=subprocess.DEVNULL,
                            env={"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config)}, timeout=60)
    assert result.returncode == 3 and "newer than this Hearth" in result.stderr
