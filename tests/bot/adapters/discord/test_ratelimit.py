"""The role queue on its own: a 10,000-member sync against a fake Discord bucket, without HTTP."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from bot.adapters.discord.ratelimit import Progress, RetryLater, RoleJob, RoleQueue
from bot.kit.platform import RoleChange


class FakeBucket:
    """Discord's side of one route: ``limit`` changes per ``window`` seconds, 429 (RetryLater) beyond."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.used, self.resets_at = 0, 0.0
        self.applied: list[RoleJob] = []
        self.refused = 0

    async def apply(self, job: RoleJob) -> RoleChange:
        await asyncio.sleep(0)
        now = time.monotonic()
        if now >= self.resets_at:
            self.used, self.resets_at = 0, now + self.window
        if self.used >= self.limit:
            self.refused += 1
            raise RetryLater(self.resets_at - now)
        self.used += 1
        self.applied.append(job)
        return RoleChange(applied=True)


async def test_ten_thousand_changes_without_a_429_storm(caplog: pytest.LogCaptureFixture) -> None:
    bucket = FakeBucket(limit=2500, window=0.05)
    reports: list[Progress] = []
    queue = RoleQueue(bucket.apply, workers=4, per_second=0, report_every=2000, on_progress=reports.append)
    caplog.set_level(logging.INFO, "hearth.discord")
    queue.start()
    try:
        jobs = [RoleJob(1, 10_000 + n, 7, True, "tier sync") for n in range(10_000)]
        results = await asyncio.gather(*(queue.submit(job) for job in jobs))
    finally:
        await queue.stop()
    assert all(r.applied for r in results) and len(bucket.applied) == 10_000
    # Each 429 pauses every worker until the bucket resets: at most one per worker per window.
    assert bucket.refused <= 4 * 4
    assert reports[-1].done == 10_000 and reports[-1].finished and reports[-1].total == 10_000
    assert [r.done for r in reports if r.done % 2000 == 0][:5] == [2000, 4000, 6000, 8000, 10_000]
    assert "role changes: 2000/10000 done" in caplog.text and "10000/10000 done, 0 failed" in caplog.text


async def test_the_same_pending_change_is_made_once() -> None:
    bucket = FakeBucket(limit=100, window=1)
    queue = RoleQueue(bucket.apply, per_second=0)
    job = RoleJob(1, 2, 3, True)
    queue.start()
    try:
        first, second = await asyncio.gather(queue.submit(job), queue.submit(job))
    finally:
        await queue.stop()
    assert first.applied and second.applied and len(bucket.applied) == 1


async def test_a_change_that_keeps_being_refused_gives_up_with_a_reason() -> None:
    async def always_limited(job: RoleJob) -> RoleChange:
        raise RetryLater(0.001)

    queue = RoleQueue(always_limited, per_second=0)
    queue.start()
    try:
        change = await queue.submit(RoleJob(1, 2, 3, False))
    finally:
        await queue.stop()
    assert not change.applied and "rate-limiting" in (change.error or "")


async def test_stop_answers_whatever_is_still_waiting() -> None:
    gate = asyncio.Event()

    async def blocked(job: RoleJob) -> RoleChange:
        await gate.wait()
        return RoleChange(applied=True)

    queue = RoleQueue(blocked, workers=1, per_second=0)
    queue.start()
    waiting = [asyncio.ensure_future(queue.submit(RoleJob(1, n, 3, True))) for n in range(3)]
    await asyncio.sleep(0.01)
    await queue.stop()
    results = await asyncio.gather(*waiting)
    assert all(not r.applied and "shutting down" in (r.error or "") for r in results)
