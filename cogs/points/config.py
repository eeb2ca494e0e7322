"""Point rules: how much each contribution is worth, and the limits that keep it un-farmable."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

RULE_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


class RuleConfig(BaseModel):
    """One rule. ``channel_multipliers`` maps a place key (``discord:123``, ``telegram:-100…``) to a factor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    amount: int = Field(ge=0, le=100_000)
    cooldown_seconds: int = Field(0, ge=0, le=7 * 86_400)
    daily_cap: int = Field(0, ge=0, le=10_000_000, description="max points a day from this rule; 0 = no cap")
    channel_multipliers: dict[str, float] = Field(default_factory=dict)

    @field_validator("channel_multipliers")
    @classmethod
    def _sane_factors(cls, value: dict[str, float]) -> dict[str, float]:
        for place, factor in value.items():
            if not 0 <= factor <= 10:
                raise ValueError(f"multiplier for {place!r} must be between 0 and 10")
        return value


def _default_rules() -> dict[str, RuleConfig]:
    # The brand-tested defaults from the seed, plus the engine's own rules.
    table = {
        "ugc_post": (50, 0, 0), "product_review": (30, 0, 0), "tutorial": (100, 0, 0),
        "reaction_given": (2, 5, 40), "comment": (10, 60, 100), "share": (25, 0, 100),
        "peer_help": (40, 0, 200), "answer_accepted": (35, 0, 0), "mentoring": (75, 0, 0),
        "message": (1, 60, 30), "ritual_participation": (20, 0, 0), "purchase": (1, 0, 0),
        "referral_converted": (100, 0, 0),
    }
    return {name: RuleConfig(amount=a, cooldown_seconds=c, daily_cap=d) for name, (a, c, d) in table.items()}


class PointsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rules: dict[str, RuleConfig] = Field(default_factory=_default_rules)
    # Messages shorter than this (after trimming) earn nothing.
    min_message_length: int = Field(12, ge=0, le=2000)
    # Accounts that joined the community less than this many hours ago earn nothing from chat activity.
    min_membership_hours: int = Field(0, ge=0, le=24 * 365)
    # How many of a member's recent messages a new one is compared with for near-duplicates.
    duplicate_window: int = Field(5, ge=0, le=50)
    # Peer thanks: at most this many /thanks a day per giver, and one per giver→receiver pair per this many hours.
    thanks_per_day: int = Field(5, ge=1, le=100)
    thanks_pair_hours: int = Field(24, ge=0, le=24 * 30)
    # Moderator grants above this need a second look: refused as absurd.
    max_grant: int = Field(10_000, ge=1, le=1_000_000)
    leaderboard_size: int = Field(10, ge=3, le=25)
    # SQLite only: "process" writes the ledger from a worker process (uses a second core; the default),
    # "inline" writes from a thread of the bot process (fine for small communities and tests).
    writer: Literal["process", "inline"] = "process"

    @field_validator("rules")
    @classmethod
    def _rule_names(cls, value: dict[str, RuleConfig]) -> dict[str, RuleConfig]:
        defaults = _default_rules()
        for name in value:
            if not RULE_NAME.match(name):
                raise ValueError(f"rule name {name!r} must match {RULE_NAME.pattern}")
        # A brand overriding one rule keeps the defaults of the others.
        return {**defaults, **value}
