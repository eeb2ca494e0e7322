"""Read latency at scale: `/profile` and `/leaderboard` through the real command path.

Seeds N members with points and 10 ledger rows each (set-up, not measured), starts the app, then
times commands as a member would send them. Baseline (same run): a bare ``SELECT 1`` round trip
through the same async engine — the floor any command pays. ``--database postgresql`` runs the same against a
throwaway PostgreSQL server, seeded with the same rows by binary COPY.

    python -m bench.queries [--members 1000000] [--samples 2000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from array import array
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import text

from bench.seeding import Seeder
from bench.support import START, BenchDatabase, add_database_option, build_app, open_backend, rss_mb, seed_members
from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.platform import Place, PlatformUser
from tests.support.memory_platform import MemoryPlatform

LEDGER_PER_MEMBER = 10


def seed_points(seeder: Seeder, members: int) -> None:
    rng = random.Random(3)
    # A year of history: the awards are spread over the 365 days before the run, as a live community's are.
    days = [seeder.stamp(START - timedelta(days=n, hours=1)) for n in range(365)]
    # Rows stream into the database; only each member's total is kept (4 bytes a member), for member_points.
    totals = array("i", bytes(4 * (members + 1)))

    def ledger() -> Iterator[tuple[object, ...]]:
        for member in range(1, members + 1):
            total = 0
            for n in range(LEDGER_PER_MEMBER):
                amount = rng.choice((1, 2, 10, 25, 40))
                total += amount
                yield f"seed:{member}:{n}", member, "message", amount, days[(member * 7 + n * 37) % 365]
            totals[member] = total

    seeder.insert("points_ledger", ("source_key", "member_id", "rule", "amount", "created_at"), ledger())
    seeder.insert("member_points", ("member_id", "lifetime", "week", "week_points", "season_id", "season_points",
                                    "helpers", "creators", "referrers"),
                  ((member, total, "w2026-10", total % 97, 0, 0, total % 5, total % 3, 0)
                   for member, total in enumerate(totals) if member))


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(database: BenchDatabase, members: int, samples: int) -> dict[str, float]:
    # The points feature's read path; other features' /profile lines add their own look-ups.
    app, _clock = build_app(database, '[cogs]\nenabled = ["help", "profile", "link", "points"]\n'
                                      '[points]\nwriter = "inline"\n')
    started = time.perf_counter()
    await app.start(web=False)
    startup = time.perf_counter() - started
    platform = MemoryPlatform(name="discord")
    place = Place(platform="discord", chat_id="900", guild_id="1")
    rng = random.Random(11)

    async def timed(command: str) -> float:
        member = rng.randrange(1, members + 1)
        user = PlatformUser("discord", str(10**17 + member), f"member{member}")
        invocation = Invocation(platform=platform, actor=user, place=place, role=Permission.MEMBER, text=command)
        begin = time.perf_counter()
        outcome = await app.dispatcher.dispatch(invocation)
        elapsed = (time.perf_counter() - begin) * 1000
        assert outcome.status == "ok", outcome.replies
        return elapsed

    async def select_one() -> float:
        begin = time.perf_counter()
        async with app.database.session() as session:
            await session.execute(text("SELECT 1"))
        return (time.perf_counter() - begin) * 1000

    for _ in range(50):  # warm caches and connections
        await timed("profile")
        await timed("leaderboard")
    profile = [await timed("profile") for _ in range(samples)]
    board = [await timed("leaderboard") for _ in range(samples)]
    week = [await timed("leaderboard week") for _ in range(samples // 4)]
    floor = [await select_one() for _ in range(samples)]
    await app.stop()
    return {
        "profile_p50": statistics.median(profile), "profile_p99": percentile(profile, 0.99),
        "leaderboard_p50": statistics.median(board), "leaderboard_p99": percentile(board, 0.99),
        "leaderboard_week_p99": percentile(week, 0.99),
        "select1_p99": percentile(floor, 0.99), "startup_s": startup,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=2000)
    add_database_option(parser)
    args = parser.parse_args()
    with open_backend(args.database) as backend:
        database = backend.new_database()
        print(f"seeding {args.members:,} members and {args.members * LEDGER_PER_MEMBER:,} ledger rows…", flush=True)
        started = time.perf_counter()
        with database.seeder() as seeder:
            seed_members(seeder, args.members)
            seed_points(seeder, args.members)
        print(f"database={args.database} seed_s={time.perf_counter() - started:.1f}", flush=True)
        result = asyncio.run(measure(database, args.members, args.samples))
    print(f"startup_s={result['startup_s']:.2f} baseline_select1_p99_ms={result['select1_p99']:.2f} "
          f"profile_p50_ms={result['profile_p50']:.2f} leaderboard_p50_ms={result['leaderboard_p50']:.2f} "
          f"leaderboard_week_p99_ms={result['leaderboard_week_p99']:.2f}")
    print(f"members={args.members} profile_p99_ms={result['profile_p99']:.2f} "
          f"leaderboard_p99_ms={result['leaderboard_p99']:.2f} rss_mb={rss_mb():.0f}")


if __name__ == "__main__":
    main()
