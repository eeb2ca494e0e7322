"""The tier ladder as rules, pure: which tier a member's facts give, which roles go with it, what's next."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cogs.badges.conditions import Condition, Facts, needs_of, parse
from cogs.tiers.config import TierLevel


@dataclass(frozen=True)
class Tier:
    key: str
    name: str
    rank: int
    description: str
    message: str
    roles: Mapping[str, str]
    condition: Condition

    def welcome(self, member: str) -> str:
        return self.message.format(member=member, tier=self.name)


@dataclass(frozen=True)
class NextStep:
    tier: Tier
    progress: str

    @property
    def text(self) -> str:
        return f"{self.progress} to {self.tier.name}"


class Ladder:
    """Tiers lowest first; a member's tier is the highest whose condition holds."""

    def __init__(self, levels: Sequence[TierLevel], *, keep_lower_roles: bool = True) -> None:
        self.tiers = [Tier(level.key, level.name, rank, level.description, level.message, dict(level.roles),
                           parse(level.when)) for rank, level in enumerate(levels)]
        self.by_key = {tier.key: tier for tier in self.tiers}
        self.needs = needs_of([tier.condition for tier in self.tiers])
        self.keep_lower_roles = keep_lower_roles
        self.has_roles = any(tier.roles for tier in self.tiers)

    def qualifying(self, facts: Facts) -> list[Tier]:
        return [tier for tier in self.tiers if tier.condition.holds(facts)]

    def tier_for(self, facts: Facts) -> Tier | None:
        met = self.qualifying(facts)
        return met[-1] if met else None

    def is_promotion(self, old: str | None, new: Tier) -> bool:
        before = self.by_key.get(old) if old is not None else None
        return before is None or new.rank > before.rank

    def wanted_roles(self, facts: Facts) -> dict[tuple[str, str], Tier]:
        """(platform, role id) → the tier that justifies it: every tier met, or only the member's own."""
        met = self.qualifying(facts)
        tiers = met if self.keep_lower_roles else met[-1:]
        return {(platform, role_id): tier for tier in tiers for platform, role_id in tier.roles.items()}

    def next_step(self, facts: Facts) -> NextStep | None:
        """The lowest tier above the member's that isn't met and has something to count ("120 / 500 points to
        Insider"); failing that, any such tier below (a Founding Member still climbs the points ladder)."""
        current = self.tier_for(facts)
        floor = current.rank if current else -1
        steps = [NextStep(tier, progress) for tier in self.tiers if not tier.condition.holds(facts)
                 and (progress := tier.condition.progress(facts))]
        above = [step for step in steps if step.tier.rank > floor]
        return (above or steps or [None])[0]
