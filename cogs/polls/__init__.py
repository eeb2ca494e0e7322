"""Polls: native where the platform fits (Discord polls, Telegram sendPoll), buttons otherwise; one tally
per poll across platforms, one vote per member; results with a chart at close. Rules in ``service.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.polls.cog import PollsCog
from cogs.polls.service import PollService
from cogs.polls.store import PollStore

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config
    service = PollService(PollStore(services.database), config.polls, services.platforms, services.clock,
                          ZoneInfo(config.community.timezone))
    return PollsCog(service, services.members, services.scheduler)
