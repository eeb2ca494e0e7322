"""``make bench``: run every benchmark in ``bench/`` and print one table of their figures.

Each benchmark is its own module printing ``key=value`` lines (the last line is the headline, with its
same-run baseline); this runner only collects them. ``--quick`` uses small sizes for a smoke run.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time

FULL = {
    "events": ["--members", "100000", "--events", "500000"],
    "queries": ["--members", "1000000", "--samples", "2000"],
    "webhooks": [],
    "proof": ["--members", "1000000", "--requests", "2000"],
}
QUICK = {
    "events": ["--members", "5000", "--events", "50000"],
    "queries": ["--members", "20000", "--samples", "300"],
    "webhooks": ["--deliveries", "2000"],
    "proof": ["--members", "20000", "--requests", "300"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run in under a minute")
    parser.add_argument("only", nargs="*", help="benchmarks to run (default: all)")
    args = parser.parse_args()
    plans = QUICK if args.quick else FULL
    rows: list[tuple[str, str, float]] = []
    for name, extra in plans.items():
        if args.only and name not in args.only:
            continue
        if importlib.util.find_spec(f"bench.{name}") is None:
            continue
        print(f"== bench.{name} {' '.join(extra)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}", *extra], capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        sys.stdout.write(result.stdout)
        if result.returncode != 0:
            sys.stdout.write(result.stderr[-2000:])
            rows.append((name, "FAILED", elapsed))
            continue
        headline = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        rows.append((name, headline, elapsed))
    print("\n| benchmark | result (last line) | seconds |\n|---|---|---|")
    for name, headline, elapsed in rows:
        print(f"| {name} | {headline} | {elapsed:.0f} |")
    if any(headline == "FAILED" for _, headline, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
