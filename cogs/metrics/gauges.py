"""Prometheus gauges for the scorecard, served from the last refresh (never computed on a scrape).

A scrape of a million-member database every 15 seconds would run the whole scorecard each time; instead the
metrics cog refreshes ``latest`` every ``refresh_minutes`` and this collector only reads it.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from cogs.metrics.scorecard import Scorecard


class ScorecardGauges(Collector):
    def __init__(self) -> None:
        self.latest: Scorecard | None = None
        self.refreshed_at: float = 0.0

    def update(self, card: Scorecard, at: float) -> None:
        self.latest, self.refreshed_at = card, at

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield GaugeMetricFamily("hearth_metrics_refreshed_timestamp_seconds",
                                "Unix time the community figures were last computed (0: not yet)",
                                value=self.refreshed_at)
        card = self.latest
        if card is None:
            return
        families: dict[str, GaugeMetricFamily] = {}
        for figure in card.figures:
            if not figure.gauge or figure.value is None:
                continue
            family = families.get(figure.gauge)
            if family is None:
                family = families[figure.gauge] = GaugeMetricFamily(
                    figure.gauge, f"{figure.label.split(',')[0]}, over the last {card.period.days} days",
                    labels=[name for name, _ in figure.labels])
            family.add_metric([value for _, value in figure.labels], figure.value)
        yield from families.values()
