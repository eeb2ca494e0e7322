"""Onboarding rigs: a started Hearth with in-memory discord and telegram platforms, and helpers for joins,
messages and reactions as the adapters publish them."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.events import MemberJoined, MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.secrets import Secrets
from cogs.lifecycle.cog import LifecycleCog
from cogs.onboarding.cog import OnboardingCog
from cogs.points.engine import Award
from storage.models import Purchase
from tests.support.community import DISCORD_PLACE, TELEGRAM_PLACE, Community, CommunityFactory, community_factory

# Only the features onboarding works with, so these tests don't depend on what else is enabled by default.
COGS = ('[cogs]\nenabled = ["help", "profile", "link", "points", "rituals", "purchases", "onboarding", '
        '"lifecycle"]\n')
INTRO = Place(platform="discord", chat_id="600", guild_id="g1")
INTRO_CONFIG = '[onboarding]\nwelcome_channels = ["discord:700"]\n' \
               '[[onboarding.checklist]]\nkey = "introduce"\nlabel = "Introduce yourself in #intros"\n' \
               'kind = "message"\nplaces = ["discord:600", "telegram:-1001/9"]\n' \
               '[[onboarding.checklist]]\nkey = "ritual"\nlabel = "Take part in one ritual"\nkind = "rule"\n' \
               'rules = ["ritual_participation"]\n' \
               '[[onboarding.checklist]]\nkey = "claim"\nlabel = "Link your purchase with /claim"\n' \
               'kind = "purchase"\n' \
               '[[onboarding.checklist]]\nkey = "appreciate"\nlabel = "Give one reaction or /thanks"\n' \
               'kind = "appreciation"\n'
WINS = ('[[rituals.ritual]]\nkey = "wins"\nname = "Weekly Wins"\nenabled = true\nschedule = "mon 10:00"\n'
        'channels = ["discord:500"]\nprompt = "Share a win!"\n')
_ids = itertools.count(1)


def discord_user(name: str, user_id: str) -> PlatformUser:
    return PlatformUser("discord", user_id, name.title(), name)


def telegram_user(name: str, user_id: str) -> PlatformUser:
    return PlatformUser("telegram", user_id, name.title(), name)


@dataclass
class Rig:
    community: Community

    @property
    def hearth(self) -> Hearth:
        return self.community.hearth

    @property
    def clock(self) -> ManualClock:
        return self.community.clock

    @property
    def onboarding(self) -> OnboardingCog:
        return next(c for c in self.hearth.cogs if isinstance(c, OnboardingCog))

    @property
    def lifecycle(self) -> LifecycleCog:
        return next(c for c in self.hearth.cogs if isinstance(c, LifecycleCog))

    async def join(self, who: PlatformUser) -> None:
        place = DISCORD_PLACE if who.platform == "discord" else TELEGRAM_PLACE
        await self.hearth.bus.publish(MemberJoined(who, place, self.clock.now()))

    async def say(self, who: PlatformUser, text: str, place: Place) -> MessageRef:
        ref = MessageRef(place, f"m{next(_ids)}")
        await self.hearth.bus.publish(MessagePosted(ref, who, text, self.clock.now()))
        return ref

    async def react(self, who: PlatformUser, author: PlatformUser) -> None:
        place = DISCORD_PLACE if who.platform == "discord" else TELEGRAM_PLACE
        ref = MessageRef(place, f"m{next(_ids)}")
        await self.hearth.bus.publish(ReactionAdded(ref, who, "🔥", self.clock.now(), message_author=author))
        await self.hearth.points.flush()

    async def award(self, member_id: int, rule: str, amount: int, source_key: str) -> None:
        """An award, and its PointsAwarded delivered to every listener (flush waits for the publishing)."""
        await self.hearth.points.award(Award(member_id, rule, amount, source_key, self.clock.now()))
        await self.hearth.points.flush()

    async def link_order(self, member_id: int, order_id: str = "1001") -> None:
        """A paid order already linked to the member (what /claim leaves behind)."""
        async with self.hearth.database.session() as session, session.begin():
            session.add(Purchase(provider="shopify", order_id=order_id, order_number=f"#{order_id}", status="paid",
                                 provider_status="paid", amount_minor=4200, currency="EUR", member_id=member_id,
                                 claim_hash=f"hash-{order_id}", first_seen_at=self.clock.now()))

    async def text(self, who: PlatformUser, command: str, *, private: bool = False) -> str:
        chat = self.community.chat(who.platform)
        if private:
            chat.place = Place(who.platform, f"dm{who.user_id}", is_private=True)
        outcome = await chat.command(who, command)
        return "\n".join(reply.plain_text() for reply in outcome.replies)


RigFactory = Callable[..., Awaitable[Rig]]


@pytest.fixture
async def make_community(make_config: Callable[..., HearthConfig], secrets: Secrets,
                         clock: ManualClock) -> AsyncIterator[CommunityFactory]:
    async for factory in community_factory(make_config, secrets, clock):
        yield factory


@pytest.fixture
async def make_rig(make_community: CommunityFactory) -> RigFactory:
    async def build(toml: str = "") -> Rig:
        return Rig(await make_community(COGS + toml))

    return build


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    return await make_rig(INTRO_CONFIG + WINS)
