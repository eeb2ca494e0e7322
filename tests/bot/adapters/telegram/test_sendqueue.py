"""The send queue alone: pacing windows, retry_after, and a shutdown that doesn't wait for a rate limit."""

from __future__ import annotations

import asyncio

import pytest
from telegram.error import RetryAfter

from bot.adapters.telegram.sendqueue import Limits, QueueClosed, SendQueue
from tests.bot.adapters.telegram.support import FakeTime


async def test_overall_limit_spreads_a_burst() -> None:
    time = FakeTime()
    queue = SendQueue(Limits(overall_per_second=30), sleep=time.sleep, monotonic=time.monotonic)
    sent: list[float] = []

    async def send() -> None:
        sent.append(time.now)

    for chat in range(1, 62):  # 61 different private chats
        await queue.run(chat, send)
    per_second = [sum(1 for t in sent if start <= t < start + 1) for start in range(1000, 1004)]
    assert max(per_second) <= 30 and len(sent) == 61


async def test_retry_after_gives_up_after_max_attempts() -> None:
    time = FakeTime()
    queue = SendQueue(Limits(max_attempts=3), sleep=time.sleep, monotonic=time.monotonic)
    attempts = 0

    async def flooded() -> None:
        nonlocal attempts
        attempts += 1
        raise RetryAfter(2)

    with pytest.raises(RetryAfter):
        await queue.run(-100, flooded)
    assert attempts == 3 and time.slept.count(2.0) == 2 and queue.retries == 2


async def test_close_releases_a_sender_waiting_for_the_group_window() -> None:
    queue = SendQueue(Limits(group_per_minute=1))  # real clock and sleep: the second send would wait 60 s

    async def send() -> str:
        return "sent"

    assert await queue.run(-100, send) == "sent"
    waiting = asyncio.create_task(queue.run(-100, send))
    await asyncio.sleep(0.01)
    queue.close()
    with pytest.raises(QueueClosed):
        await asyncio.wait_for(waiting, 2)
    assert await queue.run(-200, send) == "sent"  # what needs no wait still goes out
