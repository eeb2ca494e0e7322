"""A Hearth with two in-memory platforms named discord and telegram, for the polls, ideas and Q&A tests.

Both are registered in ``hearth.platforms`` like connected adapters, so features that post to configured
channels on "both platforms" reach them; ``chat(platform)`` types commands on one of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.dispatch import Outcome
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.secrets import Secrets
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform

DISCORD_PLACE = Place(platform="discord", chat_id="500", guild_id="g1")
TELEGRAM_PLACE = Place(platform="telegram", chat_id="-1001")
BOTH = '"discord:500", "telegram:-1001"'


@dataclass
class Community:
    hearth: Hearth
    clock: ManualClock
    discord: MemoryPlatform = field(default_factory=lambda: MemoryPlatform(name="discord"))
    telegram: MemoryPlatform = field(default_factory=lambda: MemoryPlatform(name="telegram"))

    def chat(self, platform: str = "discord") -> Chat:
        if platform == "discord":
            return Chat(self.hearth, self.discord, DISCORD_PLACE)
        return Chat(self.hearth, self.telegram, TELEGRAM_PLACE)

    async def say(self, who: PlatformUser, text: str, platform: str = "discord", *,
                  moderator: bool = False) -> Outcome:
        role = Permission.MODERATOR if moderator else Permission.MEMBER
        return await self.chat(platform).command(who, text, role=role)

    async def press(self, who: PlatformUser, action: str, platform: str = "discord", *,
                    moderator: bool = False, message: MessageRef | None = None) -> Outcome:
        chat = self.chat(platform)
        role = Permission.MODERATOR if moderator else Permission.MEMBER
        return await self.hearth.dispatcher.dispatch_action(chat.platform, who, chat.place, role, action, message)

    async def member(self, who: PlatformUser) -> int:
        return await self.hearth.members.resolve(who)

    async def link(self, first: PlatformUser, second: PlatformUser) -> int:
        """Join two accounts into one member, as /link does."""
        code, _ = await self.hearth.members.issue_link_code(await self.member(first))
        result = await self.hearth.members.redeem_link_code(await self.member(second), code)
        return result.member_id


def text_of(outcome: Outcome) -> str:
    return "\n".join(reply.plain_text() for reply in outcome.replies)


CommunityFactory = Callable[..., Awaitable[Community]]


async def community_factory(make_config: Callable[..., HearthConfig], secrets: Secrets,
                            clock: ManualClock) -> AsyncIterator[CommunityFactory]:
    """Body of a ``make_community`` fixture: ``await make_community(toml)`` builds and starts one."""
    started: list[Hearth] = []

    async def build(toml: str = "") -> Community:
        hearth = Hearth(make_config(toml), secrets, clock=clock)
        community = Community(hearth, clock)
        hearth.platforms.add(community.discord)
        hearth.platforms.add(community.telegram)
        await hearth.start(web=False)
        started.append(hearth)
        return community

    yield build
    for hearth in started:
        await hearth.stop()


__all__ = ["BOTH", "DISCORD_PLACE", "TELEGRAM_PLACE", "Community", "CommunityFactory", "community_factory",
           "text_of", "user"]
