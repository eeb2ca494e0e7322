"""The ``[referrals]`` config section: links handed out, rewards, asks, shout-outs, partners, store discounts."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.kit.platform import check_place_key


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


def _url(value: str) -> str:
    if value and not value.startswith(("https://", "http://")):
        raise ValueError("must be empty or a URL starting with https://")
    return value


class ShopifyDiscountConfig(_Section):
    """A Shopify discount code equal to each member's referral code, created through the Admin API
    ([purchases.shopify] shop, HEARTH_SHOPIFY_ADMIN_TOKEN). Orders using it carry the code back."""

    enabled: bool = False
    # The referred customer's discount, in percent.
    percent: float = Field(10.0, gt=0, le=100)
    # Each customer may use a member's code once.
    once_per_customer: bool = True


def _default_bonus() -> dict[int, int]:
    return {1: 50, 5: 250, 10: 500}


def _default_activation() -> dict[str, int]:
    return {"ritual_participation": 1, "purchase": 1, "ugc_post": 1}


class ReferralsConfig(_Section):
    # The store's address; /ref links to it with ?ref=CODE (the store webhooks bring the code back). "" = none.
    store_url: str = ""
    # The server invite /ref shows for Discord (Discord doesn't say which invite a joiner used). "" = none.
    discord_invite: str = ""
    # Chats where each member gets a named invite link of their own ("telegram:-100…"): a join through it
    # is credited to them.
    invite_places: list[str] = Field(default_factory=list)
    # Points to the referrer when someone joins through their invite link (once per person).
    join_points: int = Field(5, ge=0, le=100_000)
    # Extra points when a member's Nth referral becomes a customer: {referrals = points}.
    milestone_bonus: dict[int, int] = Field(default_factory=_default_bonus)
    # The "aha moment": a member is asked to refer friends only after any of these (points rule = awards).
    activation: dict[str, int] = Field(default_factory=_default_activation)
    # At most one referral ask per member in this many days; 0 = never ask.
    ask_every_days: int = Field(30, ge=0, le=365)
    # Where the monthly top referrers are celebrated ("discord:CHANNEL_ID"); "" = no shout-out.
    shoutout_place: str = ""
    shoutout_size: int = Field(3, ge=1, le=25)
    # The shout-out (and partner statements) go out on the 1st of the month from this hour (community time).
    shoutout_hour: int = Field(10, ge=0, le=23)
    # Commission for a new partner when /mod partner add doesn't give one, in percent of the net order.
    partner_commission_percent: float = Field(10.0, ge=0, le=100)
    # How often pending asks and the monthly posts are looked at, in seconds.
    check_seconds: float = Field(60.0, ge=5, le=3600)
    shopify_discount: ShopifyDiscountConfig = ShopifyDiscountConfig()

    @field_validator("store_url", "discord_invite")
    @classmethod
    def _urls(cls, value: str) -> str:
        return _url(value)

    @field_validator("invite_places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("shoutout_place")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place_key(value) if value else value

    @field_validator("milestone_bonus")
    @classmethod
    def _bonus(cls, value: dict[int, int]) -> dict[int, int]:
        for count, points in value.items():
            if not 1 <= count <= 100_000 or not 0 <= points <= 100_000:
                raise ValueError(f"{count} = {points}: use a referral count of at least 1 and 0-100000 points")
        return dict(sorted(value.items()))

    @field_validator("activation")
    @classmethod
    def _activation(cls, value: dict[str, int]) -> dict[str, int]:
        for rule, count in value.items():
            if count < 1:
                raise ValueError(f"{rule} = {count}: the count must be at least 1")
        return value
