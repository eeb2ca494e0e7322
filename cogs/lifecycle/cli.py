"""``hearth outbox list`` and ``hearth outbox retry [ID…|--all]``: the CRM webhooks waiting or dead-lettered.

Registered by ``bot/cli.py`` (``main.add_command(outbox_group)``); each command receives the ``--config``
path as the click context object, like the other ``hearth`` commands.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from bot.kit.clock import SystemClock
from cogs.lifecycle.outbox import DeliveryReport, Letter, Outbox
from storage.database import Database
from storage.migrate import DatabaseProblem, SchemaState, newer_schema_message, schema_status


async def _checked(database: Database) -> None:
    """Refuse a database this Hearth can't use, as the app's own tools do (cogs can't import the app)."""
    status = await schema_status(database)
    if status.state is SchemaState.NEWER:
        raise DatabaseProblem(newer_schema_message(status))
    if status.state is not SchemaState.CURRENT:
        raise DatabaseProblem(f"the database is at {status.revision or 'an empty schema'}, not {status.head}: "
                              "run `hearth db upgrade` first.")


def _outbox_tool(config_path: Path | None, work: Any) -> Any:
    """Run ``work(outbox)`` against the configured database, with the config's CRM settings and secret."""
    # Imported here: bot.config loads the cogs, so importing it at module level would be circular.
    from bot.cli_support import load_setup, prepare_database, run_async

    setup = load_setup(config_path)
    prepare_database(setup.config)

    async def go() -> Any:
        database = Database(setup.config.database.url)
        outbox = Outbox(database, SystemClock(), setup.config.lifecycle.crm, setup.secrets.crm_webhook)
        try:
            await _checked(database)
            return await work(outbox)
        finally:
            await outbox.close()
            await database.close()

    return run_async(go)


def _line(letter: Letter, when: str) -> str:
    member = f"member {letter.member_id}" if letter.member_id is not None else "no member"
    error = f" — {letter.last_error}" if letter.last_error else ""
    return (f"  #{letter.id}  {letter.message_id}  {letter.event_type}  {member}  "
            f"{letter.attempts} attempt(s), {when} {letter.when:%Y-%m-%d %H:%M} UTC{error}")


@click.group("outbox")
def outbox_group() -> None:
    """CRM webhooks (stage changes): what is waiting, what failed, and re-sending."""


@outbox_group.command("list")
@click.option("--limit", default=50, show_default=True, help="Show at most this many of each.")
@click.pass_obj
def list_command(config_path: Path | None, limit: int) -> None:
    """Show dead-lettered webhooks (and how many are still waiting to be sent)."""

    async def work(outbox: Outbox) -> tuple[tuple[int, list[Letter]], tuple[int, list[Letter]]]:
        return await outbox.pending(limit), await outbox.dead(limit)

    (waiting, pending), (failed, dead) = _outbox_tool(config_path, work)
    click.echo(f"Waiting to be sent: {waiting}")
    for letter in pending:
        click.echo(_line(letter, "next try"))
    click.echo(f"Dead letters: {failed}" + (" — re-send with `hearth outbox retry ID` or `--all`" if failed else ""))
    for letter in dead:
        click.echo(_line(letter, "failed"))


@outbox_group.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "everything", is_flag=True, help="Re-send every dead letter.")
@click.pass_obj
def retry_command(config_path: Path | None, ids: tuple[int, ...], everything: bool) -> None:
    """Move dead letters back to the outbox and try them once now; the bot keeps retrying what still fails."""
    if bool(ids) == everything:
        click.echo("Name the dead letters to re-send (IDs from `hearth outbox list`) or use --all.", err=True)
        sys.exit(2)

    async def work(outbox: Outbox) -> tuple[list[str], DeliveryReport, bool]:
        moved = await outbox.retry(None if everything else list(ids))
        report = await outbox.deliver_due() if moved else DeliveryReport()
        return moved, report, outbox.can_send

    moved, report, can_send = _outbox_tool(config_path, work)
    if not moved:
        click.echo("No such dead letters: nothing re-queued.", err=True)
        sys.exit(1)
    click.echo(f"Re-queued {len(moved)} webhook(s).")
    if not can_send:
        click.echo("Not sent now: set [lifecycle.crm] url and HEARTH_CRM_WEBHOOK_SECRET; the bot sends them then.")
        return
    click.echo(f"Sent {len(report.sent)}; still failing {len(report.failed)} (the bot retries them with backoff)"
               + (f"; dead again {len(report.dead)}" if report.dead else "") + ".")
