"""Weekly rituals: scheduled posts with a thread to answer in, participation points, streaks, reminders
and recaps — restart-safe (see ``service.py``). Rules live in the modules beside this one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.rituals.cog import RitualsCog
from cogs.rituals.service import RitualService

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config
    service = RitualService(config.rituals, community_name=config.community.name,
                            community_timezone=config.community.timezone, database=services.database,
                            clock=services.clock, members=services.members, platforms=services.platforms,
                            points=services.points, scheduler=services.scheduler)
    services.profile_sections.add(service.profile_section)
    return RitualsCog(service)
