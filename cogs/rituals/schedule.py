"""Ritual schedules, pure: parsing, next fire times (DST-correct) and what is due at a given instant.

Nothing here reads a clock or a database: ``plan`` answers "what should happen for this ritual now",
so tests drive it with any instant and the service only executes the answer. Fire times come from
APScheduler's ``CronTrigger`` in the ritual's own timezone, so 09:00 stays 09:00 across DST changes.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Literal

from apscheduler.triggers.cron import CronTrigger

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_TITLES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_DAY_ALIASES = {name: name for name in DAY_NAMES} | {title.lower(): title.lower()[:3] for title in DAY_TITLES} | {
    "tues": "tue", "wednes": "wed", "thur": "thu", "thurs": "thu"}
_ORDINALS = {"first": "1st", "1st": "1st", "second": "2nd", "2nd": "2nd", "third": "3rd", "3rd": "3rd",
             "fourth": "4th", "4th": "4th", "last": "last"}
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Crontab numbers Sunday as 0 (and 7); APScheduler 3.x numbers Monday as 0. Names are unambiguous.
_CRONTAB_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
FORMAT_HELP = ('use a weekday and a 24-hour time like "mon 09:00 Europe/Berlin" (also "mon,thu 18:30", '
               '"daily 08:00"), a monthly day like "first thu 18:00", or a cron expression like "cron 0 9 * * 1"')
MAX_LOOKBACK = 60  # fire times examined per ritual and tick: a long outage records at most this many misses


class ScheduleError(ValueError):
    """The schedule or timezone can't be used; the message names the format with an example."""


def zone(name: str) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"'{name}' isn't an IANA timezone: use e.g. Europe/Berlin, America/New_York "
                            "or UTC") from None


def _looks_like_zone(token: str) -> bool:
    return "/" in token or token.upper() == "UTC"


def _days(token: str) -> str:
    lowered = token.lower()
    if lowered in {"daily", "everyday", "day"}:
        return "*"
    if lowered in {"weekdays", "weekday"}:
        return "mon-fri"
    if lowered in {"weekends", "weekend"}:
        return "sat,sun"
    names = []
    for part in lowered.split(","):
        name = _DAY_ALIASES.get(part.rstrip("s")) or _DAY_ALIASES.get(part)
        if name is None:
            raise ScheduleError(f"'{part}' isn't a weekday")
        names.append(name)
    return ",".join(dict.fromkeys(names))


