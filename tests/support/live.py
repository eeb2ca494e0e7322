"""Real `hearth run` processes against the loopback Discord: start, watch their logs, kill them.

The processes run on the wall clock, so tests wait for what the processes do (a log line, a request the
emulator received, rows in the database) rather than for time to pass.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.platform import Place, PlatformUser
from bot.secrets import Secrets
from storage.migrate import upgrade
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.support.harness import Chat
from tests.support.memory_platform import MemoryPlatform

HEARTH = Path(sys.executable).parent / "hearth"
MOD = PlatformUser(platform="discord", user_id=p.MASON_ID, display_name="Mason", username="mason")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Process:
    """One `hearth run`, its web port and its log file."""

    name: str
    log: Path
    port: int = 0
    process: asyncio.subprocess.Process | None = None

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def caught_up(self) -> bool:
        """Ran a whole ritual tick with its platforms connected: it had its chance to claim every due ritual."""
        return "rituals caught up after start" in self.text()

    async def start(self, environ: dict[str, str], cwd: Path) -> None:
        with self.log.open("a") as log:
            self.process = await asyncio.create_subprocess_exec(
                str(HEARTH), "run", stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log, env=environ, cwd=cwd)

    async def stop(self, how: int) -> int:
        assert self.process is not None
        self.process.send_signal(how)
        return await asyncio.wait_for(self.process.wait(), timeout=30)

    async def kill_if_running(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def until(check: Callable[[], object | Awaitable[object]], what: str, timeout: float = 120) -> None:
    """Poll a (plain or async) condition until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = check()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.2)


async def create_due_rituals(url: str, folder: Path, names: Sequence[str], instance: bytes,
                             channel: str = p.CHANNEL_ID) -> datetime:
    """Rituals a moderator created ten minutes ago, daily at a time two minutes ago: due at the next start.

    Runs the real app in this process on a ManualClock (then stops it); returns the time they are due.
    """
    await asyncio.to_thread(upgrade, url)
    now = datetime.now(UTC)
    due = (now - timedelta(minutes=2)).replace(second=0, microsecond=0)
    config = load_config(folder / "config.toml", environ={"HEARTH_DATABASE_URL": url})
    hearth = Hearth(config, Secrets(instance=instance), clock=ManualClock(now - timedelta(minutes=10)))
    await hearth.start(web=False)
    try:
        chat = Chat(hearth, MemoryPlatform(name="discord"), Place("discord", channel, guild_id=p.GUILD_ID))
        for name in names:
            created = await chat.text(MOD, f'/mod ritual create "{name}" "daily {due:%H:%M} UTC" '
                                           f"discord:{channel} {name}: share what you did!", role=Permission.MODERATOR)
            assert "created" in created.lower(), created
    finally:
        await hearth.stop()
    return due


def prompts(emulator: DiscordEmulator, names: Sequence[str], channel: str = p.CHANNEL_ID) -> list[str]:
    """The ritual prompts Discord received in the channel (by embed title), sorted."""
    posts = emulator.sent("POST", rf"/channels/{channel}/messages")
    return sorted(str(embed.get("title")) for post in posts for embed in (post.json or {}).get("embeds") or ()
                  if str(embed.get("title")) in names)
