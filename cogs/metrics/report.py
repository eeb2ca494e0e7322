"""``/mod report`` and the weekly report: the scorecard, each figure with its change, and the chart."""

from __future__ import annotations

from bot.kit.reply import Field, FileUpload, Reply
from cogs.metrics.chart import daily_series, render_chart
from cogs.metrics.figures import Figure
from cogs.metrics.scorecard import Scorecard
from cogs.purchases.money import exponent
from storage.database import Database

HEALTH = ("monthly_active_members", "active_members", "posts_per_week", "ritual_attendance_rate",
          "median_response_hours", "activation_rate", "peer_interaction_rate", "ugc_per_active_member")


def show(figure: Figure, currency: str | None) -> str:
    """A figure's value as a person reads it."""
    value = figure.value
    if value is None:
        return "—"
    if figure.unit == "rate":
        return f"{value:.0%}"
    if figure.unit == "hours":
        return f"{value:.1f} h"
    if figure.unit == "money" and currency:
        return f"{value / 10 ** exponent(currency):,.2f} {currency}"
    if figure.unit == "ratio":
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def change(now: Figure, before: Figure | None) -> str:
    """Week-over-week: percentage points for rates, relative change for everything else."""
    if now.value is None or before is None or before.value is None:
        return ""
    if now.unit == "rate":
        points = (now.value - before.value) * 100
        return "(= 0 pts)" if round(points) == 0 else f"({'▲' if points > 0 else '▼'} {abs(points):.0f} pts)"
    if before.value == 0:
        return "(new)" if now.value else "(= 0%)"
    relative = (now.value - before.value) / abs(before.value) * 100
    return "(= 0%)" if round(relative) == 0 else f"({'▲' if relative > 0 else '▼'} {abs(relative):.0f}%)"


def line(figure: Figure, before: Scorecard | None, currency: str | None) -> str:
    if figure.value is None:
        return f"{figure.label}: {figure.detail or '—'}"
    shift = change(figure, before.get(figure.key) if before else None)
    return f"{figure.label}: {show(figure, currency)}" + (f" {shift}" if shift else "")


def build(card: Scorecard, before: Scorecard | None, chart: bytes | None, community: str) -> Reply:
    health = [f for f in card.figures if f.key in HEALTH]
    commerce = [f for f in card.figures if f.key not in HEALTH and f.key not in ("posts",)]
    length = "week" if card.period.days == 7 else f"{card.period.days} days"
    fields = (Field("Community health", "\n".join(line(f, before, card.currency) for f in health)),
              Field("Commerce impact", "\n".join(line(f, before, card.currency) for f in commerce)))
    files = (FileUpload("hearth-report.png", chart, "image/png"),) if chart else ()
    return Reply(title=f"{community} — report for {card.period.label()}",
                 text=f"Changes compare with the {length} before ({card.period.previous().label()}).",
                 fields=fields, files=files,
                 footer="Figures are computed from what Hearth recorded; README: Proof page, metrics and privacy.")


async def report(database: Database, card: Scorecard, before: Scorecard | None, community: str) -> Reply:
    series = await daily_series(database, card.period, max(56, card.period.days * 2))
    chart = await render_chart(f"{community}: last {len(series) // 7} weeks (reported period in colour)", series,
                               card.period.first)
    return build(card, before, chart, community)
