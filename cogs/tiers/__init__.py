"""Member tiers: a ladder of named tiers by points and/or purchases, each with roles and a welcome message.

``setup`` wires the pieces; the ladder rules live in ``conditions.py``, roles in ``roles.py``, evaluation
in ``service.py`` and the commands in ``cog.py``. Conditions use the badge condition language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.badges.facts import FactGatherer, RitualStreaks, StoredPurchases
from cogs.tiers.cog import TiersCog
from cogs.tiers.roles import TierRoles
from cogs.tiers.service import TierService

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.tiers
    database = services.database
    # Tier conditions can't name tiers, so this gatherer needs no tier conditions of its own.
    gatherer = FactGatherer(database, services.points.ranks.points, streaks=RitualStreaks(database),
                            purchases=StoredPurchases(database))
    roles = TierRoles(database, services.platforms, services.clock, remove_on_demotion=config.remove_on_demotion)
    service = TierService(config, database, services.bus, services.clock, services.members, services.platforms,
                          gatherer, roles)
    cog = TiersCog(service, services.scheduler, config.evaluate_seconds)
    services.profile_sections.add(cog.profile_section)
    return cog
