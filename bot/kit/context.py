"""What a command handler receives: who, where, the parsed arguments and the services to act."""

from __future__ import annotations

from dataclasses import dataclass

from bot.kit.clock import Clock
from bot.kit.commands import Arguments, Command, Permission
from bot.kit.identity import MemberDirectory
from bot.kit.platform import Attachment, MessageRef, Place, Platform, PlatformUser
from bot.kit.registry import CommandRegistry


@dataclass(frozen=True)
class Invocation:
    """A command as an adapter received it, before parsing.

    Text platforms (console, Telegram) fill ``text`` with everything after the slash; structured
    platforms (Discord) fill ``path`` and ``options`` with already-typed values.
    """

    platform: Platform
    actor: PlatformUser
    place: Place
    role: Permission
    text: str = ""
    path: str | None = None
    options: dict[str, object] | None = None
    message: MessageRef | None = None
    mentions: tuple[PlatformUser, ...] = ()
    reply_to_user: PlatformUser | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Context:
    """Passed to every handler. ``member_id`` is the invoking person across platforms."""

    command: Command | None
    args: Arguments
    actor: PlatformUser
    member_id: int
    place: Place
    platform: Platform
    role: Permission
    clock: Clock
    members: MemberDirectory
    registry: CommandRegistry
    message: MessageRef | None = None

    @property
    def is_moderator(self) -> bool:
        return self.role >= Permission.MODERATOR

    async def member_of(self, user: PlatformUser) -> int:
        return await self.members.resolve(user)
