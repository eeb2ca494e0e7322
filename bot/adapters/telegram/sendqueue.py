"""Outgoing messages paced to Telegram's limits, retried when Telegram says "retry after".

Telegram allows about 30 messages per second overall and 20 per minute in one group; beyond that
it answers 429 with ``retry_after``. Waiting here first means a busy ritual post or a burst of
command replies slows down instead of failing, and a 429 pauses only the chat it concerns.
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from telegram.error import RetryAfter
from telegram.warnings import PTBDeprecationWarning

log = logging.getLogger("hearth.telegram.send")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


@dataclass(frozen=True)
class Limits:
    overall_per_second: int = 30
    group_per_minute: int = 20
    max_attempts: int = 5


class QueueClosed(Exception):
    """The adapter is shutting down: the message was not sent."""


def retry_after_seconds(error: RetryAfter) -> float:
    # PTB 22 warns when the int form is read; the value is the same either way.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Window:
    """A sliding window: at most ``limit`` starts in any ``period`` seconds."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit = limit
        self.period = period
        self.starts: deque[float] = deque()
        self.paused_until = 0.0
        self.lock = asyncio.Lock()

    def wait_time(self, now: float) -> float:
        while self.starts and now - self.starts[0] >= self.period:
            self.starts.popleft()
        full = self.starts[0] + self.period - now if len(self.starts) >= self.limit else 0.0
        return max(full, self.paused_until - now, 0.0)

    def idle(self, now: float) -> bool:
        return not self.lock.locked() and self.wait_time(now) == 0.0 and not self.starts


class SendQueue:
    """Paces calls per chat and overall; ``run(chat_id, call)`` returns the call's result.

    ``sleep`` and ``monotonic`` are injectable so tests can see a ``retry_after`` honoured without waiting.
    """

    def __init__(self, limits: Limits | None = None, *, sleep: Sleep | None = None,
                 monotonic: Monotonic | None = None) -> None:
        self.limits = limits or Limits()
        self._sleep = sleep or asyncio.sleep
        self._now = monotonic or time.monotonic
        self._overall = _Window(self.limits.overall_per_second, 1.0)
        self._chats: dict[int, _Window] = {}
        self._closed = False
        self._closing = asyncio.Event()
        self.retries = 0

    def close(self) -> None:
        """Stop waiting: calls held by a limit raise QueueClosed, so shutdown isn't held by a rate limit.
        Calls the limits allow at once still go out (a reply being sent as the process stops)."""
        self._closed = True
        self._closing.set()

    async def _wait(self, delay: float) -> None:
        if self._sleep is not asyncio.sleep:
            await self._sleep(delay)
            return
        # Interruptible: close() wakes every waiter at once.
        try:
            await asyncio.wait_for(self._closing.wait(), delay)
        except TimeoutError:
            pass

    def _chat_window(self, chat_id: int) -> _Window:
        window = self._chats.get(chat_id)
        if window is None:
            if len(self._chats) > 10_000:
                now = self._now()
                self._chats = {key: w for key, w in self._chats.items() if not w.idle(now)}
            # Groups (negative ids) have the per-minute limit; private chats only the overall one.
            limit = self.limits.group_per_minute if chat_id < 0 else self.limits.overall_per_second
            window = self._chats[chat_id] = _Window(limit, 60.0 if chat_id < 0 else 1.0)
        return window

    async def _pass(self, window: _Window) -> None:
        async with window.lock:
            while (delay := window.wait_time(self._now())) > 0:
                if self._closed:
                    raise QueueClosed
                await self._wait(delay)
            window.starts.append(self._now())

    async def run(self, chat_id: int | None, call: Callable[[], Awaitable[T]], *, paced: bool = True) -> T:
        """Run ``call`` once the limits allow; on RetryAfter wait as told and try again."""
        attempt = 0
        while True:
            attempt += 1
            if paced:
                if chat_id is not None:
                    await self._pass(self._chat_window(chat_id))
                await self._pass(self._overall)
            try:
                return await call()
            except RetryAfter as error:
                delay = retry_after_seconds(error)
                if attempt >= self.limits.max_attempts or self._closed:
                    raise
                self.retries += 1
                log.warning("Telegram asked to wait %.0f s before sending to %s (attempt %d)", delay, chat_id, attempt)
                if chat_id is not None:
                    window = self._chat_window(chat_id)
                    window.paused_until = max(window.paused_until, self._now() + delay)
                await self._wait(delay)
