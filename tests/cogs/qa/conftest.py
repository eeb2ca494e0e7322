"""A started Hearth with in-memory discord and telegram platforms (tests/support/community.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from tests.support.community import CommunityFactory, community_factory


@pytest.fixture
async def make_community(make_config: Callable[..., HearthConfig], secrets: Secrets,
                         clock: ManualClock) -> AsyncIterator[CommunityFactory]:
    async for factory in community_factory(make_config, secrets, clock):
        yield factory
