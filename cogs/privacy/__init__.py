"""Member privacy: ``/my_data`` (a JSON export of everything held) and ``/forget_me`` (erase it all)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.privacy.cog import PrivacyCog

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    return PrivacyCog(services.database, services.members, services.bus, services.clock)
