"""The real Hearth app with the real TelegramAdapter (python-telegram-bot) against the loopback emulator."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator, Callable

import pytest

from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.events import Event
from bot.secrets import Secrets
from tests.bot.adapters.telegram.support import ADMIN, ALICE, BOB, FORUM, GROUP, FakeTime, Rig, RigFactory
from tests.emulators.telegram import TelegramEmulator


@pytest.fixture(scope="session")
def ssl_context() -> ssl.SSLContext:
    # One CA bundle load for the whole session (see TESTING-NOTES: ~60 ms per load).
    return ssl.create_default_context()


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    server = TelegramEmulator()
    await server.start()
    for chat in (GROUP, FORUM):
        server.add_chat(chat)
    for user in (ALICE, BOB, ADMIN):
        server.users[user["id"]] = user
    yield server
    await server.stop()


@pytest.fixture
async def make_rig(emulator: TelegramEmulator, make_config: Callable[..., HearthConfig], clock: ManualClock,
                   ssl_context: ssl.SSLContext) -> AsyncIterator[RigFactory]:
    started: list[Hearth] = []

    async def build(toml: str = "", *, web: bool = False, before_start: Callable[[Hearth], None] | None = None) -> Rig:
        config = make_config(f'[telegram]\nbase_url = "{emulator.base_url}"\n{toml}')
        hearth = Hearth(config, Secrets(instance=b"test-instance-secret", telegram_token=emulator.token),
                        clock=clock)
        if before_start is not None:
            before_start(hearth)
        fake_time = FakeTime()
        adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl_context, sleep=fake_time.sleep,
                                  monotonic=fake_time.monotonic)
        rig = Rig(hearth, adapter, emulator, fake_time)

        async def record(event: Event) -> None:
            rig.events.append(event)

        hearth.bus.subscribe(Event, record)
        await hearth.start(web=web, adapters=[adapter])
        started.append(hearth)
        return rig

    yield build
    for hearth in started:
        await hearth.stop()


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    return await make_rig()

