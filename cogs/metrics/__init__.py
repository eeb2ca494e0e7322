"""Community metrics: health and commerce figures computed from what features record (``health.py``,
``commerce.py``), ``/mod report`` and a weekly report with a chart, Prometheus gauges, and the per-member
daily activity the figures need (``activity.py``). README: "Proof page, metrics and privacy"."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.metrics.activity import ActivityRecorder
from cogs.metrics.cog import MetricsCog
from cogs.metrics.gauges import ScorecardGauges

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    timezone = ZoneInfo(services.config.community.timezone)
    gauges = ScorecardGauges()
    if services.prometheus is not None:
        services.prometheus.register(gauges)
    return MetricsCog(services.config.metrics, services.database,
                      ActivityRecorder(services.database, services.members, timezone), gauges, services.platforms,
                      services.clock, timezone, services.config.community.name, services.scheduler)
