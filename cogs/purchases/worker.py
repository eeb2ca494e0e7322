"""The background task: drains the inbox, applies effects, and runs the periodic checks.

Woken after each accepted delivery; otherwise it looks every ``poll_seconds`` for work another
process left (``hearth sync``), role expiries and role grants to retry. At start it drains whatever
a previous process accepted but didn't get to.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from cogs.purchases.claims import ClaimService
from cogs.purchases.effects import Effects
from cogs.purchases.processor import InboxProcessor
from cogs.purchases.roles import RoleKeeper

log = logging.getLogger("hearth.purchases")

GATHER_SECONDS = 0.2
BUSY_SECONDS = 0.2


class PurchaseWorker:
    """One background task (and ``run_once`` for callers that need results now), serialised by one lock."""

    def __init__(self, processor: InboxProcessor, effects: Effects, roles: RoleKeeper, claims: ClaimService,
                 poll_seconds: float, pending_claim_age: timedelta) -> None:
        self.processor = processor
        self.effects = effects
        self.roles = roles
        self.claims = claims
        self.poll_seconds = poll_seconds
        self.pending_claim_age = pending_claim_age
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._lock = asyncio.Lock()
        self._last_delivery = 0.0
        self.passes = 0

    def wake(self) -> None:
        self._last_delivery = time.monotonic()
        self._wake.set()

    def _intake_busy(self) -> bool:
        return time.monotonic() - self._last_delivery < BUSY_SECONDS

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="purchases-worker")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        failures = 0
        last_sweep = -self.poll_seconds
        while not self._stopping:
            try:
                if self._intake_busy():
                    # Woken by a delivery: let a burst gather first, so it is merged in a few large batches.
                    await asyncio.sleep(GATHER_SECONDS)
                sweep = time.monotonic() - last_sweep >= self.poll_seconds
                await self.run_once(sweep=sweep)
                if sweep:
                    last_sweep = time.monotonic()
                failures = 0
            except Exception:
                failures += 1
                log.exception("processing store deliveries failed (attempt %d); retrying", failures)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds * min(2 ** failures, 16))
            except TimeoutError:
                pass
            self._wake.clear()

    async def run_once(self, *, sweep: bool = True) -> int:
        """One pass: every waiting delivery, every pending effect, and (with ``sweep``) expiries and retries."""
        async with self._lock:
            processed = 0
            while (count := await self._batch()) > 0:
                processed += count
            await self.effects.drain()
            if sweep:
                await self.sweep()
            self.passes += 1
            return processed

    async def _batch(self) -> int:
        started = time.monotonic()
        count = await self.processor.process_batch()
        if count:
            await self.effects.drain()
        if count and self._intake_busy():
            # Deliveries are pouring in: answering them comes first, so merging takes at most a third of the loop
            # and catches up when the burst ends.
            await asyncio.sleep(2 * (time.monotonic() - started))
        return count

    async def sweep(self) -> None:
        for member_id in await self.roles.due():
            await self.roles.reconcile(member_id)
        await self.claims.forget_expired(self.pending_claim_age)

    async def reconcile(self, member_id: int) -> None:
        async with self._lock:
            await self.roles.reconcile(member_id)
