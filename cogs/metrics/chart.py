"""The report's chart: daily active members and posts over the last weeks, the reported period shaded.

Drawn with matplotlib's object API (``Figure`` + the Agg canvas, never pyplot's global state) in a worker
thread (``asyncio.to_thread``): drawing takes tens of milliseconds and the first import far longer, which
must not stall the event loop that serves chat and webhooks.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from cogs.metrics.periods import Period, day_key
from storage.database import Database
from storage.models import MemberActivityDay

ACCENT = "#e07a2f"
MUTED = "#6b7280"


@dataclass(frozen=True)
class Day:
    day: date
    active: int
    posts: int


async def daily_series(database: Database, period: Period, days: int = 56) -> list[Day]:
    """One point per local day for the ``days`` before the period ends (days without activity are zeros)."""
    first = period.end - timedelta(days=days)
    async with database.session() as session:
        rows = (await session.execute(
            select(MemberActivityDay.day, func.count(), func.coalesce(func.sum(MemberActivityDay.posts), 0))
            .where(MemberActivityDay.day >= day_key(first), MemberActivityDay.day < period.end_key)
            .group_by(MemberActivityDay.day))).all()
    found = {key: (int(active), int(posts)) for key, active, posts in rows}
    series = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        active, posts = found.get(day_key(day), (0, 0))
        series.append(Day(day, active, posts))
    return series


def draw_chart(title: str, series: Sequence[Day], highlight_from: date) -> bytes:
    """Two stacked panels (active members, posts) as a PNG. Blocking: call it in a thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.dates import DateFormatter, DayLocator
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.6), dpi=100)
    FigureCanvasAgg(figure)
    days = [point.day for point in series]
    panels = figure.subplots(2, 1, sharex=True)
    for axes, values, name in ((panels[0], [p.active for p in series], "Active members per day"),
                               (panels[1], [p.posts for p in series], "Posts per day")):
        colours = [ACCENT if day >= highlight_from else MUTED for day in days]
        axes.bar(days, values, color=colours, width=0.8)
        axes.set_title(name, fontsize=10, loc="left")
        axes.set_ylim(0, max([*values, 1]) * 1.15)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
    # A tick every Monday-aligned week reads as "the weeks" at a glance.
    panels[1].xaxis.set_major_locator(DayLocator(interval=7))
    panels[1].xaxis.set_major_formatter(DateFormatter("%-d %b"))
    panels[1].tick_params(axis="x", labelsize=8)
    figure.suptitle(title, fontsize=11, x=0.01, ha="left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def render_chart(title: str, series: Sequence[Day], highlight_from: date) -> bytes:
    return await asyncio.to_thread(draw_chart, title, tuple(series), highlight_from)
