"""Sharding: `discord.shard_count` / `shard_ids` reach discord.py, each shard IDENTIFYs as itself, and a server's
events arrive through its shard only — one process running every shard, or each process its own."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from bot.config import ConfigError, HearthConfig, load_config
from bot.kit.clock import ManualClock
from bot.kit.events import MessagePosted
from bot.kit.platform import Place, Role
from bot.kit.reply import Reply
from bot.secrets import Secrets
from tests.bot.adapters.discord.conftest import TOKEN, Recorder
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.emulators.discord_gateway import shard_of

OTHER_GUILD_ID = "290926798630552303"  # on the other shard of two than the fixture guild
OTHER_CHANNEL_ID = "290926798630552400"


def other_guild() -> dict[str, Any]:
    guild = copy.deepcopy(p.default_guild())
    guild.update(id=OTHER_GUILD_ID, name="Second Guild", system_channel_id=OTHER_CHANNEL_ID)
    guild["roles"] = [{**guild["roles"][0], "id": OTHER_GUILD_ID}]  # only @everyone, which has the server's id
    guild["channels"] = [{**p.channel(OTHER_CHANNEL_ID, "lobby"), "guild_id": OTHER_GUILD_ID}]
    return guild


def test_the_guilds_are_on_different_shards() -> None:
    assert shard_of(p.GUILD_ID, 2) != shard_of(OTHER_GUILD_ID, 2)


async def connect(make_config: Callable[..., HearthConfig], emulator: DiscordEmulator, clock: ManualClock,
                  discord_toml: str) -> tuple[Hearth, DiscordAdapter, Recorder]:
    config = make_config(f"[discord]\nguild_ids = [{p.GUILD_ID}, {OTHER_GUILD_ID}]\n{discord_toml}")
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", discord_token=TOKEN), clock=clock)
    recorder = Recorder(hearth.bus)
    adapter = DiscordAdapter(hearth.adapter_deps, environ=emulator.environ, reconnect=False,
                             guild_ready_timeout=0.01, identify_delay=0.0)
    await hearth.start(web=False, adapters=[adapter])
    return hearth, adapter, recorder


async def test_one_process_runs_every_shard(make_config: Callable[..., HearthConfig], emulator: DiscordEmulator,
                                            clock: ManualClock, caplog: pytest.LogCaptureFixture) -> None:
    emulator.extra_guilds.append(other_guild())
    hearth, adapter, recorder = await connect(make_config, emulator, clock, "shard_count = 2\n")
    try:
        assert sorted(i["shard"] for i in emulator.gateway.identifies) == [[0, 2], [1, 2]]
        assert adapter.client is not None
        assert {g.id for g in adapter.client.guilds} == {int(p.GUILD_ID), int(OTHER_GUILD_ID)}
        await emulator.dispatch("MESSAGE_CREATE", p.message_create("on the fixture guild's shard"))
        await emulator.dispatch("MESSAGE_CREATE", p.message_create("on the other shard", guild_id=OTHER_GUILD_ID,
                                                                   channel_id=OTHER_CHANNEL_ID))
        posted = await recorder.wait(MessagePosted, 2)
        assert sorted(m.text for m in posted) == ["on the fixture guild's shard", "on the other shard"]
        assert {m.message.place.guild_id for m in posted} == {p.GUILD_ID, OTHER_GUILD_ID}
        assert "2 server(s), shards 0, 1 of 2" in caplog.text
    finally:
        await hearth.stop()


async def test_each_process_runs_its_own_shard(make_config: Callable[..., HearthConfig], emulator: DiscordEmulator,
                                               clock: ManualClock) -> None:
    emulator.extra_guilds.append(other_guild())
    mine = shard_of(OTHER_GUILD_ID, 2)
    hearth, adapter, recorder = await connect(make_config, emulator, clock, f"shard_count = 2\nshard_ids = [{mine}]\n")
    try:
        assert [i["shard"] for i in emulator.gateway.identifies] == [[mine, 2]]
        assert adapter.client is not None and [g.id for g in adapter.client.guilds] == [int(OTHER_GUILD_ID)]
        await emulator.dispatch("MESSAGE_CREATE", p.message_create("for this shard", guild_id=OTHER_GUILD_ID,
                                                                   channel_id=OTHER_CHANNEL_ID))
        assert [m.text for m in await recorder.wait(MessagePosted)] == ["for this shard"]
        # The fixture server's events belong to a shard this process doesn't run (Discord holds them for it)…
        with pytest.raises(RuntimeError, match="its shard"):
            await emulator.dispatch("MESSAGE_CREATE", p.message_create("elsewhere"))
        # …but REST works from any shard: a scheduled post to that server's channel goes out from here.
        sent = await adapter.platform.send(Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID), Reply(text="Hi"))
        assert sent is not None
        assert emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[0].status == 200
        # A tier role in that server too: its roles aren't in this shard's cache, so they are looked up over REST.
        role = Role("discord", p.TIER_ROLE_ID, "Power User")
        assert (await adapter.platform.grant_role(p.AUTHOR["id"], role, "tier reached")).applied
        assert emulator.sent("PUT", rf"/guilds/{p.GUILD_ID}/members/{p.AUTHOR['id']}/roles/{p.TIER_ROLE_ID}")
    finally:
        await hearth.stop()


async def test_without_sharding_one_plain_connection(app: Hearth, make_adapter: Callable[..., DiscordAdapter],
                                                     emulator: DiscordEmulator) -> None:
    await app.start(web=False, adapters=[make_adapter()])
    assert [i.get("shard") for i in emulator.gateway.identifies] == [None]


@pytest.mark.parametrize(("toml", "environ", "problem"), [
    ("shard_ids = [0]\n", {}, "discord: shard_ids needs shard_count"),
    ("shard_ids = [2]\nshard_count = 2\n", {}, "shard 2 doesn't exist with shard_count = 2 (ids go from 0 to 1)"),
    ("shard_ids = []\nshard_count = 2\n", {}, "shard_ids is empty"),
    ("shard_ids = [1, 1]\nshard_count = 2\n", {}, "shard_ids lists a shard twice"),
    ("shard_count = 0\n", {}, "discord.shard_count: Input should be greater than or equal to 1"),
    ("", {"HEARTH_DISCORD_SHARD_IDS": "one"}, "HEARTH_DISCORD_SHARD_IDS (discord.shard_ids): list shard ids as"),
])
def test_bad_shard_settings_are_named(tmp_path: Path, toml: str, environ: dict[str, str], problem: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"[discord]\n{toml}")
    with pytest.raises(ConfigError) as error:
        load_config(path, environ=environ)
    assert problem in "\n".join(error.value.problems)


def test_each_process_can_get_its_shards_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[discord]\nshard_count = 4\n")
    config = load_config(path, environ={"HEARTH_DISCORD_SHARD_IDS": "2, 3"})
    assert (config.discord.shard_ids, config.discord.shard_count) == ([2, 3], 4)
