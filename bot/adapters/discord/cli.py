"""``hearth discord sync [--guild ID]`` and ``hearth discord invite``: the click group ``discord_group``."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import NoReturn

import click

from bot.adapters.discord.commands import CommandTreeError, plan_sync
from bot.adapters.discord.sync import (
    RestSession,
    SyncProblem,
    client_id_from_token,
    describe,
    invite_url,
    permission_names,
    sync_targets,
)
from bot.config import ConfigError, HearthConfig, load_config
from bot.kit.commands import Command
from bot.logging_setup import configure_logging
from bot.secrets import Secrets, load_secrets

EXIT_CONFIG, EXIT_DISCORD = 2, 4


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def _setup(config_path: Path | None) -> tuple[HearthConfig, Secrets]:
    try:
        config = load_config(config_path)
    except ConfigError as error:
        _fail("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in error.problems), EXIT_CONFIG)
    secrets = load_secrets(os.environ, Path(config.data_dir))
    configure_logging(config.log.level, secrets.values())
    return config, secrets


def _commands(config: HearthConfig, secrets: Secrets) -> list[Command]:
    """The commands of the enabled cogs, exactly as `hearth run` registers them."""
    from bot.app import Hearth

    hearth = Hearth(config, secrets)
    try:
        return hearth.registry.all()
    finally:
        asyncio.run(hearth.database.close())


@click.group("discord")
def discord_group() -> None:
    """Discord: push slash commands, print the bot invite link."""


@discord_group.command("sync")
@click.option("--guild", "guild_id", type=int, default=None,
              help="Only this server (e.g. a test server); default: every [discord] guild_ids, plus global.")
@click.option("--dry-run", is_flag=True, help="Show what would change without changing it.")
@click.pass_obj
def sync(config_path: Path | None, guild_id: int | None, dry_run: bool) -> None:
    """Push the slash commands to Discord and print what changed (never done on connect)."""
    config, secrets = _setup(config_path if isinstance(config_path, Path) else None)
    if not secrets.discord_token:
        _fail("HEARTH_DISCORD_TOKEN is not set: the sync logs in as the bot.", EXIT_CONFIG)
    guild_ids = [guild_id] if guild_id is not None else list(config.discord.guild_ids)
    try:
        targets = plan_sync(_commands(config, secrets), guild_ids, include_global=guild_id is None,
                            moderator_permission=config.discord.moderator_permission)
    except CommandTreeError as error:
        _fail("These commands can't be shown on Discord:\n" + "\n".join(f"  - {p}" for p in error.problems),
              EXIT_CONFIG)

    async def run() -> list[str]:
        async with RestSession(secrets.discord_token or "") as session:
            results = await sync_targets(session, targets, dry_run=dry_run)
        return [line for result in results for line in describe(result, dry_run=dry_run)]

    try:
        lines = asyncio.run(run())
    except SyncProblem as problem:
        _fail(str(problem), EXIT_DISCORD)
    for line in lines:
        click.echo(line)
    if not guild_ids:
        click.echo("No [discord] guild_ids configured: commands are global (Discord shows them within minutes).")


@discord_group.command("invite")
@click.option("--client-id", type=int, default=None, help="The application id (default: asked from Discord).")
@click.pass_obj
def invite(config_path: Path | None, client_id: int | None) -> None:
    """Print the link that adds the bot to a server, with the scopes and permissions Hearth needs."""
    config, secrets = _setup(config_path if isinstance(config_path, Path) else None)
    if client_id is None and secrets.discord_token:
        token = secrets.discord_token

        async def ask() -> int:
            async with RestSession(token) as session:
                return session.application_id

        try:
            client_id = asyncio.run(ask())
        except SyncProblem as problem:
            client_id = client_id_from_token(token)
            if client_id is None:
                _fail(str(problem), EXIT_DISCORD)
            click.echo(f"({problem} — using the id inside the token instead)", err=True)
    if client_id is None:
        _fail("Set HEARTH_DISCORD_TOKEN or pass --client-id (Developer Portal → your application → "
              "Application ID).", EXIT_CONFIG)
    guild_ids = config.discord.guild_ids
    click.echo(invite_url(client_id, guild_ids[0] if len(guild_ids) == 1 else None))
    click.echo("Scopes: bot, applications.commands")
    click.echo("Permissions: " + ", ".join(permission_names()))
