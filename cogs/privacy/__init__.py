"""Member privacy: ``/my_data`` (a JSON export of everything held), ``/forget_me`` (erase it all) and
``/privacy`` (leaderboard visibility, DMs, proof-page display; stored in ``preferences.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.privacy.cog import PrivacyCog
from cogs.privacy.preferences import PreferenceStore

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    return PrivacyCog(services.database, services.members, services.bus, services.clock,
                      PreferenceStore(services.database))
