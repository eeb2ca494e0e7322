"""`hearth sync` against the loopback store emulator: pagination, rate limits, resuming, and the CLI."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from cogs.purchases.cli import export_group, purchases_group, sync_group
from cogs.purchases.inbox import InboxWriter
from cogs.purchases.sync import Backfill, ShopifySource, SyncError, WooCommerceSource
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import StoreRig
from tests.emulators.stores import SHOPIFY_TOKEN, WOO_KEY, WOO_SECRET, StoreEmulator, ThreadedEmulator

START = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def emulator() -> AsyncIterator[StoreEmulator]:
    server = StoreEmulator()
    await server.start()
    yield server
    await server.stop()


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


async def backfill(rig: StoreRig, source: object, since: str = "2026-01-01T00:00:00", **kwargs: object) -> object:
    writer = InboxWriter(rig.hearth.database)
    try:
        return await Backfill(rig.hearth.database, rig.clock, writer, signing.INSTANCE_SECRET).run(
            source, since, **kwargs)  # type: ignore[arg-type]
    finally:
        await writer.close()


async def test_shopify_pages_through_link_headers_and_waits_out_429(store: StoreRig, emulator: StoreEmulator) -> None:
    emulator.add_shopify_orders(600, START)
    emulator.faults["shopify"] = [429, 500]
    sleeps = Sleeps()
    async with httpx.AsyncClient() as client:
        source = ShopifySource(client, emulator.base_url, "2025-07", SHOPIFY_TOKEN, sleeps)
        result = await backfill(store, source)
    assert (result.fetched, result.accepted, result.pages, result.resumed) == (600, 600, 3, False)
    assert 2.0 in sleeps.calls  # Retry-After honoured
    pages = [path for store_name, path in emulator.requests if store_name == "shopify"]
    assert all("page_info" in path for path in pages[3:])  # after the first page only the cursor is sent
    await store.settle()
    orders = await store.purchases()
    assert len(orders) == 600 and {o.status for o in orders} == {"paid"}
    assert orders[0].customer_key == signing.customer_key("buyer0@example.com")


async def test_an_interrupted_sync_resumes_from_the_saved_cursor(store: StoreRig, emulator: StoreEmulator) -> None:
    emulator.add_shopify_orders(520, START)
    # The first page arrives, then the second fails six times in a row: the run gives up after page one.
    emulator.faults["shopify"] = [0] + [500] * 6
    async with httpx.AsyncClient() as client:
        source = ShopifySource(client, emulator.base_url, "2025-07", SHOPIFY_TOKEN, Sleeps())
        with pytest.raises(SyncError, match="kept failing"):
            await backfill(store, source)
        emulator.requests.clear()
        again = await backfill(store, source)
    assert again.resumed and again.fetched == 520 and again.pages == 2
    assert "page_info" in emulator.requests[0][1]  # it did not start over
    await store.settle()
    assert len(await store.purchases()) == 520


async def test_woocommerce_pages_by_total_pages_with_basic_auth(store: StoreRig, emulator: StoreEmulator) -> None:
    emulator.add_woo_orders(250, START)
    async with httpx.AsyncClient() as client:
        result = await backfill(store, WooCommerceSource(client, emulator.base_url, WOO_KEY, WOO_SECRET, Sleeps()))
        assert (result.fetched, result.pages) == (250, 3)
        again = await backfill(store, WooCommerceSource(client, emulator.base_url, WOO_KEY, WOO_SECRET, Sleeps()))
        assert (again.fetched, again.accepted) == (250, 0)  # a repeat adds nothing
        wrong = WooCommerceSource(client, emulator.base_url, WOO_KEY, "nope", Sleeps())
        with pytest.raises(SyncError, match="refused the credentials"):
            await backfill(store, wrong, restart=True)
    await store.settle()
    orders = await store.purchases()
    assert len(orders) == 250 and orders[0].amount_minor == 2050


def test_cli_sync_then_export_and_claim_code(tmp_path: Path, database_url: str) -> None:
    server = StoreEmulator()
    server.add_shopify_orders(3, START)
    server.add_woo_orders(2, START)
    with ThreadedEmulator(server) as emulator:
        config = tmp_path / "config.toml"
        config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{database_url}"\n'
                          f'[purchases]\ntelegram_bot = "store_community_bot"\n'
                          f'[purchases.shopify]\nshop = "x.myshopify.com"\nbase_url = "{emulator.base_url}"\n'
                          f'[purchases.woocommerce]\nurl = "{emulator.base_url}"\n')
        env = {"HEARTH_CONFIG": str(config), "HEARTH_SECRET": signing.INSTANCE_SECRET.decode(),
               "HEARTH_SHOPIFY_ADMIN_TOKEN": SHOPIFY_TOKEN, "HEARTH_WOOCOMMERCE_KEY": WOO_KEY,
               "HEARTH_WOOCOMMERCE_SECRET": WOO_SECRET}
        runner = CliRunner()
        shop = runner.invoke(sync_group, ["shopify", "--since", "2026-01-01"], env=env, obj=None)
        assert shop.exit_code == 0, shop.output
        assert "Fetched 3 orders in 1 pages: 3 new or changed, 3 merged." in shop.output
        woo = runner.invoke(sync_group, ["woocommerce", "--since", "2026-01-01"], env=env, obj=None)
        assert woo.exit_code == 0 and "Fetched 2 orders" in woo.output, woo.output
    exported = runner.invoke(export_group, ["purchases", "--format", "json"], env=env, obj=None)
    rows = json.loads(exported.output)
    assert [(r["provider"], r["order_id"], r["amount"], r["currency"], r["status"]) for r in rows][:2] == [
        ("shopify", str(10**17), "10.00", "USD", "paid"), ("woocommerce", "2000", "20.50", "USD", "paid")]
    csv_out = runner.invoke(export_group, ["purchases"], env=env, obj=None).output
    assert csv_out.splitlines()[0].startswith("provider,order_id,order_number,status,amount,currency")
    assert len(csv_out.splitlines()) == 6
    code = runner.invoke(purchases_group, ["claim-code", "shopify", str(10**17)], env=env, obj=None)
    assert code.exit_code == 0 and f"start=claim_{code.output.split()[0]}" in code.output
    missing = runner.invoke(sync_group, ["shopify", "--since", "2026-01-01"],
                            env={**env, "HEARTH_SHOPIFY_ADMIN_TOKEN": ""}, obj=None)
    assert missing.exit_code == 2 and "HEARTH_SHOPIFY_ADMIN_TOKEN" in missing.output
