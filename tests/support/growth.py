"""The UGC / referrals / launches test rig: the real app (SQLite, kit, points engine) with an in-memory platform,
restartable on the same database (a second "process" is a second rig)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.cog import Cog
from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.dispatch import Outcome
from bot.kit.events import Event, MessagePosted
from bot.kit.platform import Attachment, MessageRef, Place, PlatformUser
from bot.kit.reply import Reply
from bot.secrets import Secrets
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform

GENERAL = Place(platform="memory", chat_id="general", guild_id="g1")
MOD = user("mod")
COGS = '[cogs]\nenabled = ["help", "profile", "link", "points", "ugc", "referrals", "launches"]\n'
C = TypeVar("C", bound=Cog)
_ids = itertools.count(1)


@dataclass
class Rig:
    """One running Hearth with its platform, a chat in #general and everything the bus carried."""

    hearth: Hearth
    platform: MemoryPlatform
    chat: Chat
    events: list[Event] = field(default_factory=list)

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.hearth.clock, ManualClock)
        return self.hearth.clock

    def cog(self, kind: type[C]) -> C:
        return next(c for c in self.hearth.cogs if isinstance(c, kind))

    async def say(self, who: PlatformUser, text: str, *, role: Permission = Permission.MEMBER,
                  mentions: tuple[PlatformUser, ...] = ()) -> str:
        return await self.chat.text(who, text, role=role, mentions=mentions)

    async def mod(self, text: str, mentions: tuple[PlatformUser, ...] = ()) -> Outcome:
        return await self.chat.command(MOD, text, role=Permission.MODERATOR, mentions=mentions)

    async def command(self, who: PlatformUser, text: str, *, attachments: tuple[Attachment, ...] = (),
                      place: Place = GENERAL) -> Outcome:
        """A command typed with files attached (a photo caption on Telegram)."""
        return await self.hearth.dispatcher.dispatch(Invocation(
            platform=self.platform, actor=who, place=place, role=Permission.MEMBER, text=text.removeprefix("/"),
            attachments=attachments, message=MessageRef(place, f"c{next(_ids)}")))

    async def post(self, who: PlatformUser, text: str, *, place: Place = GENERAL,
                   attachments: tuple[Attachment, ...] = ()) -> MessageRef:
        ref = MessageRef(place, f"m{next(_ids)}")
        await self.hearth.bus.publish(MessagePosted(message=ref, author=who, text=text, at=self.clock.now(),
                                                    attachments=attachments))
        return ref

    async def press(self, who: PlatformUser, action: str, *, role: Permission = Permission.MEMBER) -> Outcome:
        return await self.hearth.dispatcher.dispatch_action(self.platform, who, GENERAL, role, action)

    async def member(self, who: PlatformUser) -> int:
        return await self.hearth.members.resolve(who)

    async def points(self, who: PlatformUser) -> int:
        await self.hearth.points.flush()
        member_id = await self.hearth.members.find(who)
        return self.hearth.points.ranks.points(member_id) if member_id else 0

    def dms(self, who: PlatformUser) -> list[Reply]:
        return [s.reply for s in self.platform.sent if s.kind == "dm" and s.target == who.user_id and s.reply]

    def posts(self, place_key: str | None = None) -> list[Reply]:
        return [s.reply for s in self.platform.sent
                if s.kind == "send" and s.reply and (place_key is None or s.target == place_key)]

    def of(self, kind: type[Any]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]


RigFactory = Callable[..., Any]


async def rigs(make_config: Callable[..., HearthConfig], secrets: Secrets, clock: ManualClock
               ) -> AsyncIterator[RigFactory]:
    """Yields ``build(toml="", web=False, store_api=None, webhook=None, cogs=COGS)``; every rig built is stopped
    at the end."""
    running: list[Hearth] = []

    async def build(toml: str = "", *, web: bool = False, store_api: dict[str, str] | None = None,
                    webhook: dict[str, str] | None = None, cogs: str = COGS) -> Rig:
        config = make_config(cogs + ("[web]\nport = 0\n" if web else "") + toml)
        app_secrets = Secrets(instance=secrets.instance, store_api=store_api or {}, webhook=webhook or {})
        hearth = Hearth(config, app_secrets, clock=clock)
        platform = MemoryPlatform()
        rig = Rig(hearth, platform, Chat(hearth, platform, GENERAL))

        async def record(event: Event) -> None:
            rig.events.append(event)

        hearth.bus.subscribe(Event, record)
        await hearth.start(web=web)
        running.append(hearth)
        hearth.platforms.add(platform)
        return rig

    yield build
    for hearth in running:
        await hearth.stop()
