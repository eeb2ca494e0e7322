"""Store webhook intake: signed Shopify deliveries over loopback HTTP into the real app, each durable before its 200.

Clients run in separate processes (so the server's event loop has its core to itself), each with many
connections in flight, and time every request. The server verifies each HMAC, normalises and redacts
the order, and answers only after the inbox transaction committed (group commit), while the purchases
worker merges deliveries in the background as it would in production.

Baseline (same run, same clients): a no-op POST route on the same server, i.e. the loopback HTTP ceiling.
``--database postgresql`` runs the app against a throwaway PostgreSQL server instead of SQLite.

    python -m bench.webhooks [--deliveries 20000] [--clients 2] [--connections 64] [--database sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

from aiohttp import web
from sqlalchemy import text

from bench.support import BenchDatabase, add_database_option, build_app, open_backend, rss_mb
from bot.secrets import Secrets
from storage.database import Database

SECRET = "bench_shopify_secret"
TEMPLATE = {
    "currency": "USD", "financial_status": "paid", "total_price": "49.90", "created_at": "2026-03-02T09:00:00Z",
    "updated_at": "2026-03-02T09:00:00Z", "name": "#1", "email": "buyer@example.com",
    "billing_address": {"name": "Buyer Name", "address1": "1 Street", "phone": "555-0100"},
    "line_items": [{"product_id": 788032119674292922, "sku": "SKU-1", "title": "Grinder", "quantity": 1}],
    "note_attributes": [{"name": "ref", "value": "FRIEND7"}],
}


def _bodies(first: int, count: int) -> list[tuple[bytes, str]]:
    import base64
    import hashlib
    import hmac

    out = []
    for n in range(first, first + count):
        order = {**TEMPLATE, "id": 10**17 + n, "name": f"#{n}", "email": f"buyer{n % 5000}@example.com"}
        body = json.dumps(order).encode()
        signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
        out.append((body, signature))
    return out


def client(url: str, first: int, count: int, connections: int) -> tuple[float, float, list[float], int]:
    """One client process: sends its share over ``connections`` keep-alive sockets; returns start, end, latencies,
    non-200s. A bare HTTP/1.1 client: aiohttp's own client would cost more CPU than the server it measures."""
    bodies = _bodies(first, count)
    host, _, rest = url.removeprefix("http://").partition("/")
    address, _, port = host.partition(":")
    path = "/" + rest

    async def run() -> tuple[float, float, list[float], int]:
        latencies: list[float] = []
        failures = 0
        queue = iter(bodies)

        async def worker() -> None:
            nonlocal failures
            reader, writer = await asyncio.open_connection(address, int(port))
            for body, signature in queue:
                started = time.perf_counter()
                writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                             f"X-Shopify-Topic: orders/paid\r\nX-Shopify-Hmac-Sha256: {signature}\r\n"
                             f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                if not head.startswith(b"HTTP/1.1 200"):
                    failures += 1
                latencies.append(time.perf_counter() - started)
            writer.close()

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return begin, time.perf_counter(), latencies, failures

    return asyncio.run(run())


async def load(pool: ProcessPoolExecutor, url: str, deliveries: int, clients: int, connections: int,
               offset: int) -> tuple[float, float, int]:
    loop = asyncio.get_running_loop()
    share = deliveries // clients
    results = await asyncio.gather(*(loop.run_in_executor(pool, client, url, offset + i * share, share, connections)
                                     for i in range(clients)))
    start = min(r[0] for r in results)
    end = max(r[1] for r in results)
    latencies = sorted(latency for r in results for latency in r[2])
    failures = sum(r[3] for r in results)
    assert failures == 0, f"{failures} requests failed"
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    return share * clients / (end - start), p99, share * clients


async def main_async(database: BenchDatabase, deliveries: int, clients: int, connections: int) -> None:
    # The features this measures; other cogs' listeners on PurchaseRecorded are theirs to benchmark.
    app, _ = build_app(database, '[web]\nport = 0\n[cogs]\n'
                                 'enabled = ["help", "profile", "link", "points", "purchases"]\n')
    app = type(app)(app.config, Secrets(instance=b"bench-secret", webhook={"shopify": SECRET}), clock=app.clock)

    async def noop(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"status": "accepted"})

    app.web_app.router.add_post("/bench/noop", noop)
    await app.start(web=True)
    assert app.web_server is not None
    base = f"http://127.0.0.1:{app.web_server.port}"
    cog = next(c for c in app.cogs if c.name == "purchases")
    # Spawned (not forked) clients: a fork would copy the running app and its threads.
    with ProcessPoolExecutor(max_workers=clients, mp_context=multiprocessing.get_context("spawn")) as pool:
        await load(pool, f"{base}/bench/noop", min(2000, deliveries), clients, connections, 0)  # warm-up
        baseline, baseline_p99, _ = await load(pool, f"{base}/bench/noop", deliveries, clients, connections, 0)
        rate, p99, sent = await load(pool, f"{base}/webhooks/shopify", deliveries, clients, connections, 0)
    intake_done = time.perf_counter()
    backlog = await cog.worker.processor.pending_count()
    await cog.worker.run_once()  # whatever the background worker hadn't merged yet
    drained = time.perf_counter() - intake_done
    commits = cog.writer.commits
    await app.stop()
    counting = Database(database.url)
    try:
        async with counting.session() as session:
            stored = (await session.execute(text("SELECT count(*) FROM purchase_inbox"))).scalar_one()
            orders = (await session.execute(text("SELECT count(*) FROM purchases"))).scalar_one()
    finally:
        await counting.close()
    assert stored == sent and orders in (0, sent), (stored, sent, orders)
    print(f"deliveries={sent} clients={clients}x{connections} inbox_rows={stored} orders={orders} "
          f"commits={commits} deliveries_per_commit={sent / max(commits, 1):.1f}")
    print(f"backlog_after_intake={backlog} processing_backlog_drained_s={drained:.2f}")
    print(f"baseline_noop_per_s={baseline:.0f} baseline_p99_ms={baseline_p99:.1f} ratio={rate / baseline:.3f}")
    print(f"database={database.backend} rss_mb={rss_mb():.0f}")
    print(f"deliveries_per_s={rate:.0f} p99_ms={p99:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    add_database_option(parser)
    args = parser.parse_args()
    with open_backend(args.database) as backend:
        asyncio.run(main_async(backend.new_database(), args.deliveries, args.clients, args.connections))


if __name__ == "__main__":
    main()
