"""A real Hearth with the purchases cog and its aiohttp server on loopback, one per test (or several)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.events import Event
from bot.kit.platform import Place
from bot.secrets import Secrets
from cogs.purchases.cog import PurchasesCog
from storage.models import Purchase
from tests.cogs.purchases.signing import INSTANCE_SECRET, SECRETS
from tests.support.harness import Chat
from tests.support.memory_platform import MemoryPlatform
from tests.support.sql import DatabaseFactory

COGS = '[cogs]\nenabled = ["help", "profile", "link", "points", "purchases"]\n'


@dataclass
class StoreRig:
    hearth: Hearth
    platform: MemoryPlatform
    session: aiohttp.ClientSession
    events: list[Event] = field(default_factory=list)

    @property
    def cog(self) -> PurchasesCog:
        return next(c for c in self.hearth.cogs if isinstance(c, PurchasesCog))

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.hearth.clock, ManualClock)
        return self.hearth.clock

    @property
    def chat(self) -> Chat:
        return Chat(self.hearth, self.platform, Place(platform="memory", chat_id="general", guild_id="g1"))

    @property
    def base_url(self) -> str:
        assert self.hearth.web_server is not None
        return f"http://127.0.0.1:{self.hearth.web_server.port}"

    async def post(self, provider: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        async with self.session.post(f"{self.base_url}/webhooks/{provider}", data=body,
                                     headers=headers or {}) as response:
            try:
                data = await response.json(content_type=None)
            except ValueError:
                data = await response.text()
            return response.status, data

    async def settle(self) -> None:
        """Process everything accepted so far (the background task would do it within moments)."""
        await self.cog.worker.run_once()

    async def purchases(self) -> list[Purchase]:
        async with self.hearth.database.session() as session:
            return list((await session.scalars(select(Purchase).order_by(Purchase.provider, Purchase.order_id))).all())

    def of(self, kind: type) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


RigFactory = Callable[..., Awaitable[StoreRig]]


@pytest.fixture
async def make_store(new_database: DatabaseFactory, tmp_path: Path) -> AsyncIterator[RigFactory]:
    started: list[StoreRig] = []

    async def build(toml: str = "", *, secrets: dict[str, str] | None = None, clock: ManualClock | None = None,
                    name: str | None = None, database_url: str | None = None) -> StoreRig:
        folder = tmp_path / (name or f"rig{len(started)}")
        folder.mkdir()
        if database_url is None:
            database_url = new_database()
        config_file = folder / "config.toml"
        config_file.write_text(f'data_dir = "{folder}"\n{COGS}[web]\nport = 0\n{toml}')
        config = load_config(config_file, environ={"HEARTH_DATABASE_URL": database_url,
                                                   "HEARTH_POINTS_WRITER": "inline"})
        hearth = Hearth(config, Secrets(instance=INSTANCE_SECRET, webhook=SECRETS if secrets is None else secrets),
                        clock=clock or ManualClock())
        platform = MemoryPlatform()
        hearth.platforms.add(platform)
        rig = StoreRig(hearth, platform, aiohttp.ClientSession())

        async def record(event: Event) -> None:
            rig.events.append(event)

        hearth.bus.subscribe(Event, record)
        await hearth.start(web=True)
        started.append(rig)
        return rig

    yield build
    for rig in started:
        await rig.session.close()
        await rig.hearth.stop()


@pytest.fixture
async def store(make_store: RigFactory) -> StoreRig:
    return await make_store()
