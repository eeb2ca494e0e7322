"""Channel keys in the config (``discord:123``, ``telegram:-100…/7``) and posting to them safely.

Shared by the polls, ideas and Q&A cogs: each has config lists of places to post to on either platform.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from typing import TypeVar

from bot.kit.platform import MessageRef, Place

log = logging.getLogger("hearth.community")
T = TypeVar("T")

# A place key as Place.key writes it: platform, chat id, optionally "/thread".
PLACE_KEY = re.compile(r"^[a-z]{2,20}:-?[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_:.-]{1,64})?$")


def check_place_key(key: str) -> str:
    """For config validators: the key unchanged, or a ValueError saying how to write one."""
    if not PLACE_KEY.match(key):
        raise ValueError(f"'{key}' isn't a channel key: write platform:chat_id, e.g. discord:123456789, "
                         "telegram:-1001234567890 or console:general")
    return key


def check_place_keys(keys: list[str]) -> list[str]:
    checked = [check_place_key(key) for key in keys]
    if len(set(checked)) != len(checked):
        raise ValueError("a channel is listed twice")
    return checked


def place_from_key(key: str) -> Place:
    platform, _, rest = key.partition(":")
    chat_id, _, thread_id = rest.partition("/")
    return Place(platform=platform, chat_id=chat_id, thread_id=thread_id or None)


def message_key(message: MessageRef) -> str:
    """A message's identity across platforms (the points engine's post keys use the same shape)."""
    return f"{message.place.platform}:{message.place.chat_id}:{message.message_id}"


async def safely(call: Awaitable[T], what: str) -> T | None:
    """Await an adapter call; an error is logged and becomes None: one broken channel must not stop the rest."""
    try:
        return await call
    except Exception:
        log.warning("%s failed", what, exc_info=True)
        return None
