"""Channel keys in the config (``discord:123``, ``telegram:-100…/7``) and posting to them safely.

Shared by the polls, ideas and Q&A cogs: each has config lists of places to post to on either platform.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import TypeVar

from bot.kit.platform import check_place_key

log = logging.getLogger("hearth.community")
T = TypeVar("T")

def check_place_keys(keys: list[str]) -> list[str]:
    checked = [check_place_key(key) for key in keys]
    if len(set(checked)) != len(checked):
        raise ValueError("a channel is listed twice")
    return checked


async def safely(call: Awaitable[T], what: str) -> T | None:
    """Await an adapter call; an error is logged and becomes None: one broken channel must not stop the rest."""
    try:
        return await call
    except Exception:
        log.warning("%s failed", what, exc_info=True)
        return None
