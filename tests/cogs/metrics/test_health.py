"""Health figures on a small dataset whose expected values are worked out by hand beside each assertion.

The period is the week 2026-03-02 (Mon) … 2026-03-08 (Sun), UTC; the day after and the day before are
deliberately filled too, so an off-by-one day shows up.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from bot.app import Hearth
from cogs.metrics import health
from cogs.metrics.figures import Rate
from cogs.metrics.periods import Period
from storage.models import RitualWeeklyActive
from tests.support import insights as seed

UTC = ZoneInfo("UTC")
WEEK = Period(date(2026, 3, 2), date(2026, 3, 9), UTC)


@pytest.fixture
async def dataset(hearth: Hearth) -> Hearth:
    async with hearth.database.session() as session, session.begin():
        for n in range(1, 7):
            seed.member(session, n)
        await session.flush()
        # In the week: m1 (5 posts, 1 interaction), m2 (1 post), m3 (a reaction on someone's post).
        seed.day(session, 1, "2026-03-02", posts=3, reactions=1, interactions=1)
        seed.day(session, 1, "2026-03-04", posts=2)
        seed.day(session, 2, "2026-03-03", posts=1, reactions=2)
        seed.day(session, 3, "2026-03-08", reactions=1, interactions=1)
        # Just outside: m4 the day after, m5 the day before (both in the 30-day window only if inside it).
        seed.day(session, 4, "2026-03-09", posts=5)
        seed.day(session, 5, "2026-03-01", posts=4)
        # The 30 days ending 2026-03-09 start 2026-02-07: m6 on that first day counts, m4 a day earlier doesn't.
        seed.day(session, 6, "2026-02-07", posts=1)
        seed.day(session, 4, "2026-02-06", posts=1)
        # Rituals: two held in the week (2 + 1 participants), one missed, one the next Monday; 4 active that week.
        seed.ritual(session, 50, "test_wins", "Test Wins")
        await session.flush()
        seed.occurrence(session, 1, 50, "2026-03-02 09:00", "w2026-10", 1, 2)
        seed.occurrence(session, 2, 50, "2026-03-05 09:00", "w2026-10", 2, 1)
        seed.occurrence(session, 3, 50, "2026-03-03 09:00", "w2026-10", None, 0)
        seed.occurrence(session, 4, 50, "2026-03-09 09:00", "w2026-11", 3, 5)
        await session.execute(insert(RitualWeeklyActive), [{"week": "w2026-10", "member_id": n} for n in (1, 2, 3, 5)]
                              + [{"week": "w2026-11", "member_id": 4}])
        # Questions: first answers after 2 h, 4 h and 24 h (median 4 h); one unanswered, one next week.
        seed.question(session, 1, "2026-03-02 10:00", "2026-03-02 12:00")
        seed.question(session, 2, "2026-03-03 10:00", "2026-03-03 14:00")
        seed.question(session, 1, "2026-03-04 10:00", "2026-03-05 10:00")
        seed.question(session, 2, "2026-03-06 10:00", None)
        seed.question(session, 1, "2026-03-09 10:00", "2026-03-09 10:30")
        # UGC: two approved in the week, one rejected, one approved the day after.
        seed.ugc(session, 1, "2026-03-02 12:00")
        seed.ugc(session, 2, "2026-03-07 12:00", consent="no")
        seed.ugc(session, 3, "2026-03-03 12:00", status="rejected")
        seed.ugc(session, 1, "2026-03-09 00:00")
    return hearth


async def test_activity_counts_respect_the_window(dataset: Hearth) -> None:
    database = dataset.database
    assert await health.active_members(database, WEEK) == 3  # m1, m2, m3
    assert await health.posts(database, WEEK) == 6  # 3 + 2 + 1
    assert await health.posts_per_week(database, WEEK) == 6.0
    assert await health.posts_per_week(database, Period(date(2026, 3, 2), date(2026, 3, 16), UTC)) == 5.5  # 11/2
    assert await health.monthly_active_members(database, WEEK) == 5  # m1, m2, m3, m5, m6 — not m4
    assert await health.peer_interaction_rate(database, WEEK) == Rate(2, 3)  # m1 and m3 of 3 active


async def test_ritual_attendance_pools_held_occurrences(dataset: Hearth) -> None:
    # (2 + 1) participants ÷ (4 + 4) members active in each occurrence's week; missed and next week's left out.
    assert await health.ritual_attendance_rate(dataset.database, WEEK) == Rate(3, 8)


async def test_median_response_and_ugc_per_active_member(dataset: Hearth) -> None:
    assert await health.median_response_hours(dataset.database, WEEK) == 4.0
    assert await health.ugc_per_active_member(dataset.database, WEEK) == Rate(2, 3)


async def test_activation_rate_follows_the_onboarding_feature(dataset: Hearth) -> None:
    table = health.feature_table(health.ONBOARDING_TABLE)
    if table is None:
        # Without the onboarding feature there is no checklist: no figure rather than a guess.
        assert await health.activation_rate(dataset.database, WEEK) is None
        return
    async with dataset.database.session() as session, session.begin():
        # The cohort is who joined 7 days earlier (2026-02-23 … 2026-03-01), so each had their whole 7 days.
        await session.execute(insert(table), [
            {"member_id": 1, "joined_at": seed.at("2026-02-23 08:00"), "completed_at": seed.at("2026-02-25 08:00")},
            {"member_id": 2, "joined_at": seed.at("2026-02-28 08:00"), "completed_at": seed.at("2026-03-08 08:01")},
            {"member_id": 3, "joined_at": seed.at("2026-03-01 23:00"), "completed_at": None},
            {"member_id": 4, "joined_at": seed.at("2026-03-02 00:00"), "completed_at": seed.at("2026-03-02 01:00")},
        ])
    # m1 within 2 days; m2 took 8 days; m3 never; m4 joined after the cohort.
    assert await health.activation_rate(dataset.database, WEEK) == Rate(1, 3)
