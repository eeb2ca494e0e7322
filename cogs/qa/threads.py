"""Recognising a question's thread whatever shape the platform gives it.

- A Discord thread id is unique on the whole platform, but the channel a thread message reports can be
  the parent or (when the parent isn't cached) the thread itself: the key is the thread id alone.
- A Telegram forum topic id is only unique inside its chat: the key is chat + topic.
- A Telegram reply chain (``reply:<message>``, in chats without topics) has no thread id on the messages
  in it at all: answers are recognised by what they reply to (the question, or an earlier answer).
"""

from __future__ import annotations

from bot.kit.platform import MessageRef, Place, message_key

# Platforms whose thread ids are unique platform-wide (so the chat id is left out of the key).
GLOBAL_THREAD_IDS = frozenset({"discord"})
REPLY_CHAIN = "reply:"


def thread_key(place: Place) -> str | None:
    """The key messages posted in this place are matched by, or None outside a thread or topic."""
    thread = place.thread_id
    if not thread or thread.startswith(REPLY_CHAIN):
        return None
    if place.platform in GLOBAL_THREAD_IDS:
        return f"{place.platform}:{thread}"
    return f"{place.platform}:{place.chat_id}/{thread}"


def question_thread_key(question: MessageRef, thread: Place) -> str:
    """Stored with the question: its thread's key, or for a reply chain the question message's own key."""
    return thread_key(thread) or f"{REPLY_CHAIN}{message_key(question)}"
