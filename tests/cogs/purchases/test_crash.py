"""SIGKILL the real `hearth run` right after its 200s: after a restart every accepted delivery is processed once."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, PurchaseCustomer
from tests.cogs.purchases import signing
from tests.support.sql import in_session, query

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
ORDERS = 400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def wait_until_up(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("hearth run did not come up")


def deliver(port: int, bodies: list[bytes]) -> list[str]:
    """All at once, as a store's burst would come."""

    async def burst() -> list[str]:
        async with aiohttp.ClientSession() as session:
            async def one(body: bytes) -> str:
                async with session.post(f"http://127.0.0.1:{port}/webhooks/shopify", data=body,
                                        headers=signing.shopify(body, "orders/paid")) as response:
                    assert response.status == 200
                    return str((await response.json())["status"])

            return list(await asyncio.gather(*(one(body) for body in bodies)))

    return asyncio.run(burst())


async def buyer_with_a_claimed_order(session: AsyncSession) -> int:
    """A member who claimed an earlier order: every order below counts for them (points: one award per order)."""
    at = datetime(2026, 1, 1, tzinfo=UTC)
    member = Member(display_name="Ana", joined_at=at)
    session.add(member)
    await session.flush()
    session.add(PurchaseCustomer(customer_key=signing.customer_key("ana@example.com"), member_id=member.id,
                                 linked_at=at))
    return member.id


def test_sigkill_after_200_then_restart_processes_every_delivery_exactly_once(tmp_path: Path,
                                                                              database_url: str) -> None:
    port = free_port()
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "{database_url}"\n')
    env = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": str(port),
           "HEARTH_SECRET": signing.INSTANCE_SECRET.decode(),
           "HEARTH_SHOPIFY_WEBHOOK_SECRET": signing.SECRETS["shopify"]}
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    ana = in_session(database_url, buyer_with_a_claimed_order)
    bodies = [signing.encode(signing.shopify_order(10_000 + n, email="ana@example.com", total=f"{n + 1}.00"))
              for n in range(ORDERS)]

    first = start(env)
    try:
        wait_until_up(port, first)
        answers = deliver(port, bodies)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            first.kill()
    assert answers == ["accepted"] * ORDERS
    # Every 200 was durable: all deliveries are in the inbox, whatever the worker had got to.
    assert query(database_url, "SELECT count(*) FROM purchase_inbox") == [(ORDERS,)]
    left = query(database_url, "SELECT count(*) FROM purchase_inbox WHERE processed_at IS NULL")[0][0]
    # The kill lands while the worker is still busy (about 300 of 400 are typically left), so the restart
    # really has leftovers to drain.
    assert left > 0

    second = start(env)
    try:
        wait_until_up(port, second)
        deadline = time.monotonic() + 60
        done_sql = ("SELECT (SELECT count(*) FROM purchase_inbox WHERE processed_at IS NULL), "
                    "(SELECT count(*) FROM purchases WHERE version > effects_version), "
                    "(SELECT count(*) FROM points_ledger WHERE source_key LIKE 'shopify:order:%')")
        while time.monotonic() < deadline and query(database_url, done_sql) != [(0, 0, ORDERS)]:
            time.sleep(0.2)
        assert query(database_url, done_sql) == [(0, 0, ORDERS)], f"{left} were unprocessed at the kill"
        # Retries after the restart are recognised as the same deliveries.
        assert set(deliver(port, bodies[:50])) == {"duplicate"}
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    finally:
        if second.poll() is None:
            second.kill()
    assert second.returncode == 0, second.stderr.read() if second.stderr else ""
    totals_sql = ("SELECT count(*), sum(CASE WHEN status = 'paid' THEN 1 ELSE 0 END), "
                  "sum(CASE WHEN member_id = :ana THEN 1 ELSE 0 END) FROM purchases")
    assert query(database_url, totals_sql, {"ana": ana}) == [(ORDERS, ORDERS, ORDERS)]
    expected_points = sum(range(1, ORDERS + 1))
    assert query(database_url, "SELECT lifetime FROM member_points WHERE member_id = :ana", {"ana": ana}) == [
        (expected_points,)]
    assert query(database_url, "SELECT count(*) FROM points_ledger") == [(ORDERS,)]
