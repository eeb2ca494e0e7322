"""The real `hearth run` process serving Telegram through the emulator, then stopping on SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from tests.bot.adapters.telegram.support import ALICE, GROUP
from tests.emulators.telegram import TelegramEmulator

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[4]


async def test_hearth_run_answers_a_telegram_command_and_stops_on_sigterm(emulator: TelegramEmulator,
                                                                          tmp_path: Path, database_url: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "{database_url}"\n'
                      '[community]\nname = "Acme Coffee"\n')
    env = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": "0",
           "HEARTH_TELEGRAM_TOKEN": emulator.token, "HEARTH_TELEGRAM_BASE_URL": emulator.base_url}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "hearth"), "run", stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=ROOT)
    try:
        # A cold start of a real process on a busy machine takes a while; then the bot long-polls.
        await emulator.wait_call("getUpdates", timeout=60)
        emulator.inject(emulator.message_update(GROUP, ALICE, "/help@store_community_bot"))
        reply = await emulator.wait_call("sendMessage", timeout=15)
        assert reply.params["chat_id"] == GROUP["id"]
        assert "Acme Coffee — what you can do" in reply.params["text"]
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    stderr = (await process.stderr.read()).decode() if process.stderr else ""
    assert process.returncode == 0, stderr
    assert "Telegram connected as @store_community_bot (polling)" in stderr
    assert emulator.token.split(":")[1] not in stderr  # the token never reaches the log
    assert [c.method for c in emulator.calls[:2]] == ["getMe", "setMyCommands"]
