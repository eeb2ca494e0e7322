"""Drive the real app (cogs, kit, SQLite) as a member would, without any chat library."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app import Hearth
from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.dispatch import Outcome
from bot.kit.platform import Place, PlatformUser
from tests.support.memory_platform import MemoryPlatform


def user(name: str, platform: str = "memory", *, bot: bool = False) -> PlatformUser:
    return PlatformUser(platform=platform, user_id=name, display_name=name.title(), username=name, is_bot=bot)


@dataclass
class Chat:
    """Type commands as a member in one place; returns the dispatcher's outcome."""

    hearth: Hearth
    platform: MemoryPlatform
    place: Place

    async def command(self, who: PlatformUser, text: str, *, role: Permission = Permission.MEMBER,
                      mentions: tuple[PlatformUser, ...] = ()) -> Outcome:
        invocation = Invocation(platform=self.platform, actor=who, place=self.place, role=role,
                                text=text.removeprefix("/"), mentions=mentions)
        return await self.hearth.dispatcher.dispatch(invocation)

    async def text(self, who: PlatformUser, text: str, **kwargs: object) -> str:
        outcome = await self.command(who, text, **kwargs)  # type: ignore[arg-type]
        return "\n".join(reply.plain_text() for reply in outcome.replies)
