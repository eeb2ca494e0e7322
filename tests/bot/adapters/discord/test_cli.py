"""``hearth discord sync`` and ``hearth discord invite`` against the emulator (served from a thread)."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner, Result

from bot.adapters.discord.cli import discord_group
from bot.adapters.discord.permissions import INVITE_PERMISSIONS
from tests.bot.adapters.discord.conftest import TOKEN
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator

COMMANDS = rf"/applications/{p.APP_ID}/guilds/{p.GUILD_ID}/commands"


@pytest.fixture
def threaded_emulator() -> Iterator[DiscordEmulator]:
    """The CLI runs its own event loop (asyncio.run), so the emulator gets a loop in a thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    emulator = asyncio.run_coroutine_threadsafe(DiscordEmulator().start(), loop).result(10)
    yield emulator
    asyncio.run_coroutine_threadsafe(emulator.close(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)
    loop.close()


@pytest.fixture(autouse=True)
def keep_test_logging() -> Iterator[None]:
    """The CLI configures logging for a real process; put pytest's handlers back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def config_file(tmp_path: Path, database_url: str, extra: str = "") -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{database_url}"\n'
                    f"[discord]\nguild_ids = [{p.GUILD_ID}]\n{extra}")
    return path


def run(args: list[str], config: Path, emulator: DiscordEmulator | None, token: str | None = TOKEN) -> Result:
    env = {"HEARTH_DISCORD_TOKEN": token, **(emulator.environ if emulator else {})}
    return CliRunner().invoke(discord_group, args, obj=config, env=env, catch_exceptions=False)


def test_sync_pushes_once_and_prints_what_changed(tmp_path: Path, database_url: str,
                                                  threaded_emulator: DiscordEmulator) -> None:
    config = config_file(tmp_path, database_url)
    first = run(["sync"], config, threaded_emulator)
    assert first.exit_code == 0, first.output
    assert f"server {p.GUILD_ID}: updated" in first.output and "  + /profile" in first.output
    assert "  + /mod" in first.output and "global: no changes" in first.output
    [pushed] = threaded_emulator.sent("PUT", COMMANDS)
    by_name = {c["name"]: c for c in pushed.json}
    assert by_name["mod"]["default_member_permissions"] == "32"
    assert by_name["profile"]["default_member_permissions"] is None
    member = next(o for o in by_name["mod"]["options"] if o["name"] == "member")
    assert member["type"] == 1 and member["options"][0]["type"] == 6 and member["options"][0]["required"]
    assert by_name["link"]["options"][0] == {"type": 3, "name": "code", "required": False, "max_length": 32,
                                             "description": "The code /link gave you on your other account"}

    again = run(["sync"], config, threaded_emulator)
    assert again.exit_code == 0 and f"server {p.GUILD_ID}: no changes" in again.output
    assert len(threaded_emulator.sent("PUT", COMMANDS)) == 1

    stricter = config_file(tmp_path, database_url, 'moderator_permission = "manage_messages"\n')
    preview = run(["sync", "--dry-run"], stricter, threaded_emulator)
    assert "would change" in preview.output and "  ~ /mod" in preview.output
    assert len(threaded_emulator.sent("PUT", COMMANDS)) == 1


def test_sync_to_a_server_hearth_is_not_in_says_how_to_fix_it(tmp_path: Path, database_url: str,
                                                              threaded_emulator: DiscordEmulator) -> None:
    result = run(["sync", "--guild", "123456789012345678"], config_file(tmp_path, database_url), threaded_emulator)
    assert result.exit_code == 4
    assert "applications.commands" in result.output and "hearth discord invite" in result.output
    assert not threaded_emulator.sent("PUT", r".*/commands")


def test_sync_needs_the_token(tmp_path: Path, database_url: str) -> None:
    result = run(["sync"], config_file(tmp_path, database_url), None, token=None)
    assert result.exit_code == 2 and "HEARTH_DISCORD_TOKEN is not set" in result.output


def test_invite_url_has_the_scopes_and_permissions(tmp_path: Path, database_url: str,
                                                   threaded_emulator: DiscordEmulator) -> None:
    result = run(["invite"], config_file(tmp_path, database_url), threaded_emulator)
    assert result.exit_code == 0, result.output
    url = urlparse(result.stdout.splitlines()[0])
    query = parse_qs(url.query)
    assert url.netloc == "discord.com" and query["client_id"] == [p.APP_ID]
    assert query["scope"] == ["bot applications.commands"]
    assert query["permissions"] == [str(INVITE_PERMISSIONS.value)]
    assert query["guild_id"] == [p.GUILD_ID] and query["disable_guild_select"] == ["true"]
    assert "Manage Roles" in result.output and "Send Polls" in result.output


def test_invite_offline_with_a_client_id(tmp_path: Path, database_url: str) -> None:
    result = run(["invite", "--client-id", "42"], config_file(tmp_path, database_url), None, token=None)
    assert result.exit_code == 0 and "client_id=42" in result.output
