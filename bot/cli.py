"""``hearth``: run the bot, the console chat, migrations and config checks."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import click

from bot.adapters.discord.cli import discord_group
from bot.cli_copy import copy_command
from bot.cli_support import (
    EXIT_CONFIG,
    Setup,
    fail,
    load_setup,
    prepare_database,
    run_async,
    upgrade_checked,
)
from bot.cli_transfer import export_group, import_group
from bot.config import ConfigError, load_config
from cogs.lifecycle.cli import outbox_group
from cogs.metrics.export import export_metrics
from cogs.purchases.cli import export_purchases, purchases_group, sync_group
from cogs.referrals.cli import export_referrals
from cogs.ugc.export import export_ugc
from storage.database import Database
from storage.migrate import head_revision, schema_status

log = logging.getLogger("hearth")

NO_TOKEN_HINT = (
    "No chat platform configured: set HEARTH_DISCORD_TOKEN and/or HEARTH_TELEGRAM_TOKEN to connect "
    "Discord/Telegram."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(path_type=Path), default=None,
              help="Config file (default: $HEARTH_CONFIG or ./config.toml).")
@click.pass_context
def main(ctx: click.Context, config_path: Path | None) -> None:
    """Hearth — the community bot that ties chat to your store."""
    ctx.obj = config_path


async def _serve(setup: Setup, *, console: bool, web: bool, member: str | None = None) -> None:
    from bot.adapters.console import ConsoleAdapter
    from bot.app import Hearth

    hearth = Hearth(setup.config, setup.secrets)
    adapters = [] if console and not web else hearth.chat_adapters()
    console_adapter: ConsoleAdapter | None = None
    if console:
        console_adapter = ConsoleAdapter(hearth.dispatcher, hearth.bus, hearth.clock,
                                         member=member or setup.config.console.default_member,
                                         channel=setup.config.console.channel)
        adapters.append(console_adapter)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await hearth.start(web=web, adapters=adapters)
        waiters = [asyncio.create_task(stop.wait())]
        if console_adapter is not None:
            waiters.append(asyncio.create_task(console_adapter.run()))
        done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        for task in done:
            task.result()
    finally:
        log.info("shutting down")
        await hearth.stop()


@main.command()
@click.pass_obj
def run(config_path: Path | None) -> None:
    """Run the bot: chat adapters, scheduler and web server, until SIGTERM."""
    setup = load_setup(config_path)
    prepare_database(setup.config)
    has_platform = bool(setup.secrets.discord_token or setup.secrets.telegram_token)
    console = not has_platform and sys.stdin.isatty()
    if not has_platform:
        log.warning(NO_TOKEN_HINT + (" Starting the local console chat." if console else
                                     " Serving webhooks and the scheduler until SIGTERM."))
    run_async(lambda: _serve(setup, console=console, web=True))


@main.command()
@click.option("--as", "member", default=None, help="The member you type as (default from config).")
@click.pass_obj
def console(config_path: Path | None, member: str | None) -> None:
    """Chat with the bot locally: real cogs and database. Scriptable through stdin."""
    setup = load_setup(config_path)
    prepare_database(setup.config)
    run_async(lambda: _serve(setup, console=True, web=False, member=member))


@main.group()
def db() -> None:
    """Database schema commands."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(config_path: Path | None) -> None:
    """Apply pending migrations (safe to repeat)."""
    setup = load_setup(config_path)
    upgrade_checked(setup.config.database.url)
    click.echo(f"Database is at the latest schema ({head_revision()}).")


@db.command("status")
@click.pass_obj
def db_status(config_path: Path | None) -> None:
    """Show the schema revision of the database."""
    setup = load_setup(config_path)

    async def show() -> None:
        database = Database(setup.config.database.url)
        try:
            status = await schema_status(database)
        finally:
            await database.close()
        click.echo(f"schema: {status.state.value} (database {status.revision or '-'}, code {status.head})")

    run_async(show)


@main.group("config")
def config_group() -> None:
    """Configuration commands."""


@config_group.command("check")
@click.pass_obj
def config_check(config_path: Path | None) -> None:
    """Validate the config file and environment; print what is wrong and what is allowed."""
    try:
        config = load_config(config_path)
    except ConfigError as error:
        fail("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in error.problems), EXIT_CONFIG)
    path = config_path or Path(os.environ.get("HEARTH_CONFIG", "config.toml"))
    source = str(path) if path.exists() else f"{path} (missing: using defaults)"
    click.echo(f"Configuration OK: {source}")
    click.echo(f"  cogs: {', '.join(config.cogs.enabled)}")
    click.echo(f"  database: {config.database.url.split('@')[-1]}")
    click.echo(f"  web: http://{config.web.host}:{config.web.port}")
    platforms = [name for name, var in (("discord", "HEARTH_DISCORD_TOKEN"), ("telegram", "HEARTH_TELEGRAM_TOKEN"))
                 if os.environ.get(var)]
    click.echo(f"  platforms: {', '.join(platforms) or 'none (console only)'}")


db.add_command(copy_command)
main.add_command(import_group)
main.add_command(export_group)
main.add_command(discord_group)
main.add_command(outbox_group)
main.add_command(sync_group)
main.add_command(purchases_group)
export_group.add_command(export_referrals)
export_group.add_command(export_purchases)
export_group.add_command(export_metrics)
export_group.add_command(export_ugc)

if __name__ == "__main__":
    main()
