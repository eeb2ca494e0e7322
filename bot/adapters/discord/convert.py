"""Discord users, channels and attachments as the kit's platform-neutral references."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import discord

from bot.kit.platform import Attachment, Place, PlatformUser

PLATFORM = "discord"
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public and private threads
log = logging.getLogger("hearth.discord")


def user_from_object(user: discord.abc.User) -> PlatformUser:
    return PlatformUser(platform=PLATFORM, user_id=str(user.id), display_name=user.display_name,
                        username=user.name, is_bot=user.bot)


def user_from_payload(user: Mapping[str, Any], member: Mapping[str, Any] | None = None) -> PlatformUser:
    """From a raw user object (plus the guild member object, whose nickname wins)."""
    user_id = str(user.get("id", ""))
    display = (member or {}).get("nick") or user.get("global_name") or user.get("username") or user_id
    return PlatformUser(platform=PLATFORM, user_id=user_id, display_name=str(display),
                        username=user.get("username"), is_bot=bool(user.get("bot", False)))


def unknown_user(user_id: int | str) -> PlatformUser:
    """Someone Discord named only by id (a reaction removal, a missing ``resolved`` entry)."""
    return PlatformUser(platform=PLATFORM, user_id=str(user_id), display_name=str(user_id))


def attachment_from_payload(data: Mapping[str, Any]) -> Attachment:
    return Attachment(filename=str(data.get("filename", "file")), url=str(data.get("url", "")),
                      content_type=data.get("content_type"), size=data.get("size"))


def attachment_from_object(attachment: discord.Attachment) -> Attachment:
    return Attachment(filename=attachment.filename, url=attachment.url, content_type=attachment.content_type,
                      size=attachment.size)


def channel_target(place: Place) -> int:
    """The Discord channel a Place posts to: a thread is a channel of its own."""
    return int(place.thread_id or place.chat_id)


class PlaceResolver:
    """Turns a channel id into a Place, finding a thread's parent channel from the cache or, once, REST."""

    def __init__(self, client: discord.Client, channel_type_hint: Callable[[int], int | None] | None = None) -> None:
        self._client = client
        self._hint = channel_type_hint  # the channel type MESSAGE_CREATE carried (from the gateway guard)
        self._parents: dict[int, int] = {}

    def remember_thread(self, thread_id: int, parent_id: int) -> None:
        self._parents[thread_id] = parent_id

    def _place(self, channel_id: int, guild_id: int, parent_id: int | None) -> Place:
        if parent_id is None:
            return Place(platform=PLATFORM, chat_id=str(channel_id), guild_id=str(guild_id))
        return Place(platform=PLATFORM, chat_id=str(parent_id), thread_id=str(channel_id), guild_id=str(guild_id))

    def from_payload(self, channel: Mapping[str, Any], guild_id: int | None) -> Place | None:
        """From a raw channel object (interaction ``channel``, ``resolved.channels``), if it says enough."""
        if "id" not in channel:
            return None
        channel_id = int(channel["id"])
        if guild_id is None or channel.get("type") in (1, 3):
            return Place(platform=PLATFORM, chat_id=str(channel_id), is_private=True)
        if channel.get("type") in THREAD_TYPES and channel.get("parent_id"):
            self.remember_thread(channel_id, int(channel["parent_id"]))
            return self._place(channel_id, guild_id, int(channel["parent_id"]))
        if "type" in channel:
            return self._place(channel_id, guild_id, None)
        return None

    async def place(self, channel_id: int, guild_id: int | None, channel_type: int | None = None) -> Place:
        if guild_id is None:
            return Place(platform=PLATFORM, chat_id=str(channel_id), is_private=True)
        cached = self._client.get_channel(channel_id)
        if isinstance(cached, discord.Thread):
            return self._place(channel_id, guild_id, cached.parent_id)
        if cached is not None:
            return self._place(channel_id, guild_id, None)
        if channel_id in self._parents:
            return self._place(channel_id, guild_id, self._parents[channel_id])
        if channel_type is None and self._hint is not None:
            channel_type = self._hint(channel_id)
        if channel_type not in THREAD_TYPES:
            return self._place(channel_id, guild_id, None)
        try:
            data = await self._client.http.get_channel(channel_id)
        except discord.HTTPException as error:
            log.warning("couldn't look up thread %s (%s); using it as its own channel", channel_id, error.status)
            return Place(platform=PLATFORM, chat_id=str(channel_id), thread_id=str(channel_id),
                          guild_id=str(guild_id))
        parent = data.get("parent_id")
        if parent is None:
            return self._place(channel_id, guild_id, None)
        self.remember_thread(channel_id, int(parent))
        return self._place(channel_id, guild_id, int(parent))
