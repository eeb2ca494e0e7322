"""Referrals: ``/ref`` hands each member a code, a store link (optionally a store discount code) and a named
invite link per chat; joins through those links and store orders carrying the code credit the referrer (once
per referred customer, never themselves, reversed on refund, tiered bonuses); asks come only after the
activation milestone; partners get their own code, commission and monthly statement. Rules in ``service.py``,
``conversions.py`` and ``partners.py``; ``hearth export referrals`` is ``cogs.referrals.cli.export_referrals``."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.privacy.preferences import PreferenceStore
from cogs.referrals.cog import ReferralsCog
from cogs.referrals.discounts import DiscountMaker, ShopifyDiscounts
from cogs.referrals.partners import Partners
from cogs.referrals.service import ReferralService
from cogs.referrals.store import ReferralStore
from cogs.ugc.messenger import Messenger
from cogs.ugc.store import UgcStore

if TYPE_CHECKING:
    from cogs.services import Services

log = logging.getLogger("hearth.referrals")


def discounts_for(services: Services) -> DiscountMaker | None:
    """The store discount maker, when [referrals.shopify_discount] is on and the shop and token are set."""
    settings = services.config.referrals.shopify_discount
    if not settings.enabled:
        return None
    shop = services.config.purchases.shopify
    token = services.store_api_tokens.get("shopify")
    base = shop.base_url or (f"https://{shop.shop}" if shop.shop else "")
    if not base or not token:
        log.warning("referral discount codes are on but [purchases.shopify] shop or HEARTH_SHOPIFY_ADMIN_TOKEN is "
                    "missing: /ref shows no discount code")
        return None
    return ShopifyDiscounts(base, token, shop.api_version, settings)


def setup(services: Services) -> Cog:
    config = services.config.referrals
    messenger = Messenger(services.platforms, services.members, PreferenceStore(services.database))
    partners = Partners(services.database, ReferralStore(services.database), UgcStore(services.database))
    service = ReferralService(config, services.database, services.clock, ZoneInfo(services.config.community.timezone),
                              services.points, messenger, partners, discounts=discounts_for(services))
    return ReferralsCog(service, services.members, services.scheduler)
