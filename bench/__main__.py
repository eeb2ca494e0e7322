"""``make bench``: run every benchmark in ``bench/`` on SQLite, then on PostgreSQL, and print one table.

Each benchmark is its own module printing ``key=value`` lines (the last line is the headline, with its
same-run baseline); this runner runs each in a subprocess, echoes its output, collects every ``key=value``
pair and prints one row per benchmark and database. ``--quick`` uses small sizes for a smoke run; without
PostgreSQL server binaries the PostgreSQL rows say so instead of failing.

    python -m bench [--quick] [--database sqlite|postgresql|both] [events queries webhooks proof]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from bench.support import BACKENDS, UNAVAILABLE

PLANS: dict[str, dict[str, list[str]]] = {
    "full": {
        "events": ["--members", "100000", "--events", "500000"],
        "queries": ["--members", "1000000", "--samples", "2000"],
        "webhooks": [],
        "proof": ["--members", "1000000", "--requests", "2000"],
    },
    "quick": {
        "events": ["--members", "5000", "--events", "50000"],
        "queries": ["--members", "20000", "--samples", "300"],
        "webhooks": ["--deliveries", "2000"],
        "proof": ["--members", "20000", "--requests", "300"],
    },
    # Seconds per benchmark: only proves the runner and every benchmark still work (tests/bench).
    "tiny": {
        "events": ["--members", "200", "--events", "2000"],
        "queries": ["--members", "300", "--samples", "20"],
        "webhooks": ["--deliveries", "200", "--connections", "4"],
        "proof": ["--members", "300", "--requests", "20"],
    },
}
PAIR = re.compile(r"(\w+)=(\S+)")


@dataclass
class Outcome:
    name: str
    database: str
    status: str  # "ok", "failed" or "unavailable"
    figures: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    note: str = ""


def parse_figures(output: str) -> dict[str, str]:
    """Every ``key=value`` pair of a benchmark's output; a key printed twice keeps its last value."""
    return {key: value for line in output.splitlines() for key, value in PAIR.findall(line)}


def _number(value: str | None) -> str:
    if value is None:
        return ""
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number:,.0f}" if abs(number) >= 1000 else value


def _pair(p50: str, p99: str) -> Callable[[Outcome], str]:
    def cell(outcome: Outcome) -> str:
        low, high = outcome.figures.get(p50), outcome.figures.get(p99)
        return f"{low} / {high}" if low and high else ""
    return cell


def _figure(*keys: str) -> Callable[[Outcome], str]:
    """The first of ``keys`` the benchmark printed (benchmarks name their baselines differently)."""
    def cell(outcome: Outcome) -> str:
        return next((_number(outcome.figures[key]) for key in keys if key in outcome.figures), "")
    return cell


def _vs_sqlite(outcome: Outcome) -> str:
    # On SQLite the headline's ratio already is against the raw SQLite baseline; on PostgreSQL it is printed apart.
    if "ratio_vs_sqlite" in outcome.figures:
        return outcome.figures["ratio_vs_sqlite"]
    return outcome.figures.get("ratio", "") if outcome.name == "events" and outcome.database == "sqlite" else ""


def _note(outcome: Outcome) -> str:
    if outcome.status != "ok":
        return outcome.note
    sizes = (("members", "members"), ("events", "events"), ("deliveries", "deliveries"))
    return ", ".join(f"{_number(outcome.figures[key])} {label}" for key, label in sizes if key in outcome.figures)


COLUMNS: tuple[tuple[str, Callable[[Outcome], str]], ...] = (
    ("benchmark", lambda outcome: outcome.name),
    ("database", lambda outcome: outcome.database),
    ("events/s", _figure("events_per_s")),
    ("baseline/s", _figure("baseline_rows_per_s", "baseline_noop_per_s")),
    ("ratio", _figure("ratio")),
    ("vs raw SQLite", _vs_sqlite),
    ("deliveries/s", _figure("deliveries_per_s")),
    ("profile p50 / p99 ms", _pair("profile_p50_ms", "profile_p99_ms")),
    ("leaderboard p50 / p99 ms", _pair("leaderboard_p50_ms", "leaderboard_p99_ms")),
    ("proof p50 / p99 ms", _pair("proof_p50_ms", "proof_p99_ms")),
    ("startup s", _figure("startup_s")),
    ("RSS MB", _figure("rss_mb")),
    ("seed s", _figure("seed_s")),
    ("seconds", lambda outcome: f"{outcome.seconds:.0f}"),
    ("note", _note),
)


def build_table(outcomes: Sequence[Outcome]) -> str:
    """A Markdown table, rows grouped by benchmark so each one's SQLite and PostgreSQL figures sit together."""
    order = {name: index for index, name in enumerate(PLANS["full"])}
    rows = sorted(outcomes, key=lambda o: (order.get(o.name, len(order)), BACKENDS.index(o.database)))
    lines = ["| " + " | ".join(header for header, _ in COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for outcome in rows:
        lines.append("| " + " | ".join(cell(outcome).replace("|", "/") for _, cell in COLUMNS) + " |")
    return "\n".join(lines)


def run_benchmark(name: str, database: str, extra: Sequence[str]) -> Outcome:
    """One benchmark in its own process (a clean RSS and event loop each), its output echoed as it comes."""
    command = [sys.executable, "-m", f"bench.{name}", *extra, "--database", database]
    print(f"== bench.{name} {' '.join(command[3:])}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as errors:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, text=True) as process:
            assert process.stdout is not None
            output = []
            for line in process.stdout:
                sys.stdout.write(line)
                sys.stdout.flush()
                output.append(line)
        errors.seek(0)
        stderr = errors.read().strip()
    seconds = time.perf_counter() - started
    if process.returncode == UNAVAILABLE:
        reason = stderr.splitlines()[-1] if stderr else "PostgreSQL unavailable"
        return Outcome(name, database, "unavailable", seconds=seconds, note=reason)
    if process.returncode != 0:
        sys.stdout.write(stderr[-2000:] + "\n")
        last = stderr.splitlines()[-1] if stderr else ""
        return Outcome(name, database, "failed", seconds=seconds, note=f"FAILED (exit {process.returncode}): {last}")
    return Outcome(name, database, "ok", parse_figures("".join(output)), seconds)


def run_all(plan: dict[str, list[str]], databases: Sequence[str], only: Sequence[str]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    for database in databases:
        missing: str | None = None
        for name, extra in plan.items():
            if only and name not in only:
                continue
            if missing is not None:  # one try per database is enough to know its server can't start here
                outcomes.append(Outcome(name, database, "unavailable", note=missing))
                continue
            outcome = run_benchmark(name, database, extra)
            if outcome.status == "unavailable":
                missing = outcome.note
            outcomes.append(outcome)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_const", const="quick", dest="size",
                        help="small sizes: a smoke run of everything on both databases in a few minutes")
    parser.add_argument("--size", choices=sorted(PLANS), default="full",
                        help="full (default; 1M members: seeding alone takes minutes), quick, or tiny (seconds)")
    parser.add_argument("--database", choices=(*BACKENDS, "both"), default="both",
                        help="run on sqlite, postgresql (a throwaway server on 127.0.0.1), or both (default)")
    parser.add_argument("only", nargs="*", metavar="benchmark",
                        help=f"benchmarks to run (default: all of {', '.join(PLANS['full'])})")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.only) - set(PLANS["full"]))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(PLANS['full'])})")
    databases = BACKENDS if args.database == "both" else (args.database,)
    outcomes = run_all(PLANS[args.size], databases, args.only)
    print(f"\nbench ({args.size} sizes)\n")
    print(build_table(outcomes))
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
