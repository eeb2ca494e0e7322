"""UGC: ``/share`` and showcase posts become submissions, members choose whether the store may show them,
moderators approve (points by type), reject (the member hears why) or feature them (Community Spotlight),
``GET /ugc.json`` serves the consented, approved ones, and buyers get one "show us" DM after their first order.
Rules in ``service.py``; ``messenger.py`` is shared with the referrals and launches cogs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.privacy.preferences import PreferenceStore
from cogs.ugc.cog import UgcCog
from cogs.ugc.messenger import Messenger
from cogs.ugc.service import UgcService
from cogs.ugc.store import UgcStore
from cogs.ugc.web import FeedRoutes

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.ugc
    store = UgcStore(services.database)
    service = UgcService(config, store, services.database, services.bus, services.clock, services.points,
                         Messenger(services.platforms, services.members, PreferenceStore(services.database)))
    FeedRoutes(store, config.feed_size).add_to(services.web)
    return UgcCog(service, services.members, services.scheduler)
