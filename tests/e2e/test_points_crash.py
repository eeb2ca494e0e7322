"""SIGKILL under load: every award acknowledged as durable survives, none is counted twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.sql import query

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def load(url: str, data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "tests.support.points_load", url, str(data_dir), *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_kill_under_load_loses_no_acknowledged_award_and_doubles_none(tmp_path: Path, database_url: str) -> None:
    process = load(database_url, tmp_path)
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

    stored = {key for (key,) in query(database_url, "SELECT source_key FROM points_ledger")}
    assert set(acknowledged) <= stored  # nothing acknowledged was lost
    # Aggregates agree with the ledger after the crash: they were written in the same transaction.
    [(mismatched,)] = query(
        database_url, "SELECT COUNT(*) FROM member_points p JOIN (SELECT member_id, SUM(amount) AS total "
        "FROM points_ledger GROUP BY member_id) l ON l.member_id = p.member_id WHERE p.lifetime != l.total")
    assert mismatched == 0
    [before] = query(database_url, "SELECT COUNT(*), SUM(amount) FROM points_ledger")

    # Restart and replay the same events (a gateway replay after reconnect): nothing counts twice.
    replay = load(database_url, tmp_path, "--start", "0", "--count", str(before[0]))
    out, err = replay.communicate(timeout=120)
    assert replay.returncode == 0, err
    assert "done" in out
    assert not [line for line in out.splitlines() if line.startswith("ack ")]  # every one was a duplicate
    assert query(database_url, "SELECT COUNT(*), SUM(amount) FROM points_ledger") == [before]
    [(totals,)] = query(database_url, "SELECT SUM(lifetime) FROM member_points")
    assert totals == before[1]
