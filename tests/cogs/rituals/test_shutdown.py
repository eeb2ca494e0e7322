"""SIGTERM in the middle of a ritual tick: the cog's stop waits for the tick, which finishes its post."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.kit.clock import ManualClock
from bot.kit.platform import MessageRef, Place
from bot.kit.reply import Reply
from tests.cogs.rituals.conftest import PickyPlatform, RigFactory
from tests.cogs.rituals.test_restart import CONFIG, DUE, occurrences, prompts


@dataclass
class SlowPlatform(PickyPlatform):
    """Sends wait until the test lets them through, as a slow Discord keeps a request."""

    sending: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, place: Place, reply: Reply) -> MessageRef | None:  # type: ignore[override]
        self.sending.set()
        await self.release.wait()
        return await super().send(place, reply)


async def test_stop_waits_for_the_tick_under_way(make_rig: RigFactory, clock: ManualClock) -> None:
    clock.set(datetime(2026, 1, 12, 9, tzinfo=UTC))  # started an hour before the ritual's time
    platform = SlowPlatform()
    rig = await make_rig(CONFIG, platform)
    rig.clock.set(datetime(2026, 1, 12, 10, tzinfo=UTC))
    tick = asyncio.create_task(rig.service.run_due())
    await platform.sending.wait()
    stopping = asyncio.create_task(rig.service.stop())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not stopping.done()  # held by the tick: the database must not close under it
    platform.release.set()
    await stopping
    assert len((await tick).posted) == 1
    assert prompts(rig) == ["memory:general", "memory:showcase"]
    assert await occurrences(rig) == [(DUE, "open")]