def _expand_crontab_days(field: str) -> str:
    """Crontab day-of-week (0/7 = Sunday, ranges, steps) as APScheduler day names."""
    if not any(ch.isdigit() for ch in field):
        return field.lower()
    days: list[str] = []
    for part in field.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text.isdigit() else 1
        if base == "*":
            start, end = 0, 6
        elif "-" in base:
            first, last = base.split("-", 1)
            start, end = int(first), int(last)
        else:
            start = int(base)
            end = start if not step_text else 6
        if not (0 <= start <= 7 and 0 <= end <= 7 and start <= end and step >= 1):
            raise ScheduleError(f"'{field}' isn't a day-of-week field")
        days.extend(_CRONTAB_DAYS[n] for n in range(start, end + 1, step))
    return ",".join(dict.fromkeys(days))


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule: the text as given, its timezone and the trigger computing fire times."""

    text: str
    timezone: str
    trigger: CronTrigger
    description: str

    @property
    def tz(self) -> tzinfo:
        return self.trigger.timezone

    def next_after(self, after: datetime) -> datetime | None:
        """The first fire time strictly after ``after`` (UTC in, UTC out)."""
        fire = self.trigger.get_next_fire_time(None, after + timedelta(microseconds=1))
        return fire.astimezone(after.tzinfo) if fire is not None else None

    def fires_between(self, after: datetime, until: datetime, limit: int = MAX_LOOKBACK) -> list[datetime]:
        """Fire times in (after, until], oldest first, at most the ``limit`` latest."""
        fires: list[datetime] = []
        current = after
        while (fire := self.next_after(current)) is not None and fire <= until:
            fires.append(fire)
            if len(fires) > limit:
                fires.pop(0)
            current = fire
        return fires


def parse_schedule(text: str, default_timezone: str = "UTC") -> Schedule:
    """``mon 09:00``, ``mon,thu 18:30 Europe/Paris``, ``first thu 18:00``, ``cron 0 9 * * 1``."""
    tokens = text.split()
    has_zone = len(tokens) > 1 and _looks_like_zone(tokens[-1])
    timezone_name = tokens.pop() if has_zone else default_timezone
    tz = zone(timezone_name)
    try:
        trigger, description = _trigger(tokens, tz)
    except ScheduleError as problem:
        raise ScheduleError(f"'{text}' isn't a schedule I understand ({problem}): {FORMAT_HELP}") from None
    except ValueError:
        raise ScheduleError(f"'{text}' isn't a schedule I understand: {FORMAT_HELP}") from None
    return Schedule(text=" ".join(text.split()), timezone=timezone_name, trigger=trigger,
                    description=f"{description} ({timezone_name})")


def _trigger(tokens: list[str], tz: tzinfo) -> tuple[CronTrigger, str]:
    if tokens and tokens[0].lower() == "cron":
        tokens = tokens[1:]
    if len(tokens) == 5:
        minute, hour, day, month, weekdays = tokens
        trigger = CronTrigger(minute=minute, hour=hour, day=day, month=month,
                              day_of_week=_expand_crontab_days(weekdays), timezone=tz)
        return trigger, f"cron {' '.join(tokens)}"
    if len(tokens) == 3 and tokens[0].lower() in _ORDINALS:
        ordinal = _ORDINALS[tokens[0].lower()]
        weekday = _days(tokens[1])
        if "," in weekday or weekday in {"*", "mon-fri", "sat,sun"}:
            raise ScheduleError("a monthly schedule names one weekday")
        hour, minute = _clock_time(tokens[2])
        trigger = CronTrigger(day=f"{ordinal} {weekday}", hour=hour, minute=minute, timezone=tz)
        return trigger, f"the {tokens[0].lower()} {DAY_TITLES[DAY_NAMES.index(weekday)]} of the month at {tokens[2]}"
    if len(tokens) == 2:
        days = _days(tokens[0])
        hour, minute = _clock_time(tokens[1])
        trigger = CronTrigger(day_of_week=days, hour=hour, minute=minute, timezone=tz)
        return trigger, f"{_describe_days(days)} at {hour:02d}:{minute:02d}"
    raise ScheduleError("expected days and a time")


def _clock_time(token: str) -> tuple[int, int]:
    match = _TIME.match(token)
    if match is None:
        raise ScheduleError(f"'{token}' isn't a 24-hour time like 09:00")
    return int(match.group(1)), int(match.group(2))


def _describe_days(days: str) -> str:
    if days == "*":
        return "every day"
    if days == "mon-fri":
        return "weekdays"
    titles = [DAY_TITLES[DAY_NAMES.index(d)] + "s" for d in days.split(",")]
    return ", ".join(titles)


# --- what is due -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One fire time and what to do about it: post it, or record it as missed (too late to post)."""

    at: datetime
    action: Literal["post", "missed"]


def plan(schedule: Schedule, *, after: datetime, now: datetime, grace: timedelta,
         announce: timedelta = timedelta()) -> list[Due]:
    """Fire times after ``after`` whose post time (``at - announce``) has come, oldest first.

    Only the latest can be posted, and only within ``grace`` of its post time: a bot that was down
    posts once on start, never a backlog. Earlier ones are missed.
    """
    fires = schedule.fires_between(after, now + announce)
    due = [Due(at, "missed") for at in fires[:-1]]
    if fires:
        last = fires[-1]
        late = now - (last - announce)
        due.append(Due(last, "post" if late <= grace else "missed"))
    return due


def reminder_due(schedule: Schedule, *, since: datetime, now: datetime, lead: timedelta,
                 grace: timedelta) -> datetime | None:
    """The fire time whose reminder (``lead`` before it) is due now, if any; late by at most ``grace``."""
    if lead <= timedelta():
        return None
    fire = schedule.next_after(max(now - grace, since) + lead - timedelta(microseconds=1))
    while fire is not None and fire - lead <= now:
        if fire > now:
            return fire
        fire = schedule.next_after(fire)
    return None


def next_wake(schedule: Schedule, *, now: datetime, announce: timedelta, lead: timedelta) -> datetime | None:
    """The next instant after ``now`` something happens for this ritual: a post or a reminder."""
    candidates: list[datetime] = []
    fire = schedule.next_after(now)
    for _ in range(2):  # the next two fire times cover an announcement or reminder lead shorter than a period
        if fire is None:
            break
        candidates += [instant for instant in (fire - announce, fire - lead) if instant > now]
        fire = schedule.next_after(fire)
    return min(candidates) if candidates else None


def week_key(at: datetime, tz: tzinfo) -> str:
    """The ISO week (``w2026-02``) an instant falls in, in a timezone: the same keys the points engine uses."""
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"w{year}-{week:02d}"


def month_key(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local.year}-{local.month:02d}"


def previous_month_key(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year}-{month:02d}"


def month_bounds(key: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The start (inclusive) and end (exclusive) of a ``YYYY-MM`` month in a timezone."""
    year, month = (int(part) for part in key.split("-"))
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end
