"""The claims and counters on PostgreSQL: two processes post once, answers count once, recaps close once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.platform import Place
from bot.secrets import Secrets
from storage.migrate import upgrade
from storage.models import RitualOccurrence, RitualParticipant
from tests.cogs.rituals.conftest import COGS, GENERAL, PickyPlatform, Rig
from tests.support.harness import Chat, user

pytestmark = pytest.mark.postgres

CONFIG = COGS + """
[[rituals.ritual]]
key = "wins"
name = "Weekly Wins"
enabled = true
schedule = "mon 10:00"
channels = ["memory:general"]
prompt = "Share a win!"
"""


@pytest.fixture
async def make_pg_rig(postgres_url: str, tmp_path: Path, secrets: Secrets,
                      clock: ManualClock) -> AsyncIterator[Callable[[], Awaitable[Rig]]]:
    await asyncio.to_thread(upgrade, postgres_url)
    clock.set(datetime(2026, 1, 12, 9, tzinfo=UTC))
    path = tmp_path / "config.toml"
    path.write_text(f'data_dir = "{tmp_path}"\n{CONFIG}')
    running: list[Hearth] = []

    async def build() -> Rig:
        hearth = Hearth(load_config(path, environ={"HEARTH_DATABASE_URL": postgres_url}), secrets, clock=clock)
        await hearth.start(web=False)
        running.append(hearth)
        platform = PickyPlatform()
        hearth.platforms.add(platform)
        return Rig(hearth, platform, Chat(hearth, platform, GENERAL))

    yield build
    for hearth in running:
        await hearth.stop()


async def test_claims_and_participation_on_postgresql(make_pg_rig: Callable[[], Awaitable[Rig]]) -> None:
    one, two = await make_pg_rig(), await make_pg_rig()
    one.clock.set(datetime(2026, 1, 12, 10, tzinfo=UTC))
    reports = await asyncio.gather(one.service.run_due(), two.service.run_due())
    assert sum(len(r.posted) for r in reports) == 1
    assert len(one.prompts("Weekly Wins") + two.prompts("Weekly Wins")) == 1
    poster = one if one.prompts("Weekly Wins") else two
    thread = Place("memory", "general", thread_id=f"t{poster.sent('thread')[0].target}")
    await poster.say(user("alice"), "My win, posted twice", place=thread)
    await poster.say(user("alice"), "And another answer", place=thread)
    closing = await asyncio.gather(one.tick(datetime(2026, 1, 13, 10, tzinfo=UTC)), two.service.run_due())
    assert sum(len(r.closed) for r in closing) == 1
    async with one.hearth.database.session() as session:
        occurrence = await session.scalar(select(RitualOccurrence))
        assert occurrence is not None and (occurrence.status, occurrence.participants, occurrence.posts) == (
            "closed", 1, 2)
        assert await session.scalar(select(func.count()).select_from(RitualParticipant)) == 1
    streak = await one.service.streak(await one.hearth.members.resolve(user("alice")), "wins")
    assert streak is not None and (streak.current, streak.best) == (1, 1)
