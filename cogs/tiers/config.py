"""The ``[tiers]`` config section: the tier ladder, each tier's condition, roles and welcome message.

Tiers are listed lowest first; a member's tier is the highest one whose condition holds. Conditions use
the badge condition language (``points >= 500 or purchases >= 3``) and are parsed at config load.
"""

from __future__ import annotations

import re
import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cogs.badges.conditions import NAME, TierReached, parse, walk
from cogs.badges.config import check_condition, check_place, name_problems

PLATFORM_NAME = re.compile(r"^[a-z0-9_]{1,20}$")
MESSAGE_FIELDS = frozenset({"member", "tier"})


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class TierLevel(_Section):
    """One tier. ``roles`` maps a platform to a Discord role id or a gated Telegram chat id (invite by DM)."""

    key: str
    name: str = Field(min_length=1, max_length=60)
    when: str
    description: str = Field("", max_length=300)
    # DMed to the member on promotion to this tier; {member} and {tier} are filled in. "" = no message.
    message: str = Field("", max_length=1500)
    roles: dict[str, str] = Field(default_factory=dict)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not NAME.match(value):
            raise ValueError(f"tier key {value!r} must be 1-40 lowercase letters, digits and _")
        return value

    @field_validator("when")
    @classmethod
    def _condition(cls, value: str) -> str:
        check_condition(value)
        if any(isinstance(check, TierReached) for check in walk(parse(value))):
            raise ValueError("a tier's condition can't depend on tiers: use points, purchases, count(…) …")
        return value

    @field_validator("message")
    @classmethod
    def _fields(cls, value: str) -> str:
        try:
            names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        except ValueError as problem:
            raise ValueError(f"message: {problem} (write {{{{ and }}}} for literal braces)") from None
        unknown = names - MESSAGE_FIELDS
        if unknown:
            raise ValueError(f"message: unknown placeholder {{{sorted(unknown)[0]}}}; use {{member}} or {{tier}}")
        return value

    @field_validator("roles")
    @classmethod
    def _roles(cls, value: dict[str, str]) -> dict[str, str]:
        for platform, role_id in value.items():
            if not PLATFORM_NAME.match(platform):
                raise ValueError(f"{platform!r} is not a platform name (discord, telegram)")
            if not role_id.strip():
                raise ValueError(f"the {platform} role id is empty")
        return value


def _default_levels() -> list[TierLevel]:
    return [
        TierLevel(key="member", name="Member", when="points >= 0",
                  description="Everyone who takes part: post, help, share."),
        TierLevel(key="insider", name="Insider", when="points >= 500",
                  description="Regulars: early looks at what's coming, and the Insider channel.",
                  message="Welcome to the Insiders, {member}! You'll see new things before anyone else, and the "
                          "Insider channel is open to you now."),
        TierLevel(key="inner_circle", name="Inner Circle", when="points >= 2000 or purchases >= 3",
                  description="Our closest community: product previews, a say in what we make, a private space.",
                  message="Welcome to the Inner Circle, {member} — here's what that means: early product previews, "
                          "a vote on what we make next, and a private space with the team."),
        TierLevel(key="founding_member", name="Founding Member", when="among first 100 members",
                  description="The first 100 members, who were here from the start.",
                  message="You're a Founding Member, {member}: one of the first 100 people here. Thank you for "
                          "being here from the start."),
    ]


class TiersConfig(_Section):
    # Where promotions are announced publicly: a channel key ("discord:123…", "telegram:-100…"); "" = nowhere.
    announce_channel: str = ""
    # A member holds the roles of every tier whose condition they meet (true), or only their tier's (false).
    keep_lower_roles: bool = True
    # Take roles (Telegram: the gated chat) back from members who no longer qualify. Off: roles stay.
    remove_on_demotion: bool = False
    # Members whose points or purchases changed are checked in a batch this often (seconds).
    evaluate_seconds: float = Field(5.0, ge=0.5, le=3600)
    levels: list[TierLevel] = Field(default_factory=_default_levels)

    @field_validator("announce_channel")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place(value)

    @field_validator("levels")
    @classmethod
    def _unique(cls, value: list[TierLevel]) -> list[TierLevel]:
        keys = [level.key for level in value]
        for key in keys:
            if keys.count(key) > 1:
                raise ValueError(f"tier {key!r} is listed twice")
        return value

    def check_names(self, points: Any, tiers: Any = None) -> TiersConfig:
        """Conditions may only name points rules that exist (``[points]`` is validated before this)."""
        rules = set(points.rules) if points is not None else None
        problems = [problem for level in self.levels
                    for problem in name_problems(f"tier {level.key!r}", [parse(level.when)], rules, None)]
        if problems:
            raise ValueError("; ".join(problems))
        return self
