"""The results bar chart: a PNG drawn with matplotlib, off the event loop.

Drawing takes tens of milliseconds and importing matplotlib far longer, so ``render_chart`` runs in a
worker thread (``asyncio.to_thread``) and matplotlib is imported there, on first use: a bot that never
closes a poll never loads it. Only the object API (``Figure`` + the Agg canvas) is used, never pyplot,
whose global state is not safe across threads.
"""

from __future__ import annotations

import asyncio
import io
import textwrap
import warnings
from collections.abc import Sequence

LABEL_WIDTH = 28
BAR_COLOUR = "#e07a2f"
WINNER_COLOUR = "#b5471b"


def draw_chart(title: str, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    """A horizontal bar chart, first option on top, the leader(s) highlighted. Blocking: call in a thread."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # Emoji in labels have no glyph in the bundled font: they are left out of the image, which is fine.
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
    total = sum(counts)
    height = 1.2 + 0.55 * len(labels)
    figure = Figure(figsize=(7, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))[::-1]
    best = max(counts) if counts else 0
    colours = [WINNER_COLOUR if best and count == best else BAR_COLOUR for count in counts]
    axes.barh(positions, counts, color=colours)
    axes.set_yticks(positions, ["\n".join(textwrap.wrap(label, LABEL_WIDTH)) or " " for label in labels])
    for position, count in zip(positions, counts, strict=True):
        share = f" {count} ({count * 100 / total:.0f}%)" if total else " 0"
        axes.text(count, position, share, va="center", fontsize=9)
    axes.set_xlim(0, max(best, 1) * 1.25)
    axes.xaxis.set_visible(False)
    for side in ("top", "right", "bottom"):
        axes.spines[side].set_visible(False)
    axes.set_title("\n".join(textwrap.wrap(title, 60)), fontsize=11, loc="left")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


async def render_chart(title: str, labels: Sequence[str], counts: Sequence[int]) -> bytes:
    return await asyncio.to_thread(draw_chart, title, tuple(labels), tuple(counts))
