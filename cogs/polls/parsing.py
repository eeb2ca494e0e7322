"""Reading what a moderator typed: ``Question? | Option 1 | Option 2 …`` and when the poll closes.

Each problem becomes one sentence saying what to fix (the kit adds the usage line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.kit.arguments import ArgumentError, parse_duration

MIN_OPTIONS, MAX_OPTIONS = 2, 10
QUESTION_LIMIT = 300
# Discord button labels stop at 80 characters; native polls take fewer (Discord 55), which only decides
# whether a poll is posted natively or with buttons.
OPTION_LIMIT = 80
DATE_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")
DURATION_LIKE = re.compile(r"^\d[\dwdhms ]*$", re.IGNORECASE)


@dataclass(frozen=True)
class PollText:
    question: str
    options: tuple[str, ...]


def parse_poll_text(text: str) -> PollText:
    """``"Which flavour? | Mango | Yuzu"`` → the question and its options, checked."""
    parts = [part.strip() for part in text.split("|")]
    question, options = parts[0], parts[1:]
    if not question:
        raise ArgumentError("write the question first, then the options, separated by |")
    if len(question) > QUESTION_LIMIT:
        raise ArgumentError(f"the question is {len(question)} characters; the limit is {QUESTION_LIMIT}")
    if len(options) < MIN_OPTIONS:
        raise ArgumentError(f"a poll needs {MIN_OPTIONS} to {MAX_OPTIONS} options after the question, "
                            "separated by |, e.g. Which flavour? | Mango | Yuzu")
    if len(options) > MAX_OPTIONS:
        raise ArgumentError(f"that's {len(options)} options; a poll takes at most {MAX_OPTIONS}")
    for number, option in enumerate(options, start=1):
        if not option:
            raise ArgumentError(f"option {number} is empty (two | in a row?)")
        if len(option) > OPTION_LIMIT:
            raise ArgumentError(f"option {number} is {len(option)} characters; the limit is {OPTION_LIMIT}")
    folded = [option.casefold() for option in options]
    for number, option in enumerate(folded, start=1):
        if folded.index(option) != number - 1:
            raise ArgumentError(f"option {number} repeats option {folded.index(option) + 1}")
    return PollText(question, tuple(options))


def parse_closing(text: str, now: datetime, timezone: tzinfo, max_open: timedelta) -> datetime:
    """A duration (``2h``, ``3d``, ``1w``) from now, or a local date/time (``2026-03-01T18:00``, ``2026-03-01``)."""
    cleaned = text.strip()
    closes: datetime | None = None
    for pattern in DATE_FORMATS:
        try:
            closes = datetime.strptime(cleaned, pattern).replace(tzinfo=timezone)
            break
        except ValueError:
            continue
    if closes is None:
        if not DURATION_LIKE.match(cleaned):
            raise ArgumentError(f"'{cleaned}' is neither a duration (30m, 2h, 3d, 1w) nor a date and time "
                                "(2026-03-01T18:00)")
        closes = now + parse_duration(cleaned)  # its own errors say what's wrong with the duration
    if closes < now + timedelta(minutes=1):
        raise ArgumentError(f"'{cleaned}' is in the past: a poll must close at least a minute from now")
    if closes - now > max_open:
        raise ArgumentError(f"a poll can stay open at most {max_open.days} days")
    return closes
