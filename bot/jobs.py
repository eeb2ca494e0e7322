"""Scheduled jobs under way when Hearth stops get to finish first.

APScheduler's shutdown cancels coroutine jobs halfway and logs each as an error with a traceback. Everything
they do is claimed and retried, so nothing is lost — but a clean SIGTERM shouldn't cut a ritual post, a
launch phase or a CRM delivery off mid-way, nor log an error. ``Hearth.stop`` pauses the scheduler (no new
run starts) and waits here, for a few seconds at most, while the adapters they post through are still up.
"""

from __future__ import annotations

import asyncio
import logging

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("hearth")


class RunningJobs:
    """Counts the scheduler's runs under way (submitted to the executor, not finished yet)."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.running = 0
        self._idle = asyncio.Event()
        self._idle.set()
        scheduler.add_listener(self._on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def _on_event(self, event: JobEvent) -> None:
        # Listeners run on the loop's thread (AsyncIOScheduler): no lock needed.
        if event.code == EVENT_JOB_SUBMITTED:
            self.running += 1
            self._idle.clear()
            return
        self.running = max(self.running - 1, 0)
        if not self.running:
            self._idle.set()

    async def drain(self, timeout: float) -> bool:
        """Wait until no run is under way; False (and a warning) if some still are after ``timeout`` seconds."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            log.warning("%d scheduled job(s) still running after %.0f s: stopping them", self.running, timeout)
            return False
        return True
