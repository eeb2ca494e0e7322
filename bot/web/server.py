"""The one aiohttp server: health, metrics, and whatever routes cogs add (webhooks, proof page)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from bot.web.metrics import HearthMetrics

log = logging.getLogger("hearth.web")

HealthCheck = Callable[[], Awaitable[dict[str, str]]]


def build_web_app(metrics: HearthMetrics, health: HealthCheck) -> web.Application:
    app = web.Application(client_max_size=1024**2)

    async def healthz(_request: web.Request) -> web.Response:
        checks = await health()
        healthy = all(value == "ok" for value in checks.values())
        return web.json_response({"status": "ok" if healthy else "degraded", **checks},
                                 status=200 if healthy else 503)

    async def prometheus(_request: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)
    return app


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # Port 0 asks the OS for a free port (tests); report the one really bound.
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        log.info("web server listening on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
