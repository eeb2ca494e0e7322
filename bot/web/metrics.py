"""Prometheus metrics for one Hearth process, on a registry of its own (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from bot.kit.bus import EventBus


class _BusCollector(Collector):
    def __init__(self, bus: EventBus) -> None:
        self.bus = bus

    def collect(self):  # type: ignore[no-untyped-def]
        yield CounterMetricFamily("hearth_events_published", "Events carried by the bus", value=self.bus.published)
        yield CounterMetricFamily("hearth_listener_failures", "Listener errors (logged)", value=self.bus.failures)


class HearthMetrics:
    def __init__(self, bus: EventBus) -> None:
        self.registry = CollectorRegistry()
        self.commands = Counter("hearth_commands", "Commands handled, by platform and outcome",
                                ("platform", "status"), registry=self.registry)
        self.platform_up = Gauge("hearth_platform_connected", "1 while a chat platform is connected",
                                 ("platform",), registry=self.registry)
        self.start_time = Gauge("hearth_start_time_seconds", "Unix time the process started",
                                registry=self.registry)
        self.registry.register(_BusCollector(bus))
