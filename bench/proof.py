"""The proof page at scale: ``GET /proof`` through the real aiohttp app over loopback.

Seeds N members with points (1% opted in to the proof page), a month of daily activity, orders, approved
member content, rituals and shipped ideas in bulk (set-up, not measured), starts the app with
its web server, and times requests as a store's visitors would make them. Baseline (same run): ``GET /healthz``
over the same connection — the floor any request to this server pays. Also timed: building the snapshot the
page is served from (what happens at most once every ``[proof] cache_seconds``, off the request path).

    python -m bench.proof [--members 1000000] [--requests 2000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from datetime import timedelta

import aiohttp

from bench.seeding import Seeder
from bench.support import START, BenchDatabase, add_database_option, build_app, open_backend, rss_mb, seed_members


def seed_community(seeder: Seeder, members: int) -> None:
    rng = random.Random(5)
    when = seeder.stamp(START)
    month = START.replace(day=1)
    seeder.insert("member_points", ("member_id", "lifetime", "week", "week_points", "season_points", "helpers",
                                    "creators", "referrers"),
                  ((n, rng.randrange(1, 50_000), "w2026-10", 0, 0, 0, 0, 0) for n in range(1, members + 1)))
    seeder.insert("member_preferences", ("member_id", "show_on_leaderboard", "allow_dms", "show_on_proof",
                                         "changed_at"),
                  ((n, True, True, True, when) for n in range(1, members + 1, 100)))
    active = max(1, members // 20)  # 5% of members active on a given day
    days = [(month + timedelta(days=d)).date().isoformat() for d in range((START - month).days + 1)]
    seeder.insert("metrics_member_days", ("day", "member_id", "posts", "reactions", "interactions"),
                  ((day, n, rng.randrange(1, 6), rng.randrange(0, 4), rng.randrange(0, 2))
                   for day in days for n in rng.sample(range(1, members + 1), active)))
    seeder.insert("purchases", ("provider", "order_id", "status", "provider_status", "amount_minor", "currency",
                                "refunded_minor", "member_id", "claim_hash", "items", "created_at", "first_seen_at",
                                "version", "effects_version", "counted", "reversal_announced",
                                "announced_refund_minor", "points", "points_reversed"),
                  (("shopify", str(n), "paid", "paid", 4500, "EUR", 0, n * 7 % members + 1 if n % 3 else None,
                    f"c{n}", "[]", when, when, 1, 1, True, False, 0, 45, False)
                   for n in range(1, members // 10 + 1)))
    seeder.insert("ugc_submissions", ("member_id", "kind", "source", "content_key", "text", "media_url",
                                      "media_type", "place_key", "consent", "status", "featured", "created_at",
                                      "reviewed_at"),
                  ((n, "photo", "share", f"k{n}", f"My setup number {n}", f"https://cdn.example.com/{n}.jpg",
                    "image/jpeg", "discord:1", "yes", "approved", n % 50 == 0, when, when)
                   for n in range(1, min(members, 5_000) + 1)))
    seeder.insert("ideas", ("title", "author_member_id", "created_at", "status", "status_changed_at", "shipped_at",
                            "votes"),
                  ((f"Idea {n}", n, when, "shipped", when, when, rng.randrange(1, 500)) for n in range(1, 51)))
    seeder.execute("UPDATE rituals SET held_count = 40")


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def measure(database: BenchDatabase, requests: int) -> dict[str, float]:
    # Only what the page needs: other cogs' start-up work (a tier reconcile of every member, the metrics refresh)
    # would run beside the requests and measure them instead of the page.
    app, _clock = build_app(database, '\n[web]\nport = 0\n[points]\nwriter = "inline"\n[cogs]\n'
                                      'enabled = ["help", "profile", "link", "points", "privacy", "proof"]\n')
    await app.start(web=True)
    assert app.web_server is not None
    proof = next(cog for cog in app.cogs if cog.name == "proof")
    builds = []
    for _ in range(3):
        begin = time.perf_counter()
        await proof.service._build()  # type: ignore[attr-defined]
        builds.append((time.perf_counter() - begin) * 1000)
    base = f"http://127.0.0.1:{app.web_server.port}"
    async with aiohttp.ClientSession() as session:

        async def timed(path: str) -> float:
            begin = time.perf_counter()
            async with session.get(base + path) as response:
                assert response.status == 200, await response.text()
                await response.read()
            return (time.perf_counter() - begin) * 1000

        for _ in range(50):  # warm the connection and the code paths
            await timed("/proof")
            await timed("/healthz")
        page = [await timed("/proof") for _ in range(requests)]
        health = [await timed("/healthz") for _ in range(requests)]
        data = [await timed("/proof.json") for _ in range(requests // 4)]
    await app.stop()
    return {"proof_p50": statistics.median(page), "proof_p99": percentile(page, 0.99),
            "healthz_p50": statistics.median(health), "healthz_p99": percentile(health, 0.99),
            "json_p99": percentile(data, 0.99), "build_ms": statistics.median(builds)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=2000)
    add_database_option(parser)
    args = parser.parse_args()
    with open_backend(args.database) as backend:
        database = backend.new_database()
        started = time.perf_counter()
        with database.seeder() as seeder:
            seed_members(seeder, args.members)
            seed_community(seeder, args.members)
        print(f"database={args.database} seed_s={time.perf_counter() - started:.1f} "
              f"(seeded {args.members:,} members)", flush=True)
        result = asyncio.run(measure(database, args.requests))
    print(f"snapshot_build_ms={result['build_ms']:.0f} proof_json_p99_ms={result['json_p99']:.2f} "
          f"baseline_healthz_p50_ms={result['healthz_p50']:.2f} baseline_healthz_p99_ms={result['healthz_p99']:.2f}")
    print(f"members={args.members} proof_p50_ms={result['proof_p50']:.2f} proof_p99_ms={result['proof_p99']:.2f} "
          f"healthz_p99_ms={result['healthz_p99']:.2f} rss_mb={rss_mb():.0f}")


if __name__ == "__main__":
    main()
