"""Lifecycle rigs: the onboarding rig (in-memory discord and telegram platforms), plus a loopback CRM receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from bot.secrets import Secrets
from tests.cogs.onboarding.conftest import make_community, make_rig  # noqa: F401 (fixtures)


@dataclass
class Receiver:
    """A CRM endpoint on 127.0.0.1 that answers ``fail_first`` requests with 500, then 200."""

    fail_first: int = 0
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.requests.append(({k.lower(): v for k, v in request.headers.items()}, await request.read()))
        if len(self.requests) <= self.fail_first:
            return web.Response(status=500, text="temporarily broken")
        return web.Response(status=204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hooks/crm", found.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    found.url = f"http://127.0.0.1:{port}/hooks/crm"
    yield found
    await runner.cleanup()


# The secret of the Standard Webhooks spec's own test vector (../shared/fixtures/standard-webhooks).
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


@pytest.fixture
def secrets() -> Secrets:
    return Secrets(instance=b"test-instance-secret", crm_webhook=VECTOR_SECRET)


def crm(url: str, max_attempts: int = 8) -> str:
    return f'[lifecycle.crm]\nurl = "{url}"\nmax_attempts = {max_attempts}\n'
