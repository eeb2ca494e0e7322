"""Badges: declarative conditions over points, counts, streaks, tiers and history, evaluated in batches.

``setup`` wires the pieces; the condition language lives in ``conditions.py``, fact gathering in
``facts.py``, the rules in ``service.py`` and the commands in ``cog.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.badges.cog import BadgesCog
from cogs.badges.conditions import parse
from cogs.badges.facts import FactGatherer, RitualStreaks, StoredPurchases
from cogs.badges.service import BadgeService

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.badges
    database = services.database
    tiers = [(level.key, parse(level.when)) for level in services.config.tiers.levels]
    gatherer = FactGatherer(database, services.points.ranks.points, tiers, streaks=RitualStreaks(database),
                            purchases=StoredPurchases(database))
    service = BadgeService(config, database, services.bus, services.clock, services.members, services.platforms,
                           gatherer)
    cog = BadgesCog(service, services.members, services.scheduler, config.evaluate_seconds)
    services.profile_sections.add(cog.profile_section)
    return cog
