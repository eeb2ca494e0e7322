"""Launch campaigns: ``/mod launch create`` plans preview → waitlist → early access → public launch → recap;
phases post on schedule exactly once (claim-then-post, restart-safe), ``/waitlist join`` (tier-gated if asked)
earns an early-access DM 24-48 h before the public launch, launch day opens a thread, and the recap counts
waitlist → buyer conversion from the store's orders and collects the launch's community posts."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.launches.cog import LaunchesCog
from cogs.launches.service import LaunchService
from cogs.launches.store import LaunchStore
from cogs.ugc.messenger import Messenger
from cogs.ugc.store import UgcStore

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config
    service = LaunchService(config.launches, LaunchStore(services.database), UgcStore(services.database),
                            services.database, services.clock, ZoneInfo(config.community.timezone),
                            Messenger(services.platforms, services.members),
                            [level.key for level in config.tiers.levels])
    return LaunchesCog(service, services.scheduler)
