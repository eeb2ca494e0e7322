"""Backfill: page through a store's REST API into the same inbox webhooks use, resumably.

Orders fetched here are normalised and redacted exactly like webhook deliveries and merged by the same
code, so a backfill and live webhooks can overlap in any order without double counting. The cursor
(Shopify's next-page URL, WooCommerce's page number) is saved after every page: an interrupted run
started again with the same ``--since`` continues where it stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import httpx
from tqdm import tqdm

from bot.kit.clock import Clock
from cogs.purchases import stores
from cogs.purchases.claims import lock_for_writing
from cogs.purchases.inbox import Delivery, InboxWriter
from cogs.purchases.records import OrderRecord, dump
from storage.database import Database
from storage.models import PurchaseSyncCursor

log = logging.getLogger("hearth.purchases")

ATTEMPTS = 6
Sleep = Callable[[float], Awaitable[None]]


class SyncError(RuntimeError):
    """The store refused or kept failing; the message says what to fix."""


@dataclass(frozen=True)
class Page:
    orders: list[dict[str, Any]]
    next_cursor: str | None


class Source(Protocol):
    provider: str

    def first_cursor(self, since: str) -> str: ...

    async def count(self, since: str) -> int | None: ...

    async def page(self, cursor: str) -> Page: ...

    def record(self, secret: bytes, order: dict[str, Any]) -> OrderRecord: ...


async def request(client: httpx.AsyncClient, url: str, sleep: Sleep, **kwargs: Any) -> httpx.Response:
    """GET with the store's rate limits honoured: 429 waits Retry-After, 5xx and network errors back off."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            response = await client.get(url, **kwargs)
        except httpx.TransportError as error:
            if attempt == ATTEMPTS:
                raise SyncError(f"can't reach {url.split('?')[0]}: {error}") from None
            await sleep(min(2.0**attempt, 30.0))
            continue
        if response.status_code == 429 or response.status_code >= 500:
            if attempt == ATTEMPTS:
                break
            retry_after = response.headers.get("Retry-After", "")
            try:
                delay = float(retry_after)
            except ValueError:
                delay = min(2.0**attempt, 30.0)
            log.info("store answered %s; waiting %.1f s", response.status_code, delay)
            await sleep(max(0.0, min(delay, 120.0)))
            continue
        if response.status_code in (401, 403):
            raise SyncError(f"the store refused the credentials ({response.status_code}): check the token/keys")
        if response.status_code >= 400:
            raise SyncError(f"the store answered {response.status_code} for {url.split('?')[0]}")
        return response
    raise SyncError(f"the store kept failing ({response.status_code}) for {url.split('?')[0]}")


class ShopifySource:
    provider = "shopify"

    def __init__(self, client: httpx.AsyncClient, base_url: str, api_version: str, token: str, sleep: Sleep) -> None:
        self._client = client
        self._base = f"{base_url.rstrip('/')}/admin/api/{api_version}"
        self._headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
        self._sleep = sleep

    def first_cursor(self, since: str) -> str:
        return f"{self._base}/orders.json?status=any&limit=250&order=created_at+asc&created_at_min={since}"

    async def _get(self, url: str) -> httpx.Response:
        response = await request(self._client, url, self._sleep, headers=self._headers)
        # "X-Shopify-Shop-Api-Call-Limit: 39/40": slow down before the bucket is full, not after a 429.
        used, _, size = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "").partition("/")
        if used.isdigit() and size.isdigit() and int(used) >= int(size) - 2:
            await self._sleep(1.0)
        return response

    async def count(self, since: str) -> int | None:
        response = await self._get(f"{self._base}/orders/count.json?status=any&created_at_min={since}")
        count = response.json().get("count")
        return count if isinstance(count, int) else None

    async def page(self, cursor: str) -> Page:
        response = await self._get(cursor)
        orders = response.json().get("orders", [])
        # Cursor pagination: the next page is only ever named by the Link header.
        return Page([o for o in orders if isinstance(o, dict)], response.links.get("next", {}).get("url"))

    def record(self, secret: bytes, order: dict[str, Any]) -> OrderRecord:
        return stores.shopify_order(secret, "sync", order)


