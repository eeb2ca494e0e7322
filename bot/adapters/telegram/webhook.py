"""Webhook mode: Telegram POSTs updates to Hearth's own aiohttp server, proven by a secret header.

The secret token is derived from the instance secret (HMAC), so there is nothing more to configure
and it survives restarts; Telegram sends it back in ``X-Telegram-Bot-Api-Secret-Token`` on every
delivery. Anything without it is refused before the body is read. The handler only queues the
update and answers 200: slow work before answering makes Telegram retry and pile up deliveries.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from bot.secrets import telegram_webhook_secret

log = logging.getLogger("hearth.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_PATH = "/telegram/webhook"
MAX_BODY = 1024**2
# Derived in bot.secrets, so that every log line is redacted of it like of the secrets it comes from.
webhook_secret = telegram_webhook_secret


def webhook_address(url: str) -> tuple[str, str]:
    """(the URL to give Telegram, the path Hearth serves); a bare host gets ``/telegram/webhook``."""
    parts = urlsplit(url.strip())
    path = parts.path.rstrip("/") or DEFAULT_PATH
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")), path


class WebhookReceiver:
    """The aiohttp handler. ``accept(data)`` queues one decoded update; False means "not running"."""

    def __init__(self, secret: str, accept: Callable[[Any], Awaitable[bool]],
                 on_malformed: Callable[[Any], None]) -> None:
        self._secret = secret.encode()
        self._accept = accept
        self._on_malformed = on_malformed
        self.refused = 0

    async def handle(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            self.refused += 1
            log.warning("refused a Telegram webhook request from %s: wrong or missing secret token", request.remote)
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await request.read()
        except ConnectionResetError:  # the sender hung up mid-body: nobody is left to answer
            return web.Response(status=400, text="incomplete body")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            self._on_malformed(None)
            log.warning("ignored a Telegram webhook delivery that isn't JSON")
            return web.Response(status=400, text="not JSON")
        if not await self._accept(data):
            # Not started yet, or stopping: Telegram keeps the update and delivers it again later.
            return web.Response(status=503, text="not ready")
        return web.Response(status=200, text="ok")
