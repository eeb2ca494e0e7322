"""A loopback Shopify Admin REST + WooCommerce REST server for `hearth sync` tests.

Shopify: ``GET /admin/api/<version>/orders.json`` with cursor pagination only through the ``Link``
header (``page_info``; other filters are refused alongside it, as Shopify does), ``orders/count.json``,
``X-Shopify-Access-Token`` auth, the ``X-Shopify-Shop-Api-Call-Limit`` header, and 429 + ``Retry-After``
on demand. WooCommerce: ``GET /wp-json/wc/v3/orders`` with ``page``/``per_page``/``after``, the
``X-WP-Total``/``X-WP-TotalPages`` headers and Basic auth. Faults (429, 500) are queued per store.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.cogs.purchases.signing import payload

SHOPIFY_TOKEN = "shpat_emulator_token"
WOO_KEY, WOO_SECRET = "ck_emulator", "cs_emulator"
BUCKET = 40


@dataclass
class StoreEmulator:
    shopify_orders: list[dict[str, Any]] = field(default_factory=list)
    woo_orders: list[dict[str, Any]] = field(default_factory=list)
    # Status codes to answer instead of the next list requests, per store ("shopify" / "woocommerce"); 0 = normal.
    faults: dict[str, list[int]] = field(default_factory=lambda: {"shopify": [], "woocommerce": []})
    requests: list[tuple[str, str]] = field(default_factory=list)
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- data --------------------------------------------------------------------------------

    def add_shopify_orders(self, count: int, start: datetime, email: str = "buyer{n}@example.com") -> None:
        template = payload("shopify/sample.orders-create.payload.json")
        for n in range(count):
            order = copy.deepcopy(template)
            created = (start + timedelta(hours=n)).isoformat()
            order.update(id=10**17 + n, name=f"#{1000 + n}", email=email.format(n=n), contact_email=None,
                         financial_status="paid", cancelled_at=None, created_at=created, updated_at=created,
                         total_price=f"{10 + n}.00")
            self.shopify_orders.append(order)

    def add_woo_orders(self, count: int, start: datetime) -> None:
        template = payload("woocommerce/order.updated.json")
        for n in range(count):
            order = copy.deepcopy(template)
            created = (start + timedelta(hours=n)).replace(tzinfo=None).isoformat()
            order.update(id=2000 + n, number=str(2000 + n), date_created_gmt=created, date_modified_gmt=created,
                         total=f"{20 + n}.50")
            order["billing"]["email"] = f"woo{n}@example.com"
            self.woo_orders.append(order)

    # --- server ------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/admin/api/{version}/orders.json", self._shopify_orders)
        app.router.add_get("/admin/api/{version}/orders/count.json", self._shopify_count)
        app.router.add_get("/wp-json/wc/v3/orders", self._woo_orders)
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _fault(self, store: str) -> web.Response | None:
        code = self.faults[store].pop(0) if self.faults[store] else 0
        if code:  # 0 queues a normal answer, so a fault can be aimed at a later request
            return web.json_response({"errors": "Exceeded 2 calls per second for api client. Reduce request rates "
                                                "to resume uninterrupted service." if code == 429 else "oops"},
                                     status=code, headers={"Retry-After": "2.0"} if code == 429 else {})
        return None

    # --- Shopify -----------------------------------------------------------------------------

    def _shopify_selected(self, created_at_min: str | None) -> list[dict[str, Any]]:
        since = datetime.fromisoformat(created_at_min.replace("Z", "+00:00")) if created_at_min else None
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return [o for o in self.shopify_orders
                if since is None or datetime.fromisoformat(o["created_at"]) >= since]

    async def _shopify_count(self, request: web.Request) -> web.Response:
        if request.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return web.json_response({"errors": "[API] Invalid API key or access token"}, status=401)
        return web.json_response({"count": len(self._shopify_selected(request.query.get("created_at_min")))})

    async def _shopify_orders(self, request: web.Request) -> web.Response:
        self.requests.append(("shopify", request.path_qs))
        if request.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return web.json_response({"errors": "[API] Invalid API key or access token"}, status=401)
        fault = self._fault("shopify")
        if fault is not None:
            return fault
        query = request.query
        limit = min(int(query.get("limit", "50")), 250)
        if "page_info" in query:
            if set(query) - {"page_info", "limit", "fields"}:
                return web.json_response({"errors": {"page_info": ["must be the only filter"]}}, status=400)
            state = json.loads(base64.urlsafe_b64decode(query["page_info"]))
            since, offset = state["since"], state["offset"]
        else:
            since, offset = query.get("created_at_min"), 0
        selected = self._shopify_selected(since)
        page = selected[offset:offset + limit]
        headers = {"X-Shopify-Shop-Api-Call-Limit": f"{min(len(self.requests), BUCKET)}/{BUCKET}"}
        if offset + limit < len(selected):
            token = base64.urlsafe_b64encode(json.dumps({"since": since, "offset": offset + limit}).encode()).decode()
            headers["Link"] = f'<{self.base_url}{request.path}?limit={limit}&page_info={token}>; rel="next"'
        return web.json_response({"orders": page}, headers=headers)

    # --- WooCommerce -------------------------------------------------------------------------

    async def _woo_orders(self, request: web.Request) -> web.Response:
        self.requests.append(("woocommerce", request.path_qs))
        expected = "Basic " + base64.b64encode(f"{WOO_KEY}:{WOO_SECRET}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": "woocommerce_rest_cannot_view", "message": "Sorry, you cannot list "
                                      "resources."}, status=401)
        fault = self._fault("woocommerce")
        if fault is not None:
            return fault
        after = request.query.get("after")
        selected = [o for o in self.woo_orders if after is None or o["date_created_gmt"] > after]
        per_page = min(int(request.query.get("per_page", "10")), 100)
        page = int(request.query.get("page", "1"))
        pages = max(1, -(-len(selected) // per_page))
        chunk = selected[(page - 1) * per_page:page * per_page]
        return web.json_response(chunk, headers={"X-WP-Total": str(len(selected)), "X-WP-TotalPages": str(pages)})


class ThreadedEmulator:
    """The emulator on a loop of its own, for code that runs ``asyncio.run`` itself (the click commands)."""

    def __init__(self, emulator: StoreEmulator) -> None:
        self.emulator = emulator
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> StoreEmulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result(timeout=10)
        return self.emulator

    def __exit__(self, *_: object) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()
