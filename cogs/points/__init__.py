"""Points: the engine every feature awards through, plus chat-activity rules, thanks, leaderboards, seasons."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.points.cog import PointsCog
from cogs.points.moderation import PointsModeration

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.points
    moderation = PointsModeration(services.points, services.database, services.bus, config)
    cog = PointsCog(services.points, services.members, services.database, config, moderation)
    services.profile_sections.add(cog.profile_section)
    return cog
