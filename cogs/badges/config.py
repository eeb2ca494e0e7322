"""The ``[badges]`` config section: where badges are announced, and each badge's condition.

Conditions are parsed here, at config load, so a typo is one clear line from ``hearth config check``
(naming the badge and showing the right syntax) instead of a badge that silently never fires.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from bot.kit.platform import check_place_key
from cogs.badges.conditions import NAME, Condition, ConditionError, Threshold, TierReached, parse, walk

# Rules the points engine awards by itself, besides the configured ones.
ENGINE_RULES = frozenset({"moderator_grant", "moderator_revoke"})


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_place(value: str) -> str:
    """A channel key like ``discord:123456789``, or "" for none."""
    return check_place_key(value) if value else value


def check_condition(value: str) -> str:
    try:
        parse(value)
    except ConditionError as problem:
        raise ValueError(str(problem)) from None
    return value


def name_problems(label: str, conditions: Iterable[Condition], rules: Collection[str] | None,
                  tiers: Collection[str] | None) -> list[str]:
    """Checks that name a points rule or a tier that doesn't exist (None: that section failed to load)."""
    problems = []
    for check in (inner for condition in conditions for inner in walk(condition)):
        if isinstance(check, Threshold) and check.fact == "count" and rules is not None and (
                check.arg not in rules and check.arg not in ENGINE_RULES):
            problems.append(f"{label}: count({check.arg}) names no points rule; known rules: "
                            f"{', '.join(sorted(rules))}")
        if isinstance(check, TierReached) and tiers is not None and check.tier not in tiers:
            problems.append(f"{label}: tier({check.tier}) names no tier; tiers: {', '.join(tiers) or 'none'}")
    return problems


class BadgeDefinition(_Section):
    """One badge: shown as ``emoji name``; ``description`` says how to earn it (``/badges``)."""

    name: str = Field(min_length=1, max_length=60)
    emoji: str = Field("🏅", max_length=8)
    description: str = Field("", max_length=200)
    when: str

    @field_validator("when")
    @classmethod
    def _condition(cls, value: str) -> str:
        return check_condition(value)


def _default_badges() -> dict[str, BadgeDefinition]:
    # The seed's badges, plus a Champion for a season's winner.
    table = {
        "content_creator": ("Content Creator", "🎨", "10 approved UGC posts", "count(ugc_post) >= 10"),
        "helpful_member": ("Helpful Member", "🤝", "50 peer helps (/thanks from other members)",
                           "count(peer_help) >= 50"),
        "brand_advocate": ("Brand Advocate", "📣", "10 referrals that became customers",
                           "count(referral_converted) >= 10"),
        "trendsetter": ("Trendsetter", "🔥", "a post that 25 different members reacted to", "post_reactors >= 25"),
        "founding_member": ("Founding Member", "🏛️", "one of the first 100 members", "among first 100 members"),
        "community_expert": ("Community Expert", "🧠", "25 accepted answers", "count(answer_accepted) >= 25"),
        "champion": ("Champion", "🏆", "win a season (first on /leaderboard season when it ends)",
                     "seasons_won >= 1"),
    }
    return {key: BadgeDefinition(name=name, emoji=emoji, description=description, when=when)
            for key, (name, emoji, description, when) in table.items()}


class BadgesConfig(_Section):
    # Where earned badges are announced: a channel key ("discord:123…", "telegram:-100…"); "" = nowhere.
    announce_channel: str = ""
    # Members whose points changed are checked in a batch this often (seconds), off the points hot path.
    evaluate_seconds: float = Field(5.0, ge=0.5, le=3600)
    definitions: dict[str, BadgeDefinition] = Field(default_factory=_default_badges)
    # Badges (by key) not awarded any more, e.g. ["champion"]; already earned ones stay until a recompute
    # with revoke.
    disabled: list[str] = Field(default_factory=list)

    @field_validator("announce_channel")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place(value)

    @field_validator("definitions")
    @classmethod
    def _keys(cls, value: dict[str, BadgeDefinition]) -> dict[str, BadgeDefinition]:
        for key in value:
            if not NAME.match(key):
                raise ValueError(f"badge key {key!r} must be 1-40 lowercase letters, digits and _")
        # A brand changing one badge keeps the others; ``disabled`` switches a default off.
        return {**_default_badges(), **value}

    @field_validator("disabled")
    @classmethod
    def _known(cls, value: list[str], info: ValidationInfo) -> list[str]:
        defined = info.data.get("definitions")
        for key in value:
            if defined is not None and key not in defined:
                raise ValueError(f"no badge {key!r} to disable; badges: {', '.join(defined)}")
        return value

    def active(self) -> dict[str, BadgeDefinition]:
        return {key: badge for key, badge in self.definitions.items() if key not in self.disabled}

    def check_names(self, points: Any, tiers: Any) -> BadgesConfig:
        """Conditions may only name points rules and tiers that exist (the sections validated before this)."""
        rules = set(points.rules) if points is not None else None
        tier_keys = [level.key for level in tiers.levels] if tiers is not None else None
        problems = [problem for key, badge in self.active().items()
                    for problem in name_problems(f"badge {key!r}", [parse(badge.when)], rules, tier_keys)]
        if problems:
            raise ValueError("; ".join(problems))
        return self
