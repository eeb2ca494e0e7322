"""``POST /webhooks/<provider>``: size limit → signature on the raw bytes → parse → durable inbox → 200.

Nothing slow happens before the answer: the delivery is normalised and redacted in memory (no raw
body ever reaches the disk), written with group commit, and processed later from the inbox.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from decimal import InvalidOperation
from typing import Any

from aiohttp import web

from bot.kit.clock import Clock
from cogs.purchases import checkouts, signatures, stores
from cogs.purchases.inbox import Delivery, InboxWriter
from cogs.purchases.money import MoneyError
from cogs.purchases.normalise import parse_json
from cogs.purchases.records import Record, RecordError, dump

log = logging.getLogger("hearth.purchases")

MAX_BODY = 1024 * 1024
# What a hostile but correctly signed payload can make the parsers raise: each is a 400, never a 500.
PARSE_ERRORS = (RecordError, MoneyError, InvalidOperation, ValueError, TypeError, KeyError, AttributeError,
                ArithmeticError, RecursionError)


def _reply(http_status: int, **body: str) -> web.Response:
    return web.json_response(body, status=http_status)


def _status(body: bytes) -> web.Response:
    # The hot path's answers, pre-encoded.
    return web.Response(body=body, content_type="application/json")


ACCEPTED = b'{"status": "accepted"}'
DUPLICATE = b'{"status": "duplicate"}'


class WebhookRoutes:
    """The five webhook endpoints. ``secrets`` maps provider → secret (whitespace separates rotated ones)."""

    def __init__(self, writer: InboxWriter, clock: Clock, instance_secret: bytes, secrets: Mapping[str, str],
                 tolerance: int) -> None:
        self._writer = writer
        self._clock = clock
        self._instance = instance_secret
        # Whitespace separates a secret being rotated out from its successor.
        self._secrets = {provider: value.split() for provider, value in secrets.items()}
        self._tolerance = tolerance
        self.accepted = 0
        self.duplicates = 0

    def add_to(self, app: web.Application) -> None:
        app.router.add_post("/webhooks/shopify", self.shopify)
        app.router.add_post("/webhooks/woocommerce", self.woocommerce)
        app.router.add_post("/webhooks/stripe", self.stripe)
        app.router.add_post("/webhooks/standard", self.standard)
        app.router.add_post("/webhooks/lemonsqueezy", self.lemonsqueezy)

    # --- the shared pipeline -------------------------------------------------------------------

    async def _body(self, request: web.Request) -> bytes | None:
        length = request.content_length
        if length is not None:
            # A declared length is checked before reading a byte; aiohttp enforces it while reading.
            if length > MAX_BODY:
                return None
            try:
                return await request.content.readexactly(length)
            except (asyncio.IncompleteReadError, ConnectionResetError):  # aiohttp raises the latter
                return b""  # the client hung up mid-body: nothing to verify, and nobody to answer
        body = bytearray()
        try:
            async for chunk in request.content.iter_chunked(64 * 1024):  # chunked upload: count as it comes
                body += chunk
                if len(body) > MAX_BODY:
                    return None
        except ConnectionResetError:
            return b""  # hung up mid-body, as above
        return bytes(body)

    def _secret(self, provider: str) -> list[str]:
        return self._secrets.get(provider, [])

    async def _receive(self, request: web.Request, provider: str, verify: Callable[[bytes, Any], None],
                       parse: Callable[[bytes, Any], tuple[Record | None, str, str]]) -> web.Response:
        body = await self._body(request)
        if body is None:
            return _reply(413, error=f"body over {MAX_BODY} bytes")
        if not self._secret(provider):
            log.warning("a %s webhook arrived but HEARTH_%s_WEBHOOK_SECRET is not set", provider, provider.upper())
            return _reply(503, error=f"HEARTH_{provider.upper()}_WEBHOOK_SECRET is not set")
        try:
            verify(body, request.headers)
        except signatures.SignatureError as problem:
            log.warning("refused a %s webhook from %s: %s", provider, request.remote, problem)
            return _reply(401, error="invalid signature")
        try:
            record, topic, delivery_id = parse(body, request.headers)
        except PARSE_ERRORS as problem:
            reason = str(problem) if isinstance(problem, RecordError | MoneyError) else type(problem).__name__
            log.info("refused an unparsable %s webhook: %s", provider, reason)
            return _reply(400, error=f"unreadable payload: {reason}"[:300])
        if record is None:
            return _reply(200, status="ignored", topic=topic[:60])
        delivery = Delivery(delivery_key=f"{provider}:{topic[:60]}:{delivery_id}"[:200], provider=provider,
                            topic=topic[:60], payload=dump(record), received_at=self._clock.now())
        try:
            new = await self._writer.put(delivery)
        except Exception as problem:  # the database is unavailable: not stored, so the store must retry
            log.warning("couldn't store a %s webhook, answering 503: %s", provider, problem)
            return _reply(503, error="temporarily unavailable, retry later")
        if new:
            self.accepted += 1
            return _status(ACCEPTED)
        self.duplicates += 1
        return _status(DUPLICATE)

    def _each_secret(self, provider: str, check: Callable[[bytes, Any, str], None]) -> Callable[[bytes, Any], None]:
        """Passes if any configured secret verifies (a secret being rotated and its successor)."""

        def verify(body: bytes, headers: Any) -> None:
            problem = signatures.SignatureError("no secret configured")
            for secret in self._secret(provider):
                try:
                    check(body, headers, secret)
                    return
                except signatures.SignatureError as error:
                    problem = error
            raise problem

        return verify

    @staticmethod
    def _digest(body: bytes) -> str:
        # Retries resend the original payload: identical bytes on the same topic are the same delivery.
        return hashlib.sha256(body).hexdigest()

    # --- providers -----------------------------------------------------------------------------

    async def shopify(self, request: web.Request) -> web.Response:
        def parse(body: bytes, headers: Any) -> tuple[Record | None, str, str]:
            topic = headers.get("X-Shopify-Topic", "").strip()
            return stores.shopify(self._instance, topic, parse_json(body)), topic or "-", self._digest(body)

        return await self._receive(request, "shopify", self._each_secret("shopify", signatures.shopify), parse)

    async def woocommerce(self, request: web.Request) -> web.Response:
        if "X-WC-Webhook-Signature" not in request.headers:
            body = await self._body(request)
            if body is not None and body.startswith(b"webhook_id="):
                # WooCommerce's creation ping is unsigned and must get exactly 200 or the webhook isn't saved.
                return _reply(200, status="ping")
            if body is None:
                return _reply(413, error=f"body over {MAX_BODY} bytes")
            return _reply(401, error="invalid signature")

        def parse(body: bytes, headers: Any) -> tuple[Record | None, str, str]:
            topic = headers.get("X-WC-Webhook-Topic", "").strip()
            return stores.woocommerce(self._instance, topic, parse_json(body)), topic or "-", self._digest(body)

        return await self._receive(request, "woocommerce", self._each_secret("woocommerce", signatures.woocommerce),
                                   parse)

    async def stripe(self, request: web.Request) -> web.Response:
        def verify(body: bytes, headers: Any) -> None:
            signatures.stripe(body, headers, self._secret("stripe"), self._clock.now(), self._tolerance)

        def parse(body: bytes, headers: Any) -> tuple[Record | None, str, str]:
            event = parse_json(body)
            record = checkouts.stripe(self._instance, event)
            kind = str(event.get("type") or "-") if isinstance(event, dict) else "-"
            event_id = event.get("id") if isinstance(event, dict) else None
            return record, kind, str(event_id) if isinstance(event_id, str) and event_id else self._digest(body)

        return await self._receive(request, "stripe", verify, parse)

    async def standard(self, request: web.Request) -> web.Response:
        try:
            keys = [signatures.standard_key(secret) for secret in self._secret("standard")]
        except ValueError as problem:
            log.warning("%s", problem)
            return _reply(503, error=str(problem))

        def verify(body: bytes, headers: Any) -> None:
            signatures.standard(body, headers, keys, self._clock.now(), self._tolerance)

        def parse(body: bytes, headers: Any) -> tuple[Record | None, str, str]:
            payload = parse_json(body)
            record = checkouts.standard(self._instance, payload)
            kind = payload.get("type") if isinstance(payload, dict) else None
            if checkouts.is_lemonsqueezy(payload):
                kind = payload["meta"].get("event_name")
            # webhook-id is the spec's idempotency key.
            return record, str(kind or "-"), headers.get("webhook-id", "").strip()[:120]

        return await self._receive(request, "standard", verify, parse)

    async def lemonsqueezy(self, request: web.Request) -> web.Response:
        def parse(body: bytes, headers: Any) -> tuple[Record | None, str, str]:
            event = headers.get("X-Event-Name", "").strip() or None
            return checkouts.lemonsqueezy(self._instance, event, parse_json(body)), event or "-", self._digest(body)

        return await self._receive(request, "lemonsqueezy", self._each_secret("lemonsqueezy", signatures.lemonsqueezy),
                                   parse)
