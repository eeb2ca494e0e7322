"""The proof page's cache: one snapshot in memory, recomputed at most every ``cache_seconds``.

Requests never wait for a recompute once a first snapshot exists: a stale one is served while a single
background task builds the next (stale-while-revalidate). A member who opts out or is forgotten drops the
cache at once, so the next request waits for a snapshot without their name rather than showing it again.
The rendered page, widget and JSON are kept with the snapshot, so a request costs a dictionary look-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta, tzinfo

from bot.kit.clock import Clock
from cogs.proof import snapshot
from cogs.proof.config import ProofConfig
from cogs.proof.snapshot import ProofSnapshot
from storage.database import Database

log = logging.getLogger("hearth.proof")

Render = Callable[[ProofSnapshot], dict[str, bytes]]


@dataclass(frozen=True)
class Rendered:
    snapshot: ProofSnapshot
    bodies: dict[str, bytes]


class ProofService:
    def __init__(self, database: Database, config: ProofConfig, clock: Clock, timezone: tzinfo,
                 render: Render) -> None:
        self.database = database
        self.config = config
        self.clock = clock
        self.timezone = timezone
        self.render = render
        self._current: Rendered | None = None
        self._generation = 0
        self._refreshing: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def _build(self) -> Rendered:
        generation = self._generation
        built = await snapshot.build(self.database, self.config, self.clock.now(), self.timezone)
        # Rendering is pure CPU on small lists (well under a millisecond): done once here, not per request.
        rendered = Rendered(built, {"json": json.dumps(built.as_json(), ensure_ascii=False).encode(),
                                    **self.render(built)})
        if generation == self._generation:
            self._current = rendered  # an invalidation while building means this one may hold a removed name
        return rendered

    def _stale(self, rendered: Rendered) -> bool:
        return self.clock.now() - rendered.snapshot.generated_at >= timedelta(seconds=self.config.cache_seconds)

    async def current(self) -> Rendered:
        rendered = self._current
        if rendered is None:
            async with self._lock:
                if self._current is None:
                    return await self._build()
                return self._current
        if self._stale(rendered) and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.create_task(self._refresh())
        return rendered

    async def _refresh(self) -> None:
        try:
            await self._build()
        except Exception:
            log.exception("recomputing the proof page failed; serving the previous one")

    def invalidate(self) -> None:
        """Forget the snapshot (someone's name may be on it): the next request builds a new one."""
        self._generation += 1
        self._current = None

    async def stop(self) -> None:
        if self._refreshing is not None and not self._refreshing.done():
            self._refreshing.cancel()
            await asyncio.gather(self._refreshing, return_exceptions=True)
