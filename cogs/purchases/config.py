"""The ``[purchases]`` config section: store links, points per currency, buyer roles, product rules, sync."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

PLATFORM_NAME = re.compile(r"^[a-z0-9_]{1,20}$")
CURRENCY = re.compile(r"^[A-Z]{3}$")


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_roles(value: dict[str, str]) -> dict[str, str]:
    for platform, role_id in value.items():
        if not PLATFORM_NAME.match(platform):
            raise ValueError(f"{platform!r} is not a platform name (discord, telegram)")
        if not role_id.strip():
            raise ValueError(f"the {platform} role id is empty")
    return value


class ProductRule(_Section):
    """Buying a matching product grants roles (Discord role id / Telegram gated chat id), optionally for N days."""

    name: str = Field("", max_length=80)
    product_ids: list[str] = Field(default_factory=list)
    skus: list[str] = Field(default_factory=list)
    roles: dict[str, str] = Field(default_factory=dict)
    days: int = Field(0, ge=0, le=3650, description="0 = for as long as the order counts")

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_roles(value)

    @field_validator("product_ids", "skus")
    @classmethod
    def _trimmed(cls, value: list[str]) -> list[str]:
        return [item.strip() for item in value if item.strip()]

    def matches(self, product_id: str | None, sku: str | None) -> bool:
        return (product_id is not None and product_id in self.product_ids) or (sku is not None and sku in self.skus)


class ShopifySyncConfig(_Section):
    # "your-store.myshopify.com"; the Admin API token comes from HEARTH_SHOPIFY_ADMIN_TOKEN.
    shop: str = ""
    api_version: str = Field("2025-07", pattern=r"^\d{4}-\d{2}$")
    # Overrides https://<shop> (a proxy, or the test emulator).
    base_url: str = ""


class WooCommerceSyncConfig(_Section):
    # "https://shop.example.com"; keys come from HEARTH_WOOCOMMERCE_KEY / HEARTH_WOOCOMMERCE_SECRET.
    url: str = ""


class PurchasesConfig(_Section):
    # The Telegram bot's @username (without @), for https://t.me/<bot>?start=claim_<code> links.
    telegram_bot: str = Field("", pattern=r"^[A-Za-z0-9_]{0,64}$")
    # Points per whole currency unit by ISO code; currencies not listed use [points.rules.purchase] amount.
    currency_points: dict[str, float] = Field(default_factory=dict)
    # Roles for anyone with a paid order, and for repeat buyers, by platform: {discord = "ROLE_ID",
    # telegram = "-100CHAT_ID"} (Telegram grants a one-time invite link to the gated chat).
    buyer_roles: dict[str, str] = Field(default_factory=dict)
    repeat_buyer_roles: dict[str, str] = Field(default_factory=dict)
    repeat_buyer_orders: int = Field(2, ge=2, le=1000)
    products: list[ProductRule] = Field(default_factory=list)
    # /verify ORDER_NUMBER EMAIL: a fallback for buyers without their claim link. Off by default.
    verify_enabled: bool = False
    verify_attempts_per_hour: int = Field(5, ge=1, le=100)
    # Wrong /claim codes a member may try per hour before being asked to wait.
    claim_failures_per_hour: int = Field(10, ge=1, le=1000)
    # A claim for an order not seen yet waits this long for the store's webhook.
    pending_claim_hours: int = Field(24, ge=1, le=24 * 30)
    # Signed timestamps older than this are replays (Stripe; Standard Webhooks also refuses future ones).
    tolerance_seconds: int = Field(300, ge=30, le=3600)
    # How often leftovers are looked for (deliveries written by `hearth sync`, role expiries and retries).
    poll_seconds: float = Field(15.0, gt=0, le=3600)
    shopify: ShopifySyncConfig = ShopifySyncConfig()
    woocommerce: WooCommerceSyncConfig = WooCommerceSyncConfig()

    @field_validator("buyer_roles", "repeat_buyer_roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_roles(value)

    @field_validator("currency_points")
    @classmethod
    def _currencies(cls, value: dict[str, float]) -> dict[str, float]:
        for code, factor in value.items():
            if not CURRENCY.match(code):
                raise ValueError(f"{code!r} is not an ISO 4217 code like 'EUR'")
            if not 0 <= factor <= 100_000:
                raise ValueError(f"points per {code} must be between 0 and 100000")
        return value
