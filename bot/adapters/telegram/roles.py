"""Who is a moderator on Telegram: a chat's administrators, plus the user ids listed in the config.

Checking means a ``getChatMember`` call, so answers are cached for a short while: a command burst in
a busy group costs one lookup, and a promotion or demotion is seen within a minute (at once when a
``chat_member`` update tells us).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from telegram import ChatMember

from bot.kit.commands import Permission

log = logging.getLogger("hearth.telegram")

CACHE_SECONDS = 60.0
CACHE_SIZE = 20_000


class ModeratorCheck:
    def __init__(self, bot: Any, moderator_user_ids: Iterable[int], *,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bot = bot
        self.configured = frozenset(int(user_id) for user_id in moderator_user_ids)
        self._now = monotonic
        self._cache: OrderedDict[tuple[int, int], tuple[float, Permission]] = OrderedDict()
        self.lookups = 0

    def forget(self, chat_id: int, user_id: int) -> None:
        """A chat_member update changed someone's status: ask again next time."""
        self._cache.pop((chat_id, user_id), None)

    async def role(self, chat_id: int, user_id: int, *, private: bool) -> Permission:
        if user_id in self.configured:
            return Permission.MODERATOR
        if private:
            return Permission.MEMBER  # a DM has no admins: only the configured list counts there
        key = (chat_id, user_id)
        cached = self._cache.get(key)
        if cached is not None and cached[0] > self._now():
            return cached[1]
        role = await self._lookup(chat_id, user_id)
        if role is None:
            return Permission.MEMBER  # not cached: the next command asks again
        self._cache[key] = (self._now() + CACHE_SECONDS, role)
        self._cache.move_to_end(key)
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return role

    async def _lookup(self, chat_id: int, user_id: int) -> Permission | None:
        self.lookups += 1
        try:
            status = await self.bot.member_status(chat_id, user_id)
        except Exception as problem:
            # Failing closed: without an answer nobody gets moderator rights.
            log.warning("couldn't check admin status of %s in chat %s: %s", user_id, chat_id, problem)
            return None
        if status == ChatMember.OWNER:
            return Permission.ADMIN
        if status == ChatMember.ADMINISTRATOR:
            return Permission.MODERATOR
        return Permission.MEMBER
