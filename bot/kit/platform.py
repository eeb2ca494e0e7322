"""The interface every chat adapter implements, and the platform-neutral references it passes around."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from bot.kit.reply import Poll, Reply


@dataclass(frozen=True)
class PlatformUser:
    """A chat account on one platform (not yet a Member: see ``bot.kit.identity``)."""

    platform: str
    user_id: str
    display_name: str
    username: str | None = None
    is_bot: bool = False


@dataclass(frozen=True)
class Place:
    """Where a message lives: a chat/channel, optionally a thread or forum topic inside it.

    ``guild_id`` is the Discord server or ``None`` (Telegram chats are their own group).
    """

    platform: str
    chat_id: str
    thread_id: str | None = None
    guild_id: str | None = None
    is_private: bool = False

    @property
    def key(self) -> str:
        """A stable text key, for storage and for config lists of channels."""
        base = f"{self.platform}:{self.chat_id}"
        return f"{base}/{self.thread_id}" if self.thread_id else base


@dataclass(frozen=True)
class MessageRef:
    """A message the platform knows, so it can be replied to, edited or deleted."""

    place: Place
    message_id: str


# A place key as ``Place.key`` writes it: platform, chat id, optionally "/thread" (config files use them).
PLACE_KEY = re.compile(r"^[a-z]{2,20}:-?[A-Za-z0-9_.-]{1,64}(/[A-Za-z0-9_:.-]{1,64})?$")


def check_place_key(key: str) -> str:
    """For config validators: the key unchanged, or a ValueError saying how to write one."""
    if not PLACE_KEY.match(key):
        raise ValueError(f"'{key}' isn't a channel key: write platform:chat_id, e.g. discord:123456789, "
                         "telegram:-1001234567890 or console:general")
    return key


def place_from_key(key: str) -> Place:
    """The Place a ``Place.key`` names (the inverse of ``Place.key``)."""
    platform, _, rest = key.partition(":")
    chat_id, _, thread_id = rest.partition("/")
    return Place(platform=platform, chat_id=chat_id, thread_id=thread_id or None)


def message_key(message: MessageRef) -> str:
    """A message's identity across platforms (``platform:chat:message``); post statistics are kept under it."""
    return f"{message.place.platform}:{message.place.chat_id}:{message.message_id}"


@dataclass(frozen=True)
class Attachment:
    """A file attached to a message or passed as a command option (never downloaded by the kit)."""

    filename: str
    url: str
    content_type: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Role:
    """A platform role, or on Telegram a gated chat reached through a one-time invite link."""

    platform: str
    role_id: str
    name: str = ""


@dataclass(frozen=True)
class RoleChange:
    """What a grant or revoke did: applied, or why not (``error`` says what to fix)."""

    applied: bool
    error: str | None = None
    invite_link: str | None = None


@dataclass(frozen=True)
class Capabilities:
    """What a platform can render natively; cogs fall back when a capability is missing."""

    threads: bool = False
    native_polls: bool = False
    buttons: bool = False
    roles: bool = False
    direct_messages: bool = True
    extra: frozenset[str] = field(default_factory=frozenset)


@runtime_checkable
class Platform(Protocol):
    """The actions cogs may take on a chat platform. Every method is safe to call concurrently."""

    name: str
    capabilities: Capabilities

    async def send(self, place: Place, reply: Reply) -> MessageRef | None:
        """Post a message in a place; ``None`` if the platform refused (the adapter logs why)."""

    async def reply(self, to: MessageRef, reply: Reply) -> MessageRef | None:
        """Post a message answering another one."""

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        """Replace the content of a message the bot sent."""

    async def delete(self, message: MessageRef) -> None:
        """Delete a message."""

    async def create_thread(self, message: MessageRef, title: str) -> Place:
        """Open a thread (Discord) or topic/reply chain (Telegram) on a message; returns where to post."""

    async def send_poll(self, place: Place, poll: Poll) -> MessageRef | None:
        """Post a native poll (or buttons where the platform has none)."""

    async def send_direct(self, user_id: str, reply: Reply) -> MessageRef | None:
        """Message a user privately; ``None`` when their DMs are closed or they blocked the bot."""

    async def grant_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        """Give a role (Telegram: send a one-time invite link to the gated chat)."""

    async def revoke_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        """Take a role away (Telegram: remove from the gated chat)."""

    async def fetch_user(self, user_id: str) -> PlatformUser | None:
        """Look a user up by id; ``None`` if unknown."""

    async def create_invite_link(self, place: Place, name: str) -> str | None:
        """A reusable invite link to a chat, named (at most 32 characters) so joins through it can be attributed:
        Telegram reports the link a joiner used. ``None`` where the platform can't make one or wouldn't say who
        used it (Discord, the console) — callers fall back to a configured invite."""
