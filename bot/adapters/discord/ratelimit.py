"""A queue for role changes, so a bulk sync (10,000 tier roles) never becomes a storm of 429s.

discord.py already waits out a route's bucket when Discord's ``X-RateLimit-*`` headers say it is empty.
On top of that the queue:

- runs few changes at a time and never more than ``per_second`` (a ceiling below Discord's global
  50 requests/s, so chat replies keep flowing while a sync runs);
- pauses *every* worker when Discord answers 429 anyway (``RetryLater``), then retries the change;
- merges a change that is already waiting for the same member and role;
- reports progress (a log line every ``report_every`` changes of a large batch, and ``on_progress``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.kit.platform import RoleChange

log = logging.getLogger("hearth.discord")
MAX_RETRIES = 5


@dataclass(frozen=True)
class RoleJob:
    guild_id: int
    user_id: int
    role_id: int
    grant: bool
    reason: str = ""


class RetryLater(Exception):
    """Raised by the apply function when Discord answered 429 after discord.py's own retries."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after:.2f}s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Progress:
    """A batch runs from the first queued change until the queue is empty again."""

    done: int
    failed: int
    waiting: int
    total: int
    rate_limited: int
    seconds: float

    @property
    def finished(self) -> bool:
        return self.waiting == 0


Apply = Callable[[RoleJob], Awaitable[RoleChange]]


class RoleQueue:
    def __init__(self, apply: Apply, *, workers: int = 2, per_second: float = 10.0, report_every: int = 500,
                 on_progress: Callable[[Progress], None] | None = None) -> None:
        self._apply = apply
        self._workers_wanted = workers
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._report_every = report_every
        self._on_progress = on_progress
        self._waiting: deque[RoleJob] = deque()
        self._futures: dict[RoleJob, asyncio.Future[RoleChange]] = {}
        self._retries: dict[RoleJob, int] = {}
        self._wakeup = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        self._next_slot = 0.0
        self._paused_until = 0.0
        self._pacing = asyncio.Lock()
        self._reset_batch()

    def _reset_batch(self) -> None:
        self._done = self._failed = self._total = self._rate_limited = 0
        self._started = time.monotonic()

    @property
    def progress(self) -> Progress:
        # Futures leave the dict as their change finishes: what is left is still waiting.
        return Progress(self._done, self._failed, len(self._futures), self._total, self._rate_limited,
                        time.monotonic() - self._started)

    def start(self) -> None:
        if not self._workers:
            self._workers = [asyncio.create_task(self._work(), name=f"discord-roles-{n}")
                             for n in range(self._workers_wanted)]

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        self._workers = []
        for future in self._futures.values():
            if not future.done():
                future.set_result(RoleChange(applied=False, error="Hearth is shutting down; the change was not made."))
        self._futures.clear()
        self._waiting.clear()

    async def submit(self, job: RoleJob) -> RoleChange:
        """Queue a change and wait for its outcome (the same pending change is only made once)."""
        future = self._futures.get(job)
        if future is None:
            if not self._futures:
                self._reset_batch()
            future = asyncio.get_running_loop().create_future()
            self._futures[job] = future
            self._waiting.append(job)
            self._total += 1
            self._wakeup.set()
        return await asyncio.shield(future)

    async def _pace(self) -> None:
        """One change per interval across all workers, and nothing while Discord asked us to wait."""
        async with self._pacing:
            now = time.monotonic()
            start = max(now, self._next_slot, self._paused_until)
            self._next_slot = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    async def _work(self) -> None:
        while True:
            while not self._waiting:
                self._wakeup.clear()
                await self._wakeup.wait()
            job = self._waiting.popleft()
            await self._pace()
            try:
                outcome = await self._apply(job)
            except RetryLater as wait:
                self._rate_limited += 1
                self._retries[job] = self._retries.get(job, 0) + 1
                if self._retries[job] <= MAX_RETRIES:
                    self._paused_until = max(self._paused_until, time.monotonic() + wait.retry_after)
                    log.warning("Discord rate-limited role changes: pausing the queue for %.2fs", wait.retry_after)
                    self._waiting.appendleft(job)
                    continue
                outcome = RoleChange(applied=False, error="Discord kept rate-limiting role changes; try later.")
            except Exception:
                log.exception("role change for user %s failed", job.user_id)
                outcome = RoleChange(applied=False, error="The role change failed on Hearth's side (logged).")
            self._finish(job, outcome)

    def _finish(self, job: RoleJob, outcome: RoleChange) -> None:
        self._retries.pop(job, None)
        future = self._futures.pop(job, None)
        if future is not None and not future.done():
            future.set_result(outcome)
        if outcome.applied:
            self._done += 1
        else:
            self._failed += 1
        progress = self.progress
        large = progress.total >= self._report_every
        if large and ((self._done + self._failed) % self._report_every == 0 or progress.finished):
            log.info("role changes: %d/%d done, %d failed, %d rate-limit pauses (%.0fs)%s", progress.done,
                     progress.total, progress.failed, progress.rate_limited, progress.seconds,
                     " — finished" if progress.finished else "")
        if self._on_progress is not None:
            self._on_progress(progress)
