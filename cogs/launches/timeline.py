"""A launch's timeline, pure: reading the times a moderator types, checking their order, and what is due.

``due`` answers "which phases should happen at this instant", so tests drive it with any instant and the
service only executes the answer. A phase whose successor's time has also passed is *missed* (Hearth was
down): a preview after the waitlist opened, or early access after the public launch, would only confuse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.kit.arguments import ArgumentError, parse_duration

PHASES = ("preview", "waitlist", "early", "launch", "recap")
# The phase whose arrival makes each one pointless if it hasn't happened yet.
SUPERSEDED_BY = {"preview": "waitlist", "waitlist": "launch", "early": "launch", "launch": "recap"}
EARLY_RANGE = (timedelta(hours=24), timedelta(hours=48))
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NO_TIME = {"-", "none", "no", "skip"}
WHEN_HELP = "a date and time like 2026-03-10T17:00 (community time), or a delay from now like 3d or 12h"


class TimelineError(ValueError):
    """Times that can't make a launch; the message says which and how to fix them."""


@dataclass(frozen=True)
class Timeline:
    preview_at: datetime | None
    waitlist_at: datetime
    early_at: datetime
    public_at: datetime
    recap_at: datetime

    def at(self, phase: str) -> datetime | None:
        return {"preview": self.preview_at, "waitlist": self.waitlist_at, "early": self.early_at,
                "launch": self.public_at, "recap": self.recap_at}[phase]


def parse_when(text: str, now: datetime, tz: tzinfo) -> datetime | None:
    """``2026-03-10T17:00``, ``"2026-03-10 17:00"``, ``2026-03-10`` (10:00) in ``tz``, or a delay (``3d``);
    ``-``/``none`` = no time."""
    cleaned = text.strip()
    if cleaned.lower() in NO_TIME:
        return None
    if cleaned[:1].isdigit() and not re.match(r"^\d{4}-", cleaned):
        try:
            return now + parse_duration(cleaned)
        except ArgumentError:
            raise TimelineError(f"'{text}' isn't a time: use {WHEN_HELP}") from None
    if _DATE_ONLY.match(cleaned):
        cleaned += "T10:00"
    try:
        parsed = datetime.fromisoformat(cleaned.replace(" ", "T", 1))
    except ValueError:
        raise TimelineError(f"'{text}' isn't a time: use {WHEN_HELP}") from None
    return parsed.replace(tzinfo=tz) if parsed.tzinfo is None else parsed


def build(*, preview: datetime | None, waitlist: datetime | None, public: datetime | None, early: timedelta,
          recap_after: timedelta, now: datetime) -> Timeline:
    """Check the order preview ≤ waitlist ≤ early access < public launch, and that the launch is ahead."""
    if public is None:
        raise TimelineError("the public launch needs a time")
    if public <= now:
        raise TimelineError("the public launch time has passed: give a time in the future")
    if not EARLY_RANGE[0] <= early <= EARLY_RANGE[1]:
        raise TimelineError("early access starts 24 to 48 hours before the public launch (e.g. 24h, 36h, 2d)")
    early_at = public - early
    waitlist_at = waitlist or now
    if waitlist_at > early_at:
        raise TimelineError("the waitlist must open before early access starts "
                            f"({int(early.total_seconds() // 3600)} h before the launch)")
    if preview is not None and preview > waitlist_at:
        raise TimelineError("the preview must come before the waitlist opens")
    return Timeline(preview, waitlist_at, early_at, public, public + recap_after)


def due(timeline: Timeline, now: datetime) -> list[tuple[str, str]]:
    """Phases whose time has come, in order, each with "post" or "missed"."""
    found = []
    for phase in PHASES:
        at = timeline.at(phase)
        if at is None or at > now:
            continue
        successor = SUPERSEDED_BY.get(phase)
        later = timeline.at(successor) if successor else None
        missed = later is not None and at < later <= now
        found.append((phase, "missed" if missed else "post"))
    return found


def next_time(timeline: Timeline, now: datetime) -> datetime | None:
    upcoming = [at for phase in PHASES if (at := timeline.at(phase)) is not None and at > now]
    return min(upcoming) if upcoming else None
