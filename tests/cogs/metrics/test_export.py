"""``hearth export metrics``: the stored daily figures, out as CSV and JSON and read back unchanged."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Hearth
from bot.cli_transfer import write_export
from bot.kit.clock import ManualClock
from cogs.metrics.cog import MetricsCog
from cogs.metrics.export import count_metric_rows, metric_rows
from storage.models import MetricSnapshot
from tests.support import insights as seed
from tests.support.sql import in_session

ROOT = Path(__file__).resolve().parents[3]


async def snapshots(hearth: Hearth, clock: ManualClock) -> dict[tuple[str, str, str], float | None]:
    """Two days of stored figures (each day keeps its rolling 7 and 30 days), as the refresh job keeps them."""
    async with hearth.database.session() as session, session.begin():
        seed.member(session, 1)
        await session.flush()
        seed.day(session, 1, "2026-03-03", posts=4, interactions=1)
    cog = next(c for c in hearth.cogs if isinstance(c, MetricsCog))
    for when in ("2026-03-08 12:00", "2026-03-09 12:00"):
        clock.set(seed.at(when))
        await cog.refresh()
    return {(row["day"], row["period"], row["metric"]): row["value"]  # type: ignore[misc]
            async for row in metric_rows(hearth.database, None)}


async def test_export_round_trip_csv_and_json(hearth: Hearth, clock: ManualClock) -> None:
    stored = await snapshots(hearth, clock)
    assert stored[("2026-03-09", "7d", "posts")] == 4 and stored[("2026-03-09", "30d", "active_members")] == 1
    assert {day for day, _, _ in stored} == {"2026-03-08", "2026-03-09"}
    total = await count_metric_rows(hearth.database, None)
    assert total == len(stored)

    out = io.StringIO()
    assert await write_export(metric_rows(hearth.database, None), total, "csv", out) == total
    back = {(r["day"], r["period"], r["metric"]): float(r["value"]) if r["value"] != "" else None
            for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert back == stored

    out = io.StringIO()
    since = datetime(2026, 3, 9, tzinfo=UTC)
    assert await write_export(metric_rows(hearth.database, since), total, "json", out) == total // 2
    rows = json.loads(out.getvalue())
    assert {r["day"] for r in rows} == {"2026-03-09"}
    assert {(r["day"], r["period"], r["metric"]): r["value"] for r in rows} == {
        key: value for key, value in stored.items() if key[0] == "2026-03-09"}


async def _store_snapshots(session: AsyncSession) -> None:
    computed = datetime(2026, 3, 9, tzinfo=UTC)
    session.add_all(MetricSnapshot(day=day, period="7d", metric=metric, value=value, computed_at=computed)
                    for day, metric, value in [("2026-03-01", "posts", 3.0), ("2026-03-09", "posts", 12.0),
                                               ("2026-03-09", "community_roi", None)])


def test_the_command_exports_what_is_stored(tmp_path: Path, database_url: str) -> None:
    """The click command itself, in its own process as `hearth export metrics` runs it."""
    in_session(database_url, _store_snapshots)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{database_url}"\n')
    # The export group hands every command the --config path as its context object.
    code = ("import sys; from pathlib import Path; from cogs.metrics.export import export_metrics; "
            f"export_metrics.main(sys.argv[1:], obj=Path({str(config)!r}))")
    result = subprocess.run([sys.executable, "-c", code, "--since", "2026-03-02", "--output",
                             str(tmp_path / "metrics.csv")], capture_output=True, text=True, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "HEARTH_SECRET": "test-secret-value"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Exported 2 metrics rows to" in result.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "metrics.csv").read_text())))
    assert [(r["day"], r["metric"], r["value"]) for r in rows] == [("2026-03-09", "community_roi", ""),
                                                                  ("2026-03-09", "posts", "12.0")]
