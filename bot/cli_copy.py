"""``hearth db copy --to URL``: move a community to another database (SQLite → PostgreSQL), checked by row counts."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from bot.cli_support import EXIT_DATABASE, fail, load_setup, prepare_database, run_async
from storage.copy import BATCH_SIZE, CopyReport, copy_database, existing_rows, safe_url
from storage.database import Database, sqlite_path
from storage.migrate import DatabaseProblem, SchemaState, newer_schema_message, schema_status, upgrade

DRIVERS = ("postgresql+asyncpg", "sqlite+aiosqlite")
EXIT_REFUSED = 1
EXIT_MISMATCH = 1


class TargetHoldsData(Exception):
    """The target already has rows; copying would mix two communities."""

    def __init__(self, counts: dict[str, int]) -> None:
        super().__init__(counts)
        self.counts = counts


def _target_url(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    try:
        url = make_url(value)
    except ArgumentError:
        raise click.BadParameter(f"'{value}' is not a database URL: use postgresql+asyncpg://user@host/db") from None
    if url.drivername not in DRIVERS:
        hint = " (Hearth talks to PostgreSQL through asyncpg)" if url.get_backend_name() == "postgresql" else ""
        raise click.BadParameter(f"'{url.drivername}://' is not supported{hint}: use "
                                 "postgresql+asyncpg://user@host/db or sqlite+aiosqlite:///path/to/file.db")
    if not url.database:
        raise click.BadParameter("the URL names no database: add it at the end, e.g. postgresql+asyncpg://user@host/hearth")
    return value


def _same_database(one: str, other: str) -> bool:
    def identity(url: URL) -> tuple[object, ...]:
        if url.get_backend_name() == "sqlite":
            return ("sqlite", Path(url.database or "").resolve())
        return (url.get_backend_name(), url.host or "localhost", url.port or 5432, url.database)

    return identity(make_url(one)) == identity(make_url(other))


async def _prepare_target(target: Database, replace: bool) -> None:
    """Refuse a newer or occupied target (before touching it), then migrate it to this Hearth's schema."""
    try:
        status = await schema_status(target)
        held = {} if status.state is SchemaState.EMPTY else await existing_rows(target)
    except OSError as error:  # refused, unknown host: before any database answers
        raise DatabaseProblem(f"can't connect to {safe_url(target.url)}: {error}") from None
    if status.state is SchemaState.NEWER:
        raise DatabaseProblem(newer_schema_message(status))
    if held and not replace:
        raise TargetHoldsData(held)
    if status.state is not SchemaState.CURRENT:
        click.echo(f"Migrating {safe_url(target.url)} to schema {status.head} …", err=True)
        await asyncio.to_thread(upgrade, target.url)


async def _copy(source_url: str, target_url: str, replace: bool, batch_size: int) -> CopyReport:
    source, target = Database(source_url), Database(target_url)
    bars: list[Any] = []

    def totals(rows: int) -> None:
        bar = click.progressbar(length=rows, label="Copying rows", file=sys.stderr, show_pos=True, show_eta=False)
        bars.append(bar.__enter__())

    try:
        status = await schema_status(source)
        if status.state is not SchemaState.CURRENT:
            raise DatabaseProblem(f"the configured database is not at this Hearth's schema ({status.state.value}): "
                                  "run `hearth db upgrade` first")
        await _prepare_target(target, replace)
        try:
            return await copy_database(source, target, replace=replace, batch_size=batch_size,
                                       progress=lambda done: bars[0].update(done), totals=totals)
        finally:
            if bars:
                bars[0].__exit__(None, None, None)
    finally:
        await source.close()
        await target.close()


def _print_counts(report: CopyReport) -> None:
    shown = [count for count in report.counts if count.source or count.target]
    width = max([len(count.table) for count in shown] + [5])
    click.echo(f"{'table':<{width}}  {'source':>10}  {'target':>10}")
    for count in shown:
        flag = "" if count.matches else "  ← MISMATCH"
        click.echo(f"{count.table:<{width}}  {count.source:>10,}  {count.target:>10,}{flag}")
    empty = len(report.counts) - len(shown)
    if empty:
        click.echo(f"({empty} more tables are empty on both sides)")


@click.command("copy")
@click.option("--to", "target_url", required=True, metavar="URL", callback=_target_url,
              help="The database to copy into, e.g. postgresql+asyncpg://hearth@db.example.com/hearth.")
@click.option("--replace", is_flag=True,
              help="Delete every row the target already holds, in the same transaction as the copy. Without it, "
                   "a target with data is refused.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=BATCH_SIZE, show_default=True,
              help="Rows read and written per round trip.")
@click.pass_obj
def copy_command(config_path: Path | None, target_url: str, replace: bool, batch_size: int) -> None:
    """Copy every row of the configured database into another one (SQLite → PostgreSQL), then compare counts.

    Stop the bot first: rows written after the copy starts stay behind in the old database.
    """
    setup = load_setup(config_path)
    source_url = setup.config.database.url
    if _same_database(source_url, target_url):
        raise click.BadParameter("that is the configured database itself: name another one", param_hint="'--to'")
    source_file = sqlite_path(source_url)
    if source_file is not None and not source_file.exists():
        # prepare_database would create an empty one, and "copied 0 rows" would hide the wrong path.
        fail(f"There is no database at {source_file} (database.url): nothing to copy.", EXIT_DATABASE)
    prepare_database(setup.config)
    try:
        report = run_async(lambda: _copy(source_url, target_url, replace, batch_size))
    except TargetHoldsData as refused:
        # Who is in there says most about whose data it is: members first, then the biggest tables.
        ordered = sorted(refused.counts.items(), key=lambda item: (item[0] != "members", -item[1], item[0]))
        listed = ", ".join(f"{name}: {count:,} rows" for name, count in ordered[:5])
        more = f" and {len(ordered) - 5} more tables" if len(ordered) > 5 else ""
        click.echo(f"{safe_url(target_url)} already holds data ({listed}{more}). Nothing was changed: copy into "
                   "an empty database, or add --replace to delete what it holds first.", err=True)
        sys.exit(EXIT_REFUSED)
    _print_counts(report)
    if report.mismatches:
        names = ", ".join(count.table for count in report.mismatches)
        click.echo(f"Row counts differ in {names}: don't switch to {safe_url(target_url)}; run the copy again "
                   "with --replace.", err=True)
        sys.exit(EXIT_MISMATCH)
    click.echo(f"Copied {report.rows:,} rows into {safe_url(target_url)}; every table's count matches. Point "
               "database.url (or HEARTH_DATABASE_URL) at it to switch.")
