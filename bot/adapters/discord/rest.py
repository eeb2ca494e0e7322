"""A REST call Discord answered 429 to, after discord.py's own handling let it through, tried again.

discord.py waits out 429s itself when the answer looks like Discord's (it carries a ``Via`` header);
otherwise — a proxy, an emulator, an exhausted retry budget — it raises ``HTTPException(429)``. Then the
call is repeated after the ``retry_after`` Discord asked for, a few times at most.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord

log = logging.getLogger("hearth.discord")
T = TypeVar("T")
MAX_WAIT = 60.0  # longer waits (a daily limit) fail now rather than hold a command for minutes
DEFAULT_WAIT = 1.0


async def retry_after(error: discord.HTTPException) -> float | None:
    """Seconds Discord asked to wait, for a 429; ``None`` for any other error."""
    if error.status != 429:
        return None
    response = error.response
    try:
        body = await response.json(content_type=None)
        return max(float(body["retry_after"]), 0.0)
    except Exception:  # a body that isn't Discord's JSON: fall back to the headers
        pass
    for header in ("X-RateLimit-Reset-After", "Retry-After"):
        value = getattr(response, "headers", {}).get(header)
        try:
            return max(float(value), 0.0)
        except (TypeError, ValueError):
            continue
    return DEFAULT_WAIT


async def patiently(call: Callable[[], Awaitable[T]], *, attempts: int = 3) -> T:
    """``await call()``, again after ``retry_after`` when Discord answers 429."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except discord.HTTPException as error:
            wait = await retry_after(error)
            if wait is None or attempt == attempts or wait > MAX_WAIT:
                raise
            log.warning("Discord answered 429: retrying in %.2fs (attempt %d of %d)", wait, attempt + 1, attempts)
            await asyncio.sleep(wait)
    raise AssertionError("unreachable: the last attempt returns or raises")
