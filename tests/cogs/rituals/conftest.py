"""Ritual test rigs: the real app with SQLite and an in-memory platform, restartable on the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.kit.reply import Reply
from bot.secrets import Secrets
from cogs.rituals.cog import RitualsCog
from cogs.rituals.service import RitualService, TickReport
from storage.batch import SqlAlchemyWriter
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform, Sent

GENERAL = Place(platform="memory", chat_id="general", guild_id="g1")
MOD = user("mod")
# Only the features rituals work with: the tests don't depend on what else is enabled by default.
COGS = '[cogs]\nenabled = ["help", "profile", "link", "points", "rituals"]\n'


@dataclass
class PickyPlatform(MemoryPlatform):
    """A MemoryPlatform that refuses to post in some places, as a platform does without permission."""

    refused: set[str] = field(default_factory=set)

    async def send(self, place: Place, reply: Reply) -> MessageRef | None:  # type: ignore[override]
        if place.key in self.refused:
            self.sent.append(Sent("refused", place.key, reply))
            return None
        return await super().send(place, reply)


@dataclass
class Rig:
    """One running Hearth (one "process") with its platform, a chat in #general and the ritual service."""

    hearth: Hearth
    platform: PickyPlatform
    chat: Chat
    _ids: int = 1000

    @property
    def service(self) -> RitualService:
        return next(c for c in self.hearth.cogs if isinstance(c, RitualsCog)).service

    @property
    def clock(self) -> ManualClock:
        assert isinstance(self.hearth.clock, ManualClock)
        return self.hearth.clock

    async def mod(self, text: str) -> str:
        return await self.chat.text(MOD, text, role=Permission.MODERATOR)

    async def tick(self, at: datetime | None = None) -> TickReport:
        if at is not None:
            self.clock.set(at)
        return await self.service.run_due()

    def sent(self, kind: str = "send") -> list[Sent]:
        return [s for s in self.platform.sent if s.kind == kind]

    def prompts(self, title: str) -> list[Sent]:
        return [s for s in self.sent() if s.reply is not None and s.reply.title == title]

    async def say(self, who: PlatformUser, text: str, *, place: Place = GENERAL,
                  reply_to: MessageRef | None = None) -> MessageRef:
        self._ids += 1
        ref = MessageRef(place, f"m{self._ids}")
        await self.hearth.bus.publish(MessagePosted(message=ref, author=who, text=text, at=self.clock.now(),
                                                    reply_to=reply_to))
        return ref

    async def react(self, who: PlatformUser, message: MessageRef, author: PlatformUser) -> None:
        await self.hearth.bus.publish(ReactionAdded(message, who, "🔥", self.clock.now(), message_author=author))

    async def points(self, who: PlatformUser) -> int:
        await self.hearth.points.flush()
        member_id = await self.hearth.members.find(who)
        return self.hearth.points.ranks.points(member_id) if member_id else 0


RigFactory = Callable[..., Awaitable[Rig]]


async def use_async_points_writer(hearth: Hearth) -> None:
    """Swap the suite's inline points writer for the async one, before ``start``.

    The inline writer runs SQLite on the event loop thread: when it starts a write while another feature's
    async transaction is open (a ritual answer being recorded), the loop blocks in SQLite's busy wait and that
    transaction can't finish — a 10 s stall and a failed write. Production uses the worker-process writer,
    which has no such problem; the async writer behaves like it here.
    """
    inline = hearth.points.writer
    hearth.points.writer = SqlAlchemyWriter(hearth.database)
    await inline.close()


@pytest.fixture
async def make_rig(make_config: Callable[..., HearthConfig], secrets: Secrets,
                   clock: ManualClock) -> AsyncIterator[RigFactory]:
    """Build a Hearth on the test's database; several can run at once (two processes) or one after another."""
    running: list[Hearth] = []

    async def build(toml: str = "", platform: PickyPlatform | None = None) -> Rig:
        hearth = Hearth(make_config(COGS + toml), secrets, clock=clock)
        await use_async_points_writer(hearth)
        await hearth.start(web=False)
        running.append(hearth)
        platform = platform or PickyPlatform()
        hearth.platforms.add(platform)
        return Rig(hearth, platform, Chat(hearth, platform, GENERAL))

    yield build
    for hearth in running:
        await hearth.stop()


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    return await make_rig()
