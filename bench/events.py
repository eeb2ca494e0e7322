"""Points pipeline throughput: synthetic chat events for many members, through the real app into its database.

Baseline (same run): raw ``sqlite3.executemany`` of as many ledger rows as the pipeline wrote, into a
fresh database of the same schema, in one transaction. With ``--database postgresql`` the pipeline writes to a
throwaway PostgreSQL server, and the headline's baseline is the same rows through raw asyncpg ``executemany``
into a fresh database of the same schema on that server (one transaction), so its ratio compares like with
like; the SQLite baseline is still measured and printed beside it (``ratio_vs_sqlite``).

    python -m bench.events [--members 100000] [--events 500000] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import time
from datetime import timedelta

import asyncpg
from sqlalchemy.engine import make_url

from bench.support import (
    START,
    BenchDatabase,
    add_database_option,
    build_app,
    open_backend,
    rss_mb,
    seed_members,
)
from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place, PlatformUser

WORDS = ("espresso", "grinder", "latte", "roast", "beans", "crema", "pour", "over", "kettle", "filter",
         "aeropress", "moka", "cold", "brew", "oat", "milk", "cup", "mug", "ritual", "morning", "flavour",
         "aroma", "acidity", "body", "sweet", "bitter", "chocolate", "fruit", "nutty", "washed", "natural",
         "honey", "process", "burr", "blade", "dose", "yield", "ratio", "bloom", "tamp", "puck", "shot",
         "timer", "scale", "water", "temperature", "origin", "ethiopia", "kenya", "colombia", "brazil",
         "guatemala", "decaf", "single", "blend", "subscription", "refill", "gift", "review", "tip")


def build_events(members: int, count: int, seed: int = 7) -> list[object]:
    rng = random.Random(seed)
    places = [Place(platform="discord", chat_id=str(900 + n), guild_id="1") for n in range(8)]
    users = [PlatformUser("discord", str(10**17 + n), f"member{n}") for n in range(1, members + 1)]
    events: list[object] = []
    recent: list[tuple[MessageRef, PlatformUser]] = []
    for index in range(count):
        # Each member's events are 100+ simulated seconds apart: cooldowns pass, as in a real community.
        at = START + timedelta(milliseconds=index)
        author = users[index % members]
        if recent and index % 10 >= 7:
            message, message_author = recent[rng.randrange(len(recent))]
            events.append(ReactionAdded(message=message, user=author, emoji="🔥", at=at,
                                        message_author=message_author))
        else:
            message = MessageRef(places[index % len(places)], str(10**18 + index))
            text = " ".join(rng.choice(WORDS) for _ in range(8))
            events.append(MessagePosted(message=message, author=author, text=text, at=at))
            recent.append((message, author))
            if len(recent) > 5000:
                recent.pop(0)
    return events


async def run_pipeline(database: BenchDatabase, members: int, count: int) -> tuple[float, int, float]:
    # The points pipeline and what it needs; badges/tiers evaluate the same awards later, off this path.
    app, clock = build_app(database, '[cogs]\nenabled = ["help", "profile", "link", "points"]\n')
    await app.start(web=False)
    events = build_events(members, count)
    publish = app.bus.publish
    started = time.perf_counter()
    for index, event in enumerate(events):
        clock.set(event.at)  # type: ignore[attr-defined]
        await publish(event)  # type: ignore[arg-type]
        if index % 200 == 0:
            # Real events arrive through sockets, so the loop runs other tasks between them: the writer too.
            await asyncio.sleep(0)
    await app.points.flush()
    elapsed = time.perf_counter() - started
    written = app.points.awards_written
    latencies = sorted(app.points.durable_latency)
    durable_p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else 0.0
    await app.stop()
    return count / elapsed, written, durable_p99


def ledger_rows(rows: int, when: object) -> list[tuple[object, ...]]:
    return [(f"discord:message:{n}", 1 + n % 1000, "message", 1, when, None, None, None) for n in range(rows)]


def run_baseline(rows: int) -> float:
    with open_backend("sqlite") as backend:
        database = backend.new_database()
        with database.seeder() as seeder:
            seed_members(seeder, 1000)
        return _sqlite_baseline(database, rows)


def _sqlite_baseline(database: BenchDatabase, rows: int) -> float:
    data = ledger_rows(rows, START.strftime("%Y-%m-%d %H:%M:%S.%f"))
    with sqlite3.connect(str(database.path)) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        connection.executemany(
            "INSERT INTO points_ledger (source_key, member_id, rule, amount, created_at, season_id, note, "
            "actor_member_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", data)
        connection.commit()
        return rows / (time.perf_counter() - started)


def run_postgres_baseline(database: BenchDatabase, rows: int) -> float:
    """The SQLite baseline's counterpart on PostgreSQL: the same rows, raw asyncpg, one transaction."""
    with database.seeder() as seeder:
        seed_members(seeder, 1000)
    data = ledger_rows(rows, START)

    async def insert() -> float:
        url = make_url(database.url).set(drivername="postgresql").render_as_string(hide_password=False)
        connection = await asyncpg.connect(url)
        try:
            started = time.perf_counter()
            async with connection.transaction():
                await connection.executemany(
                    "INSERT INTO points_ledger (source_key, member_id, rule, amount, created_at, season_id, note, "
                    "actor_member_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", data)
            return rows / (time.perf_counter() - started)
        finally:
            await connection.close()

    return asyncio.run(insert())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=500_000)
    add_database_option(parser)
    args = parser.parse_args()
    with open_backend(args.database) as backend:
        database = backend.new_database()
        started = time.perf_counter()
        with database.seeder() as seeder:
            seed_members(seeder, args.members)
        seeded = time.perf_counter() - started
        events_per_s, written, durable_p99 = asyncio.run(run_pipeline(database, args.members, args.events))
        baseline = sqlite_baseline = run_baseline(max(written, 1))
        if backend.server is not None:
            baseline = run_postgres_baseline(backend.new_database(), max(written, 1))
    print(f"database={args.database} seed_s={seeded:.1f} rss_mb={rss_mb():.0f}")
    print(f"members={args.members} events={args.events} ledger_rows={written} "
          f"durable_p99_ms={durable_p99:.0f} (submit → committed, per batch; target ≤ 250)")
    if args.database != "sqlite":
        print(f"postgresql_baseline_rows_per_s={baseline:.0f} sqlite_baseline_rows_per_s={sqlite_baseline:.0f} "
              f"ratio_vs_sqlite={events_per_s / sqlite_baseline:.3f}")
    print(f"events_per_s={events_per_s:.0f} baseline_rows_per_s={baseline:.0f} ratio={events_per_s / baseline:.3f}")


if __name__ == "__main__":
    main()
