"""The launch timeline, pure: typed times, their order, and which phases are due (or missed) at an instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.launches.timeline import Timeline, TimelineError, build, due, next_time, parse_when

NOW = datetime(2026, 1, 5, 9, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


def test_times_are_read_in_the_community_timezone_or_as_delays() -> None:
    assert parse_when("2026-03-10T17:00", NOW, BERLIN) == datetime(2026, 3, 10, 16, tzinfo=UTC)
    assert parse_when("2026-07-10 17:00", NOW, BERLIN) == datetime(2026, 7, 10, 15, tzinfo=UTC)
    assert parse_when("2026-03-10", NOW, UTC) == datetime(2026, 3, 10, 10, tzinfo=UTC)
    assert parse_when("2026-03-10T17:00+00:00", NOW, BERLIN) == datetime(2026, 3, 10, 17, tzinfo=UTC)
    assert parse_when("3d", NOW, UTC) == NOW + timedelta(days=3)
    assert parse_when("-", NOW, UTC) is None
    for bad in ("tomorrow", "2026-13-01", "5x"):
        with pytest.raises(TimelineError, match="isn't a time"):
            parse_when(bad, NOW, UTC)


def test_an_omitted_waitlist_opens_now_and_the_recap_follows_the_launch() -> None:
    timeline = build(preview=None, waitlist=None, public=NOW + timedelta(days=3), early=timedelta(hours=48),
                     recap_after=timedelta(days=7), now=NOW)
    assert timeline == Timeline(None, NOW, NOW + timedelta(days=1), NOW + timedelta(days=3), NOW + timedelta(days=10))


def test_due_phases_in_order_with_superseded_ones_missed() -> None:
    timeline = Timeline(NOW, NOW + timedelta(days=1), NOW + timedelta(days=3), NOW + timedelta(days=4),
                        NOW + timedelta(days=11))
    assert due(timeline, NOW - timedelta(seconds=1)) == []
    assert due(timeline, NOW) == [("preview", "post")]
    assert due(timeline, NOW + timedelta(days=3)) == [("preview", "missed"), ("waitlist", "post"),
                                                      ("early", "post")]
    assert due(timeline, NOW + timedelta(days=4)) == [("preview", "missed"), ("waitlist", "missed"),
                                                      ("early", "missed"), ("launch", "post")]
    assert [action for _, action in due(timeline, NOW + timedelta(days=30))] == ["missed"] * 4 + ["post"]
    assert next_time(timeline, NOW + timedelta(days=2)) == NOW + timedelta(days=3)
    assert next_time(timeline, NOW + timedelta(days=30)) is None


def test_a_preview_at_the_same_time_as_the_waitlist_still_posts() -> None:
    timeline = Timeline(NOW, NOW, NOW + timedelta(days=1), NOW + timedelta(days=2), NOW + timedelta(days=9))
    assert due(timeline, NOW) == [("preview", "post"), ("waitlist", "post")]
