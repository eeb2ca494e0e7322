"""Reporting periods: whole days in the community timezone, as UTC instants for queries and as day keys.

A report covers whole local days (a "week" is the 7 days before the day it is made), so the per-day activity
rows (keyed by local date) and timestamped rows (orders, questions, rituals) answer for exactly the same span,
and this week compares with last week day for day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

LENGTHS = {"week": 7, "month": 30}


def local_day(at: datetime, timezone: tzinfo) -> date:
    return at.astimezone(timezone).date()


def day_key(day: date) -> str:
    return day.isoformat()


@dataclass(frozen=True)
class Period:
    """The local days ``[first, end)``; ``start``/``until`` are their bounds as aware datetimes."""

    first: date
    end: date
    timezone: tzinfo

    @classmethod
    def ending(cls, end: date, days: int, timezone: tzinfo) -> Period:
        return cls(end - timedelta(days=days), end, timezone)

    @classmethod
    def before(cls, now: datetime, days: int, timezone: tzinfo) -> Period:
        """The ``days`` whole local days before today (today itself isn't over, so it isn't counted)."""
        return cls.ending(local_day(now, timezone), days, timezone)

    @property
    def days(self) -> int:
        return (self.end - self.first).days

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.timezone)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end, time(), self.timezone)

    @property
    def first_key(self) -> str:
        return day_key(self.first)

    @property
    def end_key(self) -> str:
        return day_key(self.end)

    def previous(self) -> Period:
        """The period of the same length just before this one (week-over-week)."""
        return Period.ending(self.first, self.days, self.timezone)

    def shifted(self, days: int) -> Period:
        return Period(self.first + timedelta(days=days), self.end + timedelta(days=days), self.timezone)

    def label(self) -> str:
        last = self.end - timedelta(days=1)
        return f"{self.first:%-d %b} – {last:%-d %b %Y}"
