"""A started Hearth with in-memory discord and telegram platforms (tests/support/community.py), and the
real Telegram adapter against its emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets

# The Telegram adapter tests' fixtures (emulator + real adapter), for test_telegram_emulator.py.
from tests.bot.adapters.telegram.conftest import emulator, make_rig, ssl_context  # noqa: F401
from tests.support.community import CommunityFactory, community_factory


@pytest.fixture
async def make_community(make_config: Callable[..., HearthConfig], secrets: Secrets,
                         clock: ManualClock) -> AsyncIterator[CommunityFactory]:
    async for factory in community_factory(make_config, secrets, clock):
        yield factory
