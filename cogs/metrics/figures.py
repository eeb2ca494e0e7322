"""What a metric function returns: a rate (part of whole) or an amount, and how a report shows it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is None when there is nobody to measure (not 0%: unknown)."""

    part: float
    whole: float

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def describe(self) -> str:
        if self.value is None:
            return "no data yet"
        return f"{self.value:.0%} ({self.part:,.0f} of {self.whole:,.0f})"


@dataclass(frozen=True)
class Figure:
    """One line of the scorecard. ``unit``: count, rate (0-1), hours, money (minor units), ratio.

    ``gauge`` and ``labels`` name it on ``/metrics`` (several figures share a gauge: members/non-members).
    """

    key: str
    label: str
    value: float | None
    unit: str = "count"
    detail: str = ""
    gauge: str = ""
    labels: tuple[tuple[str, str], ...] = ()
