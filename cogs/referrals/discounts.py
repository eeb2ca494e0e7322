"""Store discount codes for referral codes, through the provider's Admin API (Shopify; off by default).

Shopify: a price rule (the discount: N % off, once per customer) and a discount code equal to the referral
code under it. An order using it lists the code in ``discount_codes``, which the store sync reads back as the
order's referral code. A failed call is logged and retried at the member's next ``/ref``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Protocol

import httpx

from cogs.referrals.config import ShopifyDiscountConfig

log = logging.getLogger("hearth.referrals")
TIMEOUT = httpx.Timeout(10.0)


class DiscountMaker(Protocol):
    async def create(self, code: str, now: datetime) -> str | None:
        """Create a store discount code equal to ``code``; the provider's id for it, or None on failure."""

    async def close(self) -> None: ...


class ShopifyDiscounts:
    def __init__(self, base_url: str, token: str, api_version: str, config: ShopifyDiscountConfig,
                 client: httpx.AsyncClient | None = None) -> None:
        self.base = f"{base_url.rstrip('/')}/admin/api/{api_version}"
        self.config = config
        # One client for the process's discount calls, closed with the cog.
        self.client = client or httpx.AsyncClient(timeout=TIMEOUT, headers={"X-Shopify-Access-Token": token})

    async def create(self, code: str, now: datetime) -> str | None:
        rule = {"price_rule": {
            "title": f"Referral {code}", "target_type": "line_item", "target_selection": "all",
            "allocation_method": "across", "value_type": "percentage", "value": f"-{self.config.percent:g}",
            "customer_selection": "all", "once_per_customer": self.config.once_per_customer,
            "starts_at": now.isoformat()}}
        try:
            response = await self.client.post(f"{self.base}/price_rules.json", json=rule)
            response.raise_for_status()
            rule_id = response.json()["price_rule"]["id"]
            response = await self.client.post(f"{self.base}/price_rules/{rule_id}/discount_codes.json",
                                              json={"discount_code": {"code": code}})
            response.raise_for_status()
            response.json()["discount_code"]["id"]
        except (httpx.HTTPError, KeyError, TypeError, ValueError) as problem:
            detail = problem.response.status_code if isinstance(problem, httpx.HTTPStatusError) else type(
                problem).__name__
            log.warning("Shopify discount code for referral %s not created (%s); retried at the next /ref", code,
                        detail)
            return None
        return str(rule_id)

    async def close(self) -> None:
        await self.client.aclose()
