"""The badges and tiers test rig: the real app (points, badges, tiers, SQLite) with an in-memory platform."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import pytest

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.events import Event
from bot.kit.platform import Place, PlatformUser
from bot.secrets import Secrets
from cogs.badges.cog import BadgesCog
from cogs.badges.service import BadgeService
from cogs.points.engine import Award
from cogs.tiers.cog import TiersCog
from cogs.tiers.service import TierService
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform

GENERAL = Place(platform="memory", chat_id="general", guild_id="g1")
MOD = user("mod")
E = TypeVar("E", bound=Event)
_keys = itertools.count(1)


@dataclass
class Rig:
    hearth: Hearth
    platform: MemoryPlatform
    chat: Chat
    events: list[Event] = field(default_factory=list)

    @property
    def badges_cog(self) -> BadgesCog:
        return next(c for c in self.hearth.cogs if isinstance(c, BadgesCog))

    @property
    def badges(self) -> BadgeService:
        return self.badges_cog.service

    @property
    def tiers_cog(self) -> TiersCog:
        return next(c for c in self.hearth.cogs if isinstance(c, TiersCog))

    @property
    def tiers(self) -> TierService:
        return self.tiers_cog.service

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    async def member(self, who: PlatformUser) -> int:
        return await self.hearth.members.resolve(who)

    async def award(self, who: PlatformUser, rule: str, amount: int = 10, *, times: int = 1) -> int:
        """``times`` awards of ``rule`` through the points engine, each with its own source key."""
        member_id = await self.member(who)
        for _ in range(times):
            await self.hearth.points.award(Award(member_id, rule, amount, f"test:{rule}:{next(_keys)}",
                                                 self.hearth.clock.now()))
        return member_id

    async def settle(self) -> None:
        """What the periodic jobs would do within a few seconds: tiers first (badges may read them)."""
        await self.hearth.points.flush()
        await self.tiers.evaluate_pending()
        await self.badges.evaluate_pending()

    async def say(self, who: PlatformUser, text: str, **kwargs: object) -> str:
        return await self.chat.text(who, text, **kwargs)  # type: ignore[arg-type]

    async def mod(self, text: str, **kwargs: object) -> str:
        return await self.chat.text(MOD, text, role=Permission.MODERATOR, **kwargs)  # type: ignore[arg-type]


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def make_rig(make_config: Callable[..., HearthConfig], secrets: Secrets,
                   clock: ManualClock) -> AsyncIterator[RigFactory]:
    """Start a Hearth (the same database each call in a test: a second call is a restart)."""
    running: list[Hearth] = []

    async def build(toml: str = "", *, connect: bool = True, platform: MemoryPlatform | None = None) -> Rig:
        for old in running:
            await old.stop()
        running.clear()
        hearth = Hearth(make_config(toml), secrets, clock=clock)
        memory = platform or MemoryPlatform()
        if connect:
            hearth.platforms.add(memory)
        rig = Rig(hearth, memory, Chat(hearth, memory, GENERAL))

        async def record(event: Event) -> None:
            rig.events.append(event)

        hearth.bus.subscribe(Event, record)
        await hearth.start(web=False)
        running.append(hearth)
        assert rig.tiers_cog.startup is not None
        await rig.tiers_cog.startup  # the start-up reconcile: tests begin once it is done
        return rig

    yield build
    for hearth in running:
        await hearth.stop()
