"""Restart-safety: before, during and after the scheduled time → exactly one post; two processes → one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.kit.clock import ManualClock
from storage.models import RitualOccurrence, RitualPost
from tests.cogs.rituals.conftest import PickyPlatform, Rig, RigFactory

CONFIG = """
[[rituals.ritual]]
key = "wins"
name = "Weekly Wins"
enabled = true
schedule = "mon 10:00"
channels = ["memory:general", "memory:showcase"]
prompt = "Share a win from week {week}!"
"""
DUE = datetime(2026, 1, 12, 10, tzinfo=UTC)


@pytest.fixture(autouse=True)
def monday_morning(clock: ManualClock) -> None:
    """Hearth first starts an hour before the ritual's time."""
    clock.set(datetime(2026, 1, 12, 9, tzinfo=UTC))


def at(hour: int, minute: int = 0, day: int = 12) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def prompts(*rigs: Rig) -> list[str]:
    return sorted(s.target for rig in rigs for s in rig.prompts("Weekly Wins"))


async def occurrences(rig: Rig) -> list[tuple[datetime, str]]:
    async with rig.hearth.database.session() as session:
        rows = await session.execute(select(RitualOccurrence.scheduled_at, RitualOccurrence.status)
                                     .order_by(RitualOccurrence.scheduled_at))
        return [(when, status) for when, status in rows.all()]


async def test_restart_before_the_time(make_rig: RigFactory) -> None:
    first = await make_rig(CONFIG)
    await first.tick(at(9, 50))
    await first.hearth.stop()
    second = await make_rig(CONFIG)
    await second.tick(at(10))
    await second.tick(at(10, 1))
    assert prompts(first, second) == ["memory:general", "memory:showcase"]


async def test_restart_after_the_post(make_rig: RigFactory) -> None:
    first = await make_rig(CONFIG)
    await first.tick(at(10))
    await first.hearth.stop()
    second = await make_rig(CONFIG)
    await second.tick(at(10, 10))
    assert prompts(first, second) == ["memory:general", "memory:showcase"]
    assert await occurrences(second) == [(DUE, "open")]


async def test_down_at_the_time_posts_once_on_start_within_the_grace(make_rig: RigFactory) -> None:
    rig = await make_rig(CONFIG)
    rig.clock.set(at(10, 40))  # started 40 minutes late
    await rig.tick()
    await rig.tick(at(10, 50))
    assert prompts(rig) == ["memory:general", "memory:showcase"]


async def test_down_past_the_grace_records_a_missed_occurrence(make_rig: RigFactory) -> None:
    rig = await make_rig(CONFIG)
    report = await rig.tick(at(11, 1))
    assert report.posted == [] and report.missed == 1
    assert prompts(rig) == []
    assert await occurrences(rig) == [(DUE, "missed")]
    # The next week posts normally.
    assert len((await rig.tick(at(10, day=19))).posted) == 1


async def test_a_crash_while_posting_resumes_the_untried_channels_only(make_rig: RigFactory) -> None:
    first = await make_rig(CONFIG)
    ritual = await first.service.store.find("wins")
    assert ritual is not None
    # The crashed process had claimed the occurrence and was sending to #general when it died.
    occurrence_id = await first.service.store.claim(ritual, DUE, "posting", "w2026-03", at(10))
    assert occurrence_id is not None
    assert await first.service.store.claim_post(occurrence_id, "memory:general")
    await first.hearth.stop()
    second = await make_rig(CONFIG)
    await second.tick(at(10, 1))  # too soon to tell a crash from a slow post: wait
    assert prompts(second) == []
    await second.tick(at(10, 5))
    # #general may have got the post before the crash, so it's never repeated; #showcase was never tried.
    assert prompts(second) == ["memory:showcase"]
    await second.tick(at(10, 10))
    assert prompts(second) == ["memory:showcase"]
    assert await occurrences(second) == [(DUE, "open")]


async def test_two_processes_at_the_same_instant_post_once(make_rig: RigFactory) -> None:
    one = await make_rig(CONFIG, PickyPlatform())
    two = await make_rig(CONFIG, PickyPlatform())
    one.clock.set(at(10))
    reports = await asyncio.gather(one.service.run_due(), two.service.run_due(), one.service.run_due())
    assert sum(len(r.posted) for r in reports) == 1
    assert sorted(prompts(one, two)) == ["memory:general", "memory:showcase"]
    async with one.hearth.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(RitualOccurrence)) == 1
        assert await session.scalar(select(func.count()).select_from(RitualPost)) == 2


async def test_config_changes_apply_on_restart_but_state_survives(make_rig: RigFactory) -> None:
    first = await make_rig(CONFIG)
    assert "Weekly Wins is paused" in await first.mod("/mod ritual pause wins")
    await first.hearth.stop()
    second = await make_rig(CONFIG.replace('name = "Weekly Wins"', 'name = "Big Wins"'))
    listing = await second.mod("/mod ritual list")
    assert "Big Wins (wins)" in listing and "paused ·" in listing
    assert (await second.tick(at(10))).posted == []
