"""What the Telegram adapter learns while running: chats it lost, chats that moved, forums, polls, grants.

Telegram tells a bot these things only once (a ``my_chat_member`` update, a ``ChatMigrated`` error, a
``sendPoll`` answer), so they are kept here. Poll ids are also written to disk: votes keep arriving
for days, across restarts, and only the adapter can say which kit poll a Telegram poll id belongs to.
"""

from __future__ import annotations

import logging

log = logging.getLogger("hearth.telegram")



class ChatStates:
    """Chats the bot may not post in (removed, kicked, blocked by the user) and chats that migrated."""

    def __init__(self) -> None:
        self._inactive: set[int] = set()
        self._reported: set[int] = set()
        self._moved: dict[int, int] = {}
        self._forums: dict[int, bool] = {}

    def current_id(self, chat_id: int) -> int:
        """A group upgraded to a supergroup gets a new id; old references keep working through this."""
        return self._moved.get(chat_id, chat_id)

    def moved(self, old: int, new: int) -> None:
        self._moved[old] = new
        log.info("Telegram chat %s is now supergroup %s", old, new)

    def deactivate(self, chat_id: int, why: str) -> bool:
        """Stop posting to a chat; True the first time (so the caller publishes/logs once)."""
        first = chat_id not in self._inactive
        self._inactive.add(chat_id)
        if first:
            log.warning("Telegram chat %s is inactive (%s): messages to it are dropped until the bot is back",
                        chat_id, why)
        return first

    def activate(self, chat_id: int) -> None:
        if chat_id in self._inactive:
            self._inactive.discard(chat_id)
            self._reported.discard(chat_id)
            log.info("Telegram chat %s is active again", chat_id)

    def is_active(self, chat_id: int) -> bool:
        return chat_id not in self._inactive

    def report_drop(self, chat_id: int) -> bool:
        """True once per inactive chat: the first dropped send is logged, the rest are not."""
        if chat_id in self._reported:
            return False
        self._reported.add(chat_id)
        return True

    def note_forum(self, chat_id: int, is_forum: bool | None) -> None:
        if is_forum is not None:
            self._forums[chat_id] = bool(is_forum)

    def is_forum(self, chat_id: int) -> bool | None:
        return self._forums.get(chat_id)


class Grants:
    """Who was granted which gated chat, and who asked to join one: either order ends in approval."""

    def __init__(self) -> None:
        self._granted: set[tuple[int, int]] = set()
        self._requests: set[tuple[int, int]] = set()

    def grant(self, chat_id: int, user_id: int) -> None:
        self._granted.add((chat_id, user_id))

    def revoke(self, chat_id: int, user_id: int) -> None:
        self._granted.discard((chat_id, user_id))
        self._requests.discard((chat_id, user_id))

    def is_granted(self, chat_id: int, user_id: int) -> bool:
        return (chat_id, user_id) in self._granted

    def requested(self, chat_id: int, user_id: int) -> None:
        self._requests.add((chat_id, user_id))

    def take_request(self, chat_id: int, user_id: int) -> bool:
        if (chat_id, user_id) in self._requests:
            self._requests.discard((chat_id, user_id))
            return True
        return False
