"""The pure scheduling core: schedule formats, fire times across DST, and what is due at an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cogs.rituals.schedule import (
    Due,
    ScheduleError,
    month_bounds,
    next_wake,
    parse_schedule,
    plan,
    previous_month_key,
    reminder_due,
    week_key,
    zone,
)

HOUR = timedelta(hours=1)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def test_weekday_and_time_keep_wall_clock_time_across_dst() -> None:
    schedule = parse_schedule("mon 09:00 Europe/Berlin")
    assert schedule.description == "Mondays at 09:00 (Europe/Berlin)"
    # Europe moves to summer time on Sunday 29 March 2026: 09:00 is 08:00 UTC before, 07:00 UTC after.
    fires = schedule.fires_between(utc(2026, 3, 16), utc(2026, 4, 7))
    assert fires == [utc(2026, 3, 16, 8), utc(2026, 3, 23, 8), utc(2026, 3, 30, 7), utc(2026, 4, 6, 7)]
    # And back in October: 09:00 CET is 08:00 UTC again.
    assert schedule.next_after(utc(2026, 10, 20)) == utc(2026, 10, 26, 8)


def test_community_timezone_is_the_default_and_a_trailing_zone_wins() -> None:
    assert parse_schedule("fri 15:00", "America/New_York").next_after(utc(2026, 3, 1)) == utc(2026, 3, 6, 20)
    # New York springs forward on 8 March 2026.
    assert parse_schedule("fri 15:00", "America/New_York").next_after(utc(2026, 3, 9)) == utc(2026, 3, 13, 19)
    assert parse_schedule("fri 15:00 UTC", "America/New_York").next_after(utc(2026, 3, 1)) == utc(2026, 3, 6, 15)


def test_monthly_several_days_daily_and_cron() -> None:
    drop = parse_schedule("first thu 18:00")
    assert drop.fires_between(utc(2026, 1, 1), utc(2026, 4, 30)) == [
        utc(2026, 1, 1, 18), utc(2026, 2, 5, 18), utc(2026, 3, 5, 18), utc(2026, 4, 2, 18)]
    assert "first Thursday of the month" in drop.description
    assert parse_schedule("last fri 17:00").next_after(utc(2026, 1, 1)) == utc(2026, 1, 30, 17)
    twice = parse_schedule("mon,thursday 18:30")
    assert twice.fires_between(utc(2026, 1, 5), utc(2026, 1, 12)) == [utc(2026, 1, 5, 18, 30), utc(2026, 1, 8, 18, 30)]
    assert len(parse_schedule("daily 08:00").fires_between(utc(2026, 1, 1), utc(2026, 1, 8))) == 7
    assert len(parse_schedule("weekdays 08:00").fires_between(utc(2026, 1, 5), utc(2026, 1, 12))) == 5


def test_cron_day_numbers_mean_what_crontab_means() -> None:
    # Crontab's 0 is Sunday (APScheduler 3.x alone would read it as Monday).
    assert parse_schedule("cron 30 8 * * 0").next_after(utc(2026, 1, 5)) == utc(2026, 1, 11, 8, 30)
    weekdays = parse_schedule("0 9 * * 1-5 Europe/Paris").fires_between(utc(2026, 1, 3), utc(2026, 1, 10))
    assert [f.weekday() for f in weekdays] == [0, 1, 2, 3, 4]
    assert parse_schedule("cron 0 9 * * 7").next_after(utc(2026, 1, 5)).weekday() == 6


@pytest.mark.parametrize("text", ["monday", "mon 25:00", "someday 09:00", "first mon,tue 09:00",
                                  "cron 0 9 * * 9", "cron 61 9 * * 1", "", "mon 9"])
def test_bad_schedules_name_the_format_with_examples(text: str) -> None:
    with pytest.raises(ScheduleError) as refused:
        parse_schedule(text)
    message = str(refused.value)
    assert "isn't a schedule I understand" in message
    assert '"mon 09:00 Europe/Berlin"' in message and '"cron 0 9 * * 1"' in message


def test_bad_timezone_is_named_with_examples() -> None:
    with pytest.raises(ScheduleError, match=r"'Mars/Olympus' isn't an IANA timezone: use e\.g\. Europe/Berlin"):
        parse_schedule("mon 09:00 Mars/Olympus")
    with pytest.raises(ScheduleError, match="isn't an IANA timezone"):
        zone("Nowhere/City")


def test_plan_posts_the_latest_within_grace_once_and_misses_the_rest() -> None:
    weekly = parse_schedule("mon 09:00")
    since = utc(2026, 1, 1)
    assert plan(weekly, after=since, now=utc(2026, 1, 5, 8, 59), grace=HOUR) == []
    assert plan(weekly, after=since, now=utc(2026, 1, 5, 9), grace=HOUR) == [Due(utc(2026, 1, 5, 9), "post")]
    assert plan(weekly, after=since, now=utc(2026, 1, 5, 10), grace=HOUR) == [Due(utc(2026, 1, 5, 9), "post")]
    assert plan(weekly, after=since, now=utc(2026, 1, 5, 10, 1), grace=HOUR) == [Due(utc(2026, 1, 5, 9), "missed")]
    # Down for two weeks: one post at most (the latest, if still within grace), never a backlog.
    assert plan(weekly, after=since, now=utc(2026, 1, 19, 9, 30), grace=HOUR) == [
        Due(utc(2026, 1, 5, 9), "missed"), Due(utc(2026, 1, 12, 9), "missed"), Due(utc(2026, 1, 19, 9), "post")]
    # Once recorded, a fire time is never planned again.
    assert plan(weekly, after=utc(2026, 1, 5, 9), now=utc(2026, 1, 5, 9, 30), grace=HOUR) == []


def test_plan_with_an_announcement_posts_ahead_of_the_event() -> None:
    office = parse_schedule("wed 17:00")
    day = timedelta(days=1)
    assert plan(office, after=utc(2026, 1, 5), now=utc(2026, 1, 6, 16, 59), grace=HOUR, announce=day) == []
    assert plan(office, after=utc(2026, 1, 5), now=utc(2026, 1, 6, 17), grace=HOUR, announce=day) == [
        Due(utc(2026, 1, 7, 17), "post")]


def test_reminders_fall_lead_before_the_event_and_not_after_it_started() -> None:
    office = parse_schedule("wed 17:00")
    lead = timedelta(minutes=15)
    since = utc(2026, 1, 1)
    assert reminder_due(office, since=since, now=utc(2026, 1, 7, 16, 44), lead=lead, grace=HOUR) is None
    assert reminder_due(office, since=since, now=utc(2026, 1, 7, 16, 45), lead=lead, grace=HOUR) == utc(2026, 1, 7, 17)
    assert reminder_due(office, since=since, now=utc(2026, 1, 7, 16, 59), lead=lead, grace=HOUR) == utc(2026, 1, 7, 17)
    assert reminder_due(office, since=since, now=utc(2026, 1, 7, 17), lead=lead, grace=HOUR) is None
    assert reminder_due(office, since=since, now=utc(2026, 1, 7, 16, 50), lead=timedelta(), grace=HOUR) is None
    # A ritual created after the reminder time has no reminder for that occurrence.
    assert reminder_due(office, since=utc(2026, 1, 7, 16, 50), now=utc(2026, 1, 7, 16, 55), lead=lead,
                        grace=HOUR) is None


def test_next_wake_is_the_next_post_or_reminder() -> None:
    office = parse_schedule("wed 17:00")
    now = utc(2026, 1, 5, 12)
    assert next_wake(office, now=now, announce=timedelta(days=1), lead=timedelta(minutes=15)) == utc(2026, 1, 6, 17)
    after_announcement = utc(2026, 1, 6, 18)
    assert next_wake(office, now=after_announcement, announce=timedelta(days=1),
                     lead=timedelta(minutes=15)) == utc(2026, 1, 7, 16, 45)
    weekly = parse_schedule("mon 09:00")
    assert next_wake(weekly, now=now, announce=timedelta(), lead=timedelta()) == utc(2026, 1, 12, 9)


def test_weeks_and_months_in_the_community_timezone() -> None:
    tokyo = zone("Asia/Tokyo")
    assert week_key(utc(2026, 1, 4, 16), zone("UTC")) == "w2026-01"
    assert week_key(utc(2026, 1, 4, 16), tokyo) == "w2026-02"  # already Monday in Tokyo
    assert previous_month_key(utc(2026, 1, 1, 0, 30), zone("UTC")) == "2025-12"
    start, end = month_bounds("2025-12", tokyo)
    assert start.isoformat() == "2025-12-01T00:00:00+09:00" and end.isoformat() == "2026-01-01T00:00:00+09:00"
