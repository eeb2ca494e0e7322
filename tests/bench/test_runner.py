"""``python -m bench``: the table from the benchmarks' ``key=value`` output, missing PostgreSQL, one real run.

The benchmarks themselves are too slow for the suite at any size worth measuring; these tests keep the runner
and its plumbing from rotting: parsing, the table's columns, both databases, and a tiny run end to end.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import bench.__main__ as runner
from bench import support
from bench.__main__ import Outcome, build_table, parse_figures, run_all
from bench.support import UNAVAILABLE, open_backend
from tests.support.postgres import PostgresUnavailable

ROOT = Path(__file__).resolve().parents[2]

# What the benchmarks print (their lines and keys; the figures are made up).
OUTPUTS = {
    ("events", "sqlite"): """database=sqlite seed_s=0.1 rss_mb=180
members=5000 events=50000 ledger_rows=18450 durable_p99_ms=120 (submit → committed, per batch; target ≤ 250)
events_per_s=9500 baseline_rows_per_s=210000 ratio=0.045
""",
    ("events", "postgresql"): """database=postgresql seed_s=0.3 rss_mb=175
members=5000 events=50000 ledger_rows=18450 durable_p99_ms=300 (submit → committed, per batch; target ≤ 250)
postgresql_baseline_rows_per_s=20000 sqlite_baseline_rows_per_s=200000 ratio_vs_sqlite=0.030
events_per_s=6000 baseline_rows_per_s=20000 ratio=0.300
""",
    ("queries", "postgresql"): """seeding 20,000 members and 200,000 ledger rows…
database=postgresql seed_s=4.2
startup_s=0.61 baseline_select1_p99_ms=1.10 profile_p50_ms=3.20 leaderboard_p50_ms=2.10 leaderboard_week_p99_ms=5.00
members=20000 profile_p99_ms=9.80 leaderboard_p99_ms=6.40 rss_mb=131
""",
    ("webhooks", "sqlite"): """deliveries=2000 clients=2x64 inbox_rows=2000 orders=2000 commits=80
backlog_after_intake=0 processing_backlog_drained_s=0.10
baseline_noop_per_s=4000 baseline_p99_ms=40.0 ratio=0.500
database=sqlite rss_mb=120
deliveries_per_s=2000 p99_ms=90.0
""",
    ("proof", "sqlite"): """database=sqlite seed_s=1.5 (seeded 20,000 members)
snapshot_build_ms=95 proof_json_p99_ms=2.79 baseline_healthz_p50_ms=2.01 baseline_healthz_p99_ms=4.00
members=20000 proof_p50_ms=0.46 proof_p99_ms=1.86 healthz_p99_ms=4.00 rss_mb=140
""",
}


def table_rows(table: str) -> dict[tuple[str, str], dict[str, str]]:
    """The Markdown table back as {(benchmark, database): {column: cell}}."""
    lines = table.splitlines()
    headers = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = [dict(zip(headers, (cell.strip() for cell in line.strip("|").split("|")), strict=True))
            for line in lines[2:]]
    return {(row["benchmark"], row["database"]): row for row in rows}


def test_the_table_has_every_key_figure() -> None:
    outcomes = [Outcome(name, database, "ok", parse_figures(output), 12.4)
                for (name, database), output in OUTPUTS.items()]
    outcomes.append(Outcome("queries", "sqlite", "failed", seconds=3, note="FAILED (exit 1): AssertionError"))
    rows = table_rows(build_table(outcomes))

    # Grouped by benchmark, SQLite before PostgreSQL, whatever order they ran in.
    assert list(rows) == [("events", "sqlite"), ("events", "postgresql"), ("queries", "sqlite"),
                          ("queries", "postgresql"), ("webhooks", "sqlite"), ("proof", "sqlite")]
    events = rows["events", "sqlite"]
    assert (events["events/s"], events["baseline/s"], events["ratio"], events["vs raw SQLite"]) == (
        "9,500", "210,000", "0.045", "0.045")
    assert (events["RSS MB"], events["seconds"], events["note"]) == ("180", "12", "5,000 members, 50,000 events")
    on_postgres = rows["events", "postgresql"]
    assert (on_postgres["baseline/s"], on_postgres["ratio"], on_postgres["vs raw SQLite"]) == (
        "20,000", "0.300", "0.030")
    queries = rows["queries", "postgresql"]
    assert queries["profile p50 / p99 ms"] == "3.20 / 9.80"
    assert queries["leaderboard p50 / p99 ms"] == "2.10 / 6.40"
    assert (queries["startup s"], queries["RSS MB"], queries["seed s"]) == ("0.61", "131", "4.2")
    webhooks = rows["webhooks", "sqlite"]
    assert (webhooks["deliveries/s"], webhooks["baseline/s"], webhooks["ratio"]) == ("2,000", "4,000", "0.500")
    assert webhooks["events/s"] == webhooks["vs raw SQLite"] == ""
    assert rows["proof", "sqlite"]["proof p50 / p99 ms"] == "0.46 / 1.86"
    assert rows["queries", "sqlite"]["note"] == "FAILED (exit 1): AssertionError"


def test_without_postgresql_its_rows_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[tuple[str, str]] = []

    def fake(name: str, database: str, extra: list[str]) -> Outcome:
        ran.append((name, database))
        if database == "postgresql":
            return Outcome(name, database, "unavailable", note="PostgreSQL unavailable: binaries not found")
        return Outcome(name, database, "ok", parse_figures(OUTPUTS.get((name, database), "")))

    monkeypatch.setattr(runner, "run_benchmark", fake)
    outcomes = run_all(runner.PLANS["tiny"], ("sqlite", "postgresql"), ())
    # One try tells: the other PostgreSQL benchmarks aren't started.
    assert [database for _, database in ran].count("postgresql") == 1
    rows = table_rows(build_table(outcomes))
    assert all(rows[name, "postgresql"]["note"] == "PostgreSQL unavailable: binaries not found"
               for name in runner.PLANS["tiny"])
    assert runner.main(["--size", "tiny"]) == 0  # unavailable is not a failure


def test_a_benchmark_exits_unavailable_when_postgresql_cannot_start(monkeypatch: pytest.MonkeyPatch,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def missing(durable: bool = False) -> None:
        raise PostgresUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")

    monkeypatch.setattr(support, "start_postgres", missing)
    with pytest.raises(SystemExit) as exited, open_backend("postgresql"):
        pytest.fail("no backend without a server")
    assert exited.value.code == UNAVAILABLE
    assert "PostgreSQL server binaries not found" in capsys.readouterr().err


@pytest.mark.slow
def test_a_tiny_run_on_both_databases() -> None:
    """The real runner and a real benchmark, on SQLite and on a PostgreSQL server of its own."""
    result = subprocess.run([sys.executable, "-m", "bench", "--size", "tiny", "queries"], cwd=ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    table = result.stdout[result.stdout.index("| benchmark"):]
    rows = table_rows(table)
    assert float(rows["queries", "sqlite"]["profile p50 / p99 ms"].split(" / ")[1]) > 0
    on_postgres = rows["queries", "postgresql"]
    if on_postgres["note"].startswith("PostgreSQL unavailable"):
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {on_postgres['note']}")
        return
    for column in ("profile p50 / p99 ms", "leaderboard p50 / p99 ms", "startup s", "RSS MB", "seed s"):
        assert on_postgres[column], (column, table)
