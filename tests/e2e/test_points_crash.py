"""SIGKILL under load: every award acknowledged as durable survives, none is counted twice."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from storage.migrate import upgrade

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def load(path: Path, *args: str) -> subprocess.Popen[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.points_load", str(path), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_kill_under_load_loses_no_acknowledged_award_and_doubles_none(tmp_path: Path) -> None:
    database = tmp_path / "hearth.db"
    upgrade(f"sqlite+aiosqlite:///{database}")
    process = load(database)
    acknowledged: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("ack "):
            acknowledged.append(line.split()[1])
        if len(acknowledged) >= 3000:
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert len(acknowledged) >= 3000, process.stderr.read() if process.stderr else ""

    with sqlite3.connect(database) as connection:
        stored = {key for (key,) in connection.execute("SELECT source_key FROM points_ledger")}
        assert set(acknowledged) <= stored  # nothing acknowledged was lost
        # Aggregates agree with the ledger after the crash: they were written in the same transaction.
        mismatched = connection.execute(
            "SELECT COUNT(*) FROM member_points p JOIN (SELECT member_id, SUM(amount) AS total FROM points_ledger "
            "GROUP BY member_id) l ON l.member_id = p.member_id WHERE p.lifetime != l.total").fetchone()[0]
        assert mismatched == 0
        before = connection.execute("SELECT COUNT(*), SUM(amount) FROM points_ledger").fetchone()

    # Restart and replay the same events (a gateway replay after reconnect): nothing counts twice.
    replay = load(database, "--start", "0", "--count", str(before[0]))
    out, err = replay.communicate(timeout=120)
    assert replay.returncode == 0, err
    assert "done" in out
    assert not [line for line in out.splitlines() if line.startswith("ack ")]  # every one was a duplicate
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT COUNT(*), SUM(amount) FROM points_ledger").fetchone() == before
        totals = connection.execute("SELECT SUM(lifetime) FROM member_points").fetchone()[0]
        assert totals == before[1]
