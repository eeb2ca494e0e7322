"""Feature ideas and the roadmap: /idea with duplicate suggestions, one vote per member, moderator statuses,
shipping credit, /roadmap, the quarterly reveal and the public roadmap page. Rules in ``service.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.ideas.cog import IdeasCog
from cogs.ideas.roadmap import RoadmapService
from cogs.ideas.service import IdeaService
from cogs.ideas.store import IdeaStore
from cogs.ideas.web import RoadmapRoutes

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config
    store = IdeaStore(services.database)
    service = IdeaService(store, config.ideas, services.platforms, services.clock, services.points)
    roadmap = RoadmapService(store, config.ideas, services.platforms, ZoneInfo(config.community.timezone),
                             config.community.name)
    RoadmapRoutes(roadmap, services.clock).add_to(services.web)
    return IdeasCog(service, roadmap, services.members, services.scheduler)
