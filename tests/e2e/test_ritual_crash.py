"""Crash suite: `hearth run` is SIGKILLed while its ritual post is on the wire; the restarted process never posts
it again. The post had reached Discord (the emulator completes it after the kill), so exactly one is seen.

(tests/cogs/rituals/test_restart.py covers the same claims in-process with a ManualClock, including resuming
the channels a crashed post never tried; this one proves it with a real process and a real SIGKILL.)
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import RitualOccurrence, RitualPost
from tests.bot.adapters.discord.conftest import TOKEN
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.support.live import Process, create_due_rituals, prompts, until

pytestmark = pytest.mark.slow
RITUAL = ["Crash Ritual"]
INSTANCE = "crash-suite-instance-secret"


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emulator = await DiscordEmulator().start()
    yield emulator
    await emulator.close()


async def counts(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        async with database.session() as session:
            return (int(await session.scalar(select(func.count()).select_from(RitualOccurrence)) or 0),
                    int(await session.scalar(select(func.count()).select_from(RitualPost)) or 0))
    finally:
        await database.close()


async def test_sigkill_during_a_ritual_post_then_restart_posts_it_once(database_url: str, tmp_path: Path,
                                                                        emulator: DiscordEmulator) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "{database_url}"\n'
                      f"[discord]\nguild_ids = [{p.GUILD_ID}]\n")
    await create_due_rituals(database_url, tmp_path, RITUAL, INSTANCE.encode())
    environ = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": "0",
               "HEARTH_DISCORD_TOKEN": TOKEN, "HEARTH_SECRET": INSTANCE, **emulator.environ}
    held = emulator.hold("POST", rf"/channels/{p.CHANNEL_ID}/messages")  # the prompt: Discord is slow today
    first, second = Process("first", tmp_path / "first.log"), Process("second", tmp_path / "second.log")
    try:
        await first.start(environ, tmp_path)
        await asyncio.wait_for(held.arrived.wait(), timeout=120)
        assert await first.stop(signal.SIGKILL) == -signal.SIGKILL
        held.release.set()  # the request had reached Discord: the message exists, the bot never heard back
        await until(lambda: prompts(emulator, RITUAL) == RITUAL, "Discord to finish the post")
        assert await counts(database_url) == (1, 1)  # claimed before the kill: the occurrence and its channel

        await second.start(environ, tmp_path)
        await until(second.caught_up, "the restarted process to run its ritual tick")
        assert await second.stop(signal.SIGTERM) == 0
    finally:
        await first.kill_if_running()
        await second.kill_if_running()
    log = second.text()
    assert "Traceback" not in log and " ERROR " not in log, log
    assert "rituals caught up after start: 0 posted" in log
    assert prompts(emulator, RITUAL) == RITUAL  # exactly one post, not a second one after the restart
    assert await counts(database_url) == (1, 1)
