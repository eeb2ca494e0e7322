"""``hearth import …`` and ``hearth export …``: moving data in and out, with a progress bar."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import click
from tqdm import tqdm

from bot.cli_support import load_setup, prepare_database, run_async

Rows = Callable[[Any, datetime | None], AsyncIterator[dict[str, object]]]
# What the progress bar counts against: "ledger" / "members" (cogs.points.transfer.count_rows), or a feature's
# own ``count(database, since)`` for its rows.
Counter = str | Callable[[Any, datetime | None], Awaitable[int]]


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date: use YYYY-MM-DD, e.g. 2026-01-31") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def write_export(rows: AsyncIterator[dict[str, object]], total: int, fmt: str, out: IO[str]) -> int:
    written = 0
    with tqdm(total=total, unit="row", file=sys.stderr, disable=None) as bar:
        writer: csv.DictWriter[str] | None = None
        if fmt == "json":
            out.write("[")
        async for row in rows:
            if fmt == "csv":
                if writer is None:
                    writer = csv.DictWriter(out, fieldnames=list(row))
                    writer.writeheader()
                writer.writerow(row)
            else:
                out.write(("," if written else "") + "\n  " + json.dumps(row, ensure_ascii=False))
            written += 1
            bar.update(1)
        if fmt == "json":
            out.write("\n]\n" if written else "]\n")
    return written


def export_command(name: str, help_text: str, rows: Rows, counter: Counter) -> click.Command:
    """One `hearth export NAME` command; features add theirs with this (purchases, ugc …)."""

    @click.command(name=name, help=help_text)
    @click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
    @click.option("--since", default=None, help="Only rows from this date on (YYYY-MM-DD).")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Write to this file instead of standard output.")
    @click.pass_obj
    def command(config_path: Path | None, fmt: str, since: str | None, output: Path | None) -> None:
        from bot.app import Hearth
        from cogs.points.transfer import count_rows

        setup = load_setup(config_path)
        prepare_database(setup.config)
        start = parse_since(since)

        async def go() -> int:
            app = Hearth(setup.config, setup.secrets)
            async with app.tools():
                total = (await count_rows(app.database, counter, start) if isinstance(counter, str)
                         else await counter(app.database, start))
                if output is None:
                    return await write_export(rows(app.database, start), total, fmt, sys.stdout)
                with output.open("w", encoding="utf-8", newline="") as handle:
                    return await write_export(rows(app.database, start), total, fmt, handle)

        written = run_async(go)
        click.echo(f"Exported {written:,} {name} rows" + (f" to {output}" if output else ""), err=True)

    return command


@click.group("export")
def export_group() -> None:
    """Export data as CSV or JSON (members, ledger …)."""


@click.group("import")
def import_group() -> None:
    """Import data from other tools."""


@import_group.command("points")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--partial", is_flag=True, help="Import the good rows even if some lines are bad.")
@click.pass_obj
def import_points_command(config_path: Path | None, file: Path, partial: bool) -> None:
    """Import points from a CSV of platform,user_id,points[,note] (e.g. exported from MEE6)."""
    from bot.app import Hearth
    from cogs.points.transfer import import_points, parse_import

    setup = load_setup(config_path)
    prepare_database(setup.config)
    data = file.read_bytes()
    checked = parse_import(data.decode("utf-8-sig"))
    if checked.errors and not partial:
        for error in checked.errors:
            click.echo(f"  {file}: {error}", err=True)
        click.echo(f"Nothing imported: {len(checked.errors)} bad line(s). Fix them, or add --partial to import "
                   f"the {len(checked.rows)} good rows.", err=True)
        sys.exit(1)

    async def go() -> Any:
        app = Hearth(setup.config, setup.secrets)
        async with app.tools():
            with tqdm(total=len(checked.rows), unit="row", file=sys.stderr, disable=None) as bar:
                return await import_points(data, file.name, app.points, app.members,
                                           app.clock.now(), partial=partial, progress=bar.update)

    report = run_async(go)
    for error in report.errors:
        click.echo(f"  skipped {file}: {error}", err=True)
    click.echo(f"Imported {report.imported:,} rows ({report.duplicates:,} already imported before, "
               f"{len(report.errors):,} skipped).")


def _register_exports() -> None:
    from cogs.points.transfer import ledger_rows, member_rows

    export_group.add_command(export_command("ledger", "Every points award and reversal.", ledger_rows, "ledger"))
    export_group.add_command(export_command("members", "Members with points and linked accounts.", member_rows,
                                            "members"))


_register_exports()
