"""The real ``hearth run`` process serving a slash command from the loopback Discord, then SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.bot.adapters.discord.conftest import TOKEN
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator

pytestmark = pytest.mark.slow
HEARTH = Path(sys.executable).parent / "hearth"


async def test_hearth_run_answers_a_slash_command_and_stops_on_sigterm(tmp_path: Path, emulator: DiscordEmulator,
                                                                        database_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "{database_url}"\n'
                      f"[discord]\nguild_ids = [{p.GUILD_ID}]\n")
    env = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": "0",
           "HEARTH_DISCORD_TOKEN": TOKEN, **emulator.environ}
    stderr = (tmp_path / "stderr.log").open("w+")
    process = await asyncio.create_subprocess_exec(str(HEARTH), "run", stdin=asyncio.subprocess.DEVNULL,
                                                   stdout=stderr, stderr=stderr, env=env, cwd=tmp_path)
    try:
        await emulator.gateway.wait_connections(1, timeout=90)  # a cold start on a busy machine
        callback = await emulator.interact(p.slash("profile"), timeout=10)
        assert callback.json["type"] == 4 and callback.json["data"]["embeds"][0]["title"] == "Mason"
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr.seek(0)
    log = stderr.read()
    assert code == 0, log
    assert "Traceback" not in log and " ERROR " not in log, log
    assert "discord connected" in log
    assert not emulator.sent("PUT", r".*/commands")  # commands are never synced on connect
    assert emulator.gateway.current is not None and emulator.gateway.current.socket is None  # closed cleanly
