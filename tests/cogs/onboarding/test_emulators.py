"""The welcome through the real adapters: discord.py and python-telegram-bot against the loopback emulators."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from tests.bot.adapters.telegram.conftest import emulator, make_rig, ssl_context  # noqa: F401 (fixtures)
from tests.bot.adapters.telegram.support import ALICE, GROUP, RigFactory, fixture
from tests.cogs.onboarding.conftest import COGS
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator

DISCORD_TOKEN = base64.b64encode(p.BOT_ID.encode()).decode().rstrip("=") + ".GfAkE0.emulator-token-not-real"


async def eventually(probe: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Wait for the gateway round trip (events are handled on the adapter's queue)."""
    for _ in range(int(timeout / 0.01)):
        found = probe()
        if found:
            return found
        await asyncio.sleep(0.01)
    return probe()


@pytest.fixture
async def discord_app(make_config: Callable[..., HearthConfig], clock: ManualClock
                      ) -> AsyncIterator[tuple[Hearth, DiscordEmulator]]:
    server = await DiscordEmulator().start()
    config = make_config(COGS + f"[discord]\nguild_ids = [{p.GUILD_ID}]\n")
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", discord_token=DISCORD_TOKEN), clock=clock)
    adapter = DiscordAdapter(hearth.adapter_deps, environ=server.environ, reconnect=False,
                             guild_ready_timeout=0.01)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, server
    await hearth.stop()
    await server.close()


async def test_discord_member_add_opens_a_dm_and_sends_the_welcome(discord_app: tuple[Hearth, DiscordEmulator]
                                                                    ) -> None:
    _, server = discord_app
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add())
    opened = await eventually(lambda: server.sent("POST", "/users/@me/channels"))
    assert str(opened[0].json["recipient_id"]) == p.NELLY_ID
    dm_channel = server.routes.dm_channels[p.NELLY_ID]["id"]
    [welcome] = await eventually(lambda: server.sent("POST", rf"/channels/{dm_channel}/messages"))
    embed = welcome.json["embeds"][0]
    assert embed["title"] == "Welcome to Our Community, Nelly!"
    assert "Welcome to the inner circle" in embed["description"]
    assert any("Your first steps (0 of 4)" in field["name"] for field in embed["fields"])
    assert server.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages") == []  # no fallback needed


async def test_discord_closed_dms_fall_back_to_a_mention_in_the_system_channel(
        discord_app: tuple[Hearth, DiscordEmulator]) -> None:
    _, server = discord_app
    server.closed_dms.add(p.NELLY_ID)
    await server.dispatch("GUILD_MEMBER_ADD", p.member_add())
    [post] = await eventually(lambda: server.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages"))
    assert f"<@{p.NELLY_ID}>" in post.json["embeds"][0]["description"]


async def test_telegram_join_sends_the_welcome_by_dm(make_rig: RigFactory) -> None:  # noqa: F811
    rig = await make_rig(COGS)
    rig.inject(fixture("reconstructed.chat_member.join.json"))
    dm = await rig.emulator.wait_call("sendMessage", lambda call: call.params["chat_id"] == ALICE["id"])
    assert "Welcome to Our Community" in dm.params["text"] and "Welcome to the inner circle" in dm.params["text"]
    assert "Your first steps (0 of 4)" in dm.params["text"]
    assert [c for c in rig.emulator.calls_to("sendMessage") if c.params["chat_id"] == GROUP["id"]] == []


async def test_telegram_blocked_bot_falls_back_to_a_mention_in_the_group(make_rig: RigFactory) -> None:  # noqa: F811
    rig = await make_rig(COGS)
    rig.emulator.blocked_by.add(ALICE["id"])
    rig.inject(fixture("reconstructed.chat_member.join.json"))
    post = await rig.emulator.wait_call("sendMessage", lambda call: call.params["chat_id"] == GROUP["id"])
    assert "Welcome, @Testusername! I couldn't message you privately" in post.params["text"]
    # The DM was tried and refused with Telegram's 403.
    refused = [c for c in rig.emulator.calls if c.method == "sendMessage" and c.params["chat_id"] == ALICE["id"]]
    assert [c.status for c in refused] == [403]
