"""Store discount codes for referral codes through a loopback Shopify Admin API (price rule + discount code)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

from tests.support.growth import RigFactory
from tests.support.harness import user

TOKEN = "shpat_referrals_emulator"
ALICE = user("alice")


@dataclass
class ShopifyAdmin:
    """Just the two Admin REST endpoints, checking the token and the bodies as Shopify does."""

    price_rules: list[dict[str, Any]] = field(default_factory=list)
    codes: list[tuple[int, str]] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    port: int = 0

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/admin/api/{version}/price_rules.json", self.price_rule)
        app.router.add_post("/admin/api/{version}/price_rules/{rule}/discount_codes.json", self.discount_code)
        return app

    def _refuse(self, request: web.Request) -> web.Response | None:
        if request.headers.get("X-Shopify-Access-Token") != TOKEN:
            return web.json_response({"errors": "[API] Invalid API key or access token"}, status=401)
        if self.failures:
            return web.json_response({"errors": "Internal error"}, status=self.failures.pop(0))
        return None

    async def price_rule(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        rule = (await request.json())["price_rule"]
        if not str(rule.get("value", "")).startswith("-") or rule.get("value_type") != "percentage":
            return web.json_response({"errors": {"value": ["must be negative"]}}, status=422)
        rule["id"] = 990000 + len(self.price_rules)
        self.price_rules.append(rule)
        return web.json_response({"price_rule": rule}, status=201)

    async def discount_code(self, request: web.Request) -> web.Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        rule_id = int(request.match_info["rule"])
        if rule_id not in {r["id"] for r in self.price_rules}:
            return web.json_response({"errors": "Not Found"}, status=404)
        code = (await request.json())["discount_code"]["code"]
        self.codes.append((rule_id, code))
        return web.json_response({"discount_code": {"id": 5550000 + len(self.codes), "price_rule_id": rule_id,
                                                    "code": code, "usage_count": 0}}, status=201)


@pytest.fixture
async def shopify() -> AsyncIterator[ShopifyAdmin]:
    admin = ShopifyAdmin()
    runner = web.AppRunner(admin.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    admin.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield admin
    await runner.cleanup()


def config(admin: ShopifyAdmin) -> str:
    return (f'[purchases.shopify]\nshop = "brand.myshopify.com"\nbase_url = "http://127.0.0.1:{admin.port}"\n'
            '[referrals.shopify_discount]\nenabled = true\npercent = 15\n')


async def test_ref_creates_a_shopify_discount_code_once(make_rig: RigFactory, shopify: ShopifyAdmin) -> None:
    rig = await make_rig(config(shopify), store_api={"shopify": TOKEN})
    first = (await rig.chat.command(ALICE, "/ref")).replies[0]
    fields = {f.name: f.value for f in first.fields}
    code = fields["Your code"]
    assert fields["Discount for friends"] == f"{code} gives 15% off at checkout"
    [rule] = shopify.price_rules
    assert (rule["value"], rule["once_per_customer"], rule["target_selection"]) == ("-15", True, "all")
    assert shopify.codes == [(rule["id"], code)]
    await rig.chat.command(ALICE, "/ref")
    assert len(shopify.price_rules) == 1 and len(shopify.codes) == 1


async def test_a_failed_discount_call_is_retried_at_the_next_ref(make_rig: RigFactory, shopify: ShopifyAdmin,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    rig = await make_rig(config(shopify), store_api={"shopify": TOKEN})
    shopify.failures.append(500)
    fields = {f.name for f in (await rig.chat.command(ALICE, "/ref")).replies[0].fields}
    assert "Discount for friends" not in fields
    assert "not created (500)" in caplog.text and TOKEN not in caplog.text
    fields = {f.name for f in (await rig.chat.command(ALICE, "/ref")).replies[0].fields}
    assert "Discount for friends" in fields and len(shopify.codes) == 1


async def test_discounts_stay_off_without_the_token(make_rig: RigFactory, shopify: ShopifyAdmin) -> None:
    rig = await make_rig(config(shopify))
    fields = {f.name for f in (await rig.chat.command(ALICE, "/ref")).replies[0].fields}
    assert "Discount for friends" not in fields and shopify.price_rules == []
    assert json.dumps(shopify.codes) == "[]"