class WooCommerceSource:
    provider = "woocommerce"

    def __init__(self, client: httpx.AsyncClient, base_url: str, key: str, secret: str, sleep: Sleep) -> None:
        self._client = client
        self._url = f"{base_url.rstrip('/')}/wp-json/wc/v3/orders"
        self._auth = httpx.BasicAuth(key, secret)
        self._sleep = sleep
        self._since = ""
        self._total: int | None = None

    def first_cursor(self, since: str) -> str:
        self._since = since
        return "1"

    def _params(self, page: int, since: str) -> dict[str, Any]:
        # WooCommerce's "after" is exclusive: one second earlier keeps orders placed exactly at --since.
        after = (datetime.fromisoformat(since) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        return {"after": after, "per_page": 100, "page": page, "orderby": "date", "order": "asc"}

    async def count(self, since: str) -> int | None:
        self._since = since
        response = await request(self._client, self._url, self._sleep, auth=self._auth,
                                 params={**self._params(1, since), "per_page": 1})
        total = response.headers.get("X-WP-Total", "")
        return int(total) if total.isdigit() else None

    async def page(self, cursor: str) -> Page:
        number = int(cursor)
        response = await request(self._client, self._url, self._sleep, auth=self._auth,
                                 params=self._params(number, self._since))
        pages = response.headers.get("X-WP-TotalPages", "")
        orders = response.json()
        more = pages.isdigit() and number < int(pages)
        return Page([o for o in orders if isinstance(o, dict)] if isinstance(orders, list) else [],
                    str(number + 1) if more else None)

    def record(self, secret: bytes, order: dict[str, Any]) -> OrderRecord:
        return stores.woocommerce_order(secret, order)


@dataclass(frozen=True)
class SyncResult:
    fetched: int
    accepted: int
    pages: int
    resumed: bool


class Backfill:
    def __init__(self, database: Database, clock: Clock, writer: InboxWriter, secret: bytes) -> None:
        self._db = database
        self._clock = clock
        self._writer = writer
        self._secret = secret

    async def _cursor(self, provider: str) -> PurchaseSyncCursor | None:
        async with self._db.session() as session:
            return await session.get(PurchaseSyncCursor, provider)

    async def _save(self, provider: str, since: str, cursor: str | None, fetched: int) -> None:
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            row = await session.get(PurchaseSyncCursor, provider)
            if row is None:
                row = PurchaseSyncCursor(provider=provider)
                session.add(row)
            row.since, row.cursor, row.fetched = since, cursor, fetched
            row.done, row.updated_at = cursor is None, self._clock.now()

    async def run(self, source: Source, since: str, *, restart: bool = False, progress: bool = True) -> SyncResult:
        saved = await self._cursor(source.provider)
        resumed = bool(saved and saved.since == since and not saved.done and saved.cursor and not restart)
        cursor: str | None = saved.cursor if resumed and saved else source.first_cursor(since)
        fetched = saved.fetched if resumed and saved else 0
        total = await source.count(since)
        accepted = pages = 0
        with tqdm(total=total, initial=fetched, unit="order", desc=f"{source.provider} orders", disable=None,
                  leave=False) as bar:
            if not resumed:
                await self._save(source.provider, since, cursor, 0)
            while cursor is not None:
                page = await source.page(cursor)
                deliveries = []
                for order in page.orders:
                    try:
                        payload = dump(source.record(self._secret, order))
                    except ValueError as problem:
                        log.warning("skipped an unreadable %s order: %s", source.provider, problem)
                        continue
                    digest = hashlib.sha256(payload.encode()).hexdigest()
                    deliveries.append(Delivery(f"{source.provider}:sync:{digest}", source.provider, "sync", payload,
                                               self._clock.now()))
                results = await asyncio.gather(*(self._writer.put(d) for d in deliveries))
                accepted += sum(results)
                fetched += len(page.orders)
                pages += 1
                cursor = page.next_cursor
                await self._save(source.provider, since, cursor, fetched)
                if progress:
                    bar.update(len(page.orders))
        return SyncResult(fetched=fetched, accepted=accepted, pages=pages, resumed=resumed)
