"""``hearth export metrics``: the daily snapshots of the scorecard, one row per figure (register
``export_metrics`` in the ``export`` group)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import func, select

from bot.cli_transfer import export_command
from storage.database import Database
from storage.models import MetricSnapshot


def _since(since: datetime | None) -> tuple[object, ...]:
    return (MetricSnapshot.day >= since.date().isoformat(),) if since is not None else ()


async def count_metric_rows(database: Database, since: datetime | None) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(MetricSnapshot).where(*_since(since))) or 0)


async def metric_rows(database: Database, since: datetime | None) -> AsyncIterator[dict[str, object]]:
    query = (select(MetricSnapshot).where(*_since(since))
             .order_by(MetricSnapshot.day, MetricSnapshot.period, MetricSnapshot.metric))
    async with database.session() as session:
        async for row in await session.stream_scalars(query.execution_options(yield_per=2000)):
            yield {"day": row.day, "period": row.period, "metric": row.metric,
                   "value": row.value, "computed_at": row.computed_at.isoformat()}


export_metrics = export_command("metrics", "Daily snapshots of the community scorecard (health and commerce).",
                                metric_rows, count_metric_rows)
