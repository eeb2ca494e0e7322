"""The growth rig (tests/support/growth.py) on the test's database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from tests.support.growth import Rig, RigFactory, rigs


@pytest.fixture
async def make_rig(make_config: Callable[..., HearthConfig], secrets: Secrets,
                   clock: ManualClock) -> AsyncIterator[RigFactory]:
    async for factory in rigs(make_config, secrets, clock):
        yield factory


@pytest.fixture
async def rig(make_rig: RigFactory) -> Rig:
    return await make_rig()
