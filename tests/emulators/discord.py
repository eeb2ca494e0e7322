"""A loopback Discord for the real discord.py: REST under ``/api/v10`` and the gateway at ``/gateway/``.

Tests point the adapter at it with ``HEARTH_DISCORD_API_BASE`` / ``HEARTH_DISCORD_GATEWAY_URL``
(``emulator.environ``), inject gateway events, and assert on ``emulator.requests`` — every REST call
it received, in order. Like Discord it echoes the bot's own messages on the gateway, answers interaction
callbacks with ``{"interaction": …, "resource": …}``, refuses stale interactions (10062), can answer 429
with ``retry_after`` and ``X-RateLimit-*`` headers (``fail``/``limit``) and 403 with Discord's error JSON.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.emulators import discord_payloads as payloads
from tests.emulators.discord_gateway import Gateway, Session
from tests.emulators.discord_routes import Routes

JSON = {"Content-Type": "application/json"}


@dataclass
class Recorded:
    """One REST request as the emulator received it (``json`` is ``payload_json`` for multipart)."""

    method: str
    path: str
    query: dict[str, str]
    json: Any
    headers: dict[str, str]
    files: list[tuple[str, bytes]] = field(default_factory=list)
    status: int = 0


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    times: int
    via: bool = True


@dataclass
class Bucket:
    """A rate limit the emulator enforces: ``limit`` requests per ``window`` seconds."""

    method: str
    pattern: re.Pattern[str]
    limit: int
    window: float
    used: int = 0
    resets_at: float = 0.0


@dataclass
class Hold:
    """A request kept waiting, as a slow Discord keeps it: ``arrived`` once it is in, answered after ``release``."""

    method: str
    pattern: re.Pattern[str]
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    used: bool = False


class Answer(Exception):
    def __init__(self, status: int, body: dict[str, Any] | None = None) -> None:
        super().__init__(status)
        self.status, self.body = status, body


class DiscordEmulator:
    def __init__(self) -> None:
        self.guild = payloads.default_guild()
        self.bot = dict(payloads.BOT_USER)
        self.requests: list[Recorded] = []
        self.rate_limited = 0
        self.closed_dms: set[str] = set()
        self.extra_guilds: list[dict[str, Any]] = []  # more servers (sharding tests); REST knows only ``guild``
        self.gateway = Gateway(self._ready_payload, lambda: [self.guild, *self.extra_guilds])
        self.routes = Routes(self)
        self._faults: list[Fault] = []
        self._buckets: list[Bucket] = []
        self._holds: list[Hold] = []
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> DiscordEmulator:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_get("/gateway/", self.gateway.handle)
        app.router.add_get("/gateway", self.gateway.handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self

    async def close(self) -> None:
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    @property
    def environ(self) -> dict[str, str]:
        return {"HEARTH_DISCORD_API_BASE": self.api_base, "HEARTH_DISCORD_GATEWAY_URL": self.gateway_url}

    def _ready_payload(self, session: Session) -> dict[str, Any]:
        return {"v": 10, "user": self.bot, "guilds": [{"id": self.guild["id"], "unavailable": True}],
                "session_id": session.session_id, "resume_gateway_url": self.gateway_url,
                "application": {"id": payloads.APP_ID, "flags": 0}, "private_channels": [], "relationships": [],
                "session_type": "normal", "user_settings": {}, "_trace": ["hearth-emulator"]}

    # --- what tests call ---------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        if event == "INTERACTION_CREATE":
            self.routes.expect_interaction(data)
        return await self.gateway.dispatch(event, data)

    async def interact(self, data: dict[str, Any], timeout: float = 5.0) -> Recorded:
        """Dispatch an interaction and return its callback request once the bot answered."""
        await self.dispatch("INTERACTION_CREATE", data)
        return await self.wait_for("POST", rf"/interactions/{data['id']}/[^/]+/callback", timeout=timeout)

    def sent(self, method: str, pattern: str) -> list[Recorded]:
        regex = re.compile(pattern)
        return [r for r in self.requests if r.method == method and regex.fullmatch(r.path)]

    async def wait_for(self, method: str, pattern: str, *, count: int = 1, timeout: float = 5.0) -> Recorded:
        """The ``count``-th matching request, waiting for it to arrive."""
        async with self._arrived:
            await asyncio.wait_for(self._arrived.wait_for(lambda: len(self.sent(method, pattern)) >= count), timeout)
        return self.sent(method, pattern)[count - 1]

    def fail(self, method: str, pattern: str, status: int, body: dict[str, Any] | None = None, *,
             times: int = 1, headers: dict[str, str] | None = None) -> None:
        """Answer the next ``times`` matching requests with an error instead."""
        self._faults.append(Fault(method, re.compile(pattern), status, body or {}, headers or {}, times))

    def forbid(self, method: str, pattern: str, *, times: int = 1) -> None:
        self.fail(method, pattern, 403, {"message": "Missing Permissions", "code": 50013}, times=times)

    def rate_limit(self, method: str, pattern: str, *, retry_after: float = 0.05, times: int = 1,
                   via: bool = True) -> None:
        """A 429 with ``retry_after``, as Discord shapes it (body, Retry-After, X-RateLimit-*, Via).

        ``via=False`` leaves out the ``Via`` header a proxy would strip: discord.py then raises at once
        instead of waiting, and Hearth's own retry has to honour ``retry_after``.
        """
        headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Limit": "1",
                   "X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                   "X-RateLimit-Bucket": "emulator-fault", "X-RateLimit-Scope": "user"}
        body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
        self._faults.append(Fault(method, re.compile(pattern), 429, body, headers, times, via))

    def hold(self, method: str, pattern: str) -> Hold:
        """Keep the next matching request waiting until the test releases it (then it takes effect, even if the
        client is gone by then: it had reached Discord)."""
        held = Hold(method, re.compile(pattern))
        self._holds.append(held)
        return held

    def limit(self, method: str, pattern: str, *, limit: int, window: float) -> None:
        """Enforce a bucket and advertise it in headers; going over it earns a 429 (counted)."""
        self._buckets.append(Bucket(method, re.compile(pattern), limit, window))

    # --- REST --------------------------------------------------------------------------------------

    async def _record(self, request: web.Request, path: str) -> Recorded:
        body: Any = None
        files: list[tuple[str, bytes]] = []
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                if part.name == "payload_json":
                    body = json.loads(data)
                else:
                    files.append((part.filename or part.name or "", bytes(data)))
        elif request.can_read_body:
            text = await request.text()
            body = json.loads(text) if text else None
        headers = {k: v for k, v in request.headers.items() if k.lower() != "authorization"}
        headers["Authorization"] = "Bot ***" if request.headers.get("Authorization", "").startswith("Bot ") else ""
        return Recorded(request.method, path, dict(request.query), body, headers, files)

    def _fault(self, recorded: Recorded) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == recorded.method and fault.pattern.fullmatch(recorded.path):
                fault.times -= 1
                return fault
        return None

    def _bucket_headers(self, recorded: Recorded) -> tuple[dict[str, str], bool]:
        """Rate-limit headers for this request, and whether it went over its bucket."""
        now = asyncio.get_running_loop().time()
        for bucket in self._buckets:
            if bucket.method != recorded.method or not bucket.pattern.fullmatch(recorded.path):
                continue
            if now >= bucket.resets_at:
                bucket.used, bucket.resets_at = 0, now + bucket.window
            reset_after = max(bucket.resets_at - now, 0.001)
            over = bucket.used >= bucket.limit
            bucket.used += 0 if over else 1
            headers = {"X-RateLimit-Limit": str(bucket.limit),
                       "X-RateLimit-Remaining": str(max(bucket.limit - bucket.used, 0)),
                       "X-RateLimit-Reset-After": f"{math.ceil(reset_after * 1000) / 1000:.3f}",
                       "X-RateLimit-Bucket": f"emulator-{bucket.pattern.pattern}"}
            return headers, over
        return {}, False

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        recorded = await self._record(request, path)
        held = next((h for h in self._holds if not h.used and h.method == recorded.method
                     and h.pattern.fullmatch(recorded.path)), None)
        if held is not None:
            held.used = True
            held.arrived.set()
            await held.release.wait()
        headers, over = self._bucket_headers(recorded)
        fault = self._fault(recorded)
        if over and fault is None:
            retry = float(headers["X-RateLimit-Reset-After"])
            fault = Fault(recorded.method, re.compile(""), 429, {"message": "You are being rate limited.",
                                                                 "retry_after": retry, "global": False}, {}, 0)
        try:
            if fault is not None:
                raise Answer(fault.status, fault.body)
            status, body = await self.routes.answer(recorded)
        except Answer as answer:
            status, body = answer.status, answer.body
            if fault is not None:
                headers.update(fault.headers)
        if status == 429:
            self.rate_limited += 1
            headers.setdefault("Retry-After", str(math.ceil(float((body or {}).get("retry_after", 1)))))
            if fault is None or fault.via:
                headers["Via"] = "1.1 google"  # discord.py treats a 429 without Via as a Cloudflare ban
        recorded.status = status
        self.requests.append(recorded)
        async with self._arrived:
            self._arrived.notify_all()
        if body is None:
            return web.Response(status=status, headers=headers)
        return web.Response(status=status, body=json.dumps(body).encode(), headers={**JSON, **headers})

