"""Command-line tools for purchases, registered by ``bot/cli.py``:

- ``sync_group``: ``hearth sync shopify|woocommerce --since DATE [--restart]``
- ``export_purchases``: ``hearth export purchases --format csv|json [--output FILE]`` (``export_group``
  holds it for an app without an ``export`` group yet)
- ``purchases_group``: ``hearth purchases claim-code PROVIDER ORDER_ID`` and ``hearth purchases claim-key``

Each command receives the ``--config`` path as the click context object, like the other ``hearth`` commands.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import httpx

from bot.kit.clock import SystemClock
from cogs.purchases.claims import ClaimCodes
from cogs.purchases.export import purchase_rows, render
from cogs.purchases.inbox import InboxWriter
from cogs.purchases.processor import InboxProcessor
from cogs.purchases.sync import Backfill, ShopifySource, Source, SyncError, WooCommerceSource
from storage.database import Database
from storage.migrate import DatabaseProblem, SchemaState, schema_status

EXIT_CONFIG, EXIT_DATABASE, EXIT_STORE = 2, 3, 4
TOKEN_VARIABLES = ("HEARTH_SHOPIFY_ADMIN_TOKEN", "HEARTH_WOOCOMMERCE_KEY", "HEARTH_WOOCOMMERCE_SECRET")


def _fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


@dataclass(frozen=True)
class Loaded:
    config: Any
    instance_secret: bytes


def _load(config_path: Path | None) -> Loaded:
    # Imported here: cogs are loaded by bot.config, so a module-level import would be circular.
    from bot.config import ConfigError, load_config
    from bot.logging_setup import configure_logging
    from bot.secrets import load_secrets

    try:
        config = load_config(config_path)
    except ConfigError as error:
        _fail("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in error.problems), EXIT_CONFIG)
    secrets = load_secrets(os.environ, Path(config.data_dir))
    tokens = [os.environ.get(name, "") for name in TOKEN_VARIABLES]
    configure_logging(config.log.level, [*secrets.values(), *(t for t in tokens if len(t) >= 6)])
    return Loaded(config, secrets.instance)


def _run(main: Callable[[Database], Awaitable[Any]], url: str) -> Any:
    async def wrapped() -> Any:
        database = Database(url)
        try:
            status = await schema_status(database)
            if status.state is not SchemaState.CURRENT:
                raise DatabaseProblem("the database schema is not current: run `hearth db upgrade` first")
            return await main(database)
        finally:
            await database.close()

    try:
        return asyncio.run(wrapped())
    except DatabaseProblem as problem:
        _fail(f"Database problem: {problem}", EXIT_DATABASE)
    except SyncError as problem:
        _fail(f"Sync failed: {problem} (run the same command again to resume)", EXIT_STORE)


# --- sync ----------------------------------------------------------------------------------------


@click.group("sync")
def sync_group() -> None:
    """Backfill orders from a store's REST API (resumable; safe to repeat)."""


def _since(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT00:00:00")


async def _backfill(database: Database, loaded: Loaded, make_source: Callable[[httpx.AsyncClient], Source],
                    since: str, restart: bool) -> None:
    clock = SystemClock()
    writer = InboxWriter(database)
    try:
        async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
            result = await Backfill(database, clock, writer, loaded.instance_secret).run(
                make_source(client), since, restart=restart)
    finally:
        await writer.close()
    # Merged here so `hearth export purchases` shows them at once; points and roles follow in the running bot.
    merged = await InboxProcessor(database, clock, ClaimCodes(loaded.instance_secret)).drain()
    resumed = " (resumed)" if result.resumed else ""
    click.echo(f"Fetched {result.fetched} orders in {result.pages} pages{resumed}: {result.accepted} new or changed, "
               f"{merged} merged.")


@sync_group.command("shopify")
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First order date (UTC).")
@click.option("--restart", is_flag=True, help="Start from the first page even if an earlier run was interrupted.")
@click.pass_obj
def sync_shopify(config_path: Path | None, since: datetime, restart: bool) -> None:
    """Import Shopify orders created since DATE (needs HEARTH_SHOPIFY_ADMIN_TOKEN)."""
    loaded = _load(config_path)
    settings = loaded.config.purchases.shopify
    token = os.environ.get("HEARTH_SHOPIFY_ADMIN_TOKEN", "").strip()
    if not token or not (settings.shop or settings.base_url):
        _fail("Set [purchases.shopify] shop in the config and HEARTH_SHOPIFY_ADMIN_TOKEN in the environment.",
              EXIT_CONFIG)
    base_url = settings.base_url or f"https://{settings.shop}"
    _run(lambda db: _backfill(db, loaded, lambda client: ShopifySource(client, base_url, settings.api_version,
                                                                       token, asyncio.sleep),
                              _since(since), restart), loaded.config.database.url)


@sync_group.command("woocommerce")
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]), help="First order date (UTC).")
@click.option("--restart", is_flag=True, help="Start from the first page even if an earlier run was interrupted.")
@click.pass_obj
def sync_woocommerce(config_path: Path | None, since: datetime, restart: bool) -> None:
    """Import WooCommerce orders created since DATE (needs HEARTH_WOOCOMMERCE_KEY and _SECRET)."""
    loaded = _load(config_path)
    url = loaded.config.purchases.woocommerce.url
    key = os.environ.get("HEARTH_WOOCOMMERCE_KEY", "").strip()
    secret = os.environ.get("HEARTH_WOOCOMMERCE_SECRET", "").strip()
    if not (url and key and secret):
        _fail("Set [purchases.woocommerce] url in the config and HEARTH_WOOCOMMERCE_KEY / HEARTH_WOOCOMMERCE_SECRET "
              "in the environment.", EXIT_CONFIG)
    _run(lambda db: _backfill(db, loaded, lambda client: WooCommerceSource(client, url, key, secret, asyncio.sleep),
                              _since(since), restart), loaded.config.database.url)


# --- export --------------------------------------------------------------------------------------


@click.command("purchases")
@click.option("--format", "form", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.pass_obj
def export_purchases(config_path: Path | None, form: str, output: Path | None) -> None:
    """Every recorded order: provider, order id, amount, currency, status, member if claimed."""
    loaded = _load(config_path)
    text = render(_run(purchase_rows, loaded.config.database.url), form)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


@click.group("export")
def export_group() -> None:
    """Export data as CSV or JSON."""


export_group.add_command(export_purchases)


# --- claim codes ---------------------------------------------------------------------------------


@click.group("purchases")
def purchases_group() -> None:
    """Claim codes for store orders."""


@purchases_group.command("claim-code")
@click.argument("provider", type=click.Choice(["shopify", "woocommerce", "stripe", "standard", "lemonsqueezy"]))
@click.argument("order_id")
@click.pass_obj
def claim_code(config_path: Path | None, provider: str, order_id: str) -> None:
    """Print an order's claim code and links (ORDER_ID is the store's id, e.g. Shopify's order.id)."""
    loaded = _load(config_path)
    code = ClaimCodes(loaded.instance_secret).code(provider, order_id)
    click.echo(code)
    click.echo(f"Discord / any chat: /claim {code}")
    bot = loaded.config.purchases.telegram_bot
    if bot:
        click.echo(f"Telegram: https://t.me/{bot}?start=claim_{code}")


@purchases_group.command("claim-key")
@click.pass_obj
def claim_key(config_path: Path | None) -> None:
    """Print the key a store template uses to compute claim codes (keep it as secret as a webhook secret)."""
    click.echo(ClaimCodes(_load(config_path).instance_secret).claim_key)
