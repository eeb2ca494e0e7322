"""The stage rules, pure: from a member's facts to the stage they belong in (no I/O, easy to test).

Stages are ordered New < Activated < Power User < Advocate. A member keeps the highest stage they reached
(Power User is earned by weeks of activity and isn't lost in one quiet week); only inactivity, when the
config asks for it, takes them down — and the rules lift them again as soon as they are back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from cogs.lifecycle.config import STAGES, LifecycleConfig

RANK = {stage: index for index, stage in enumerate(STAGES)}


def week_key(at: datetime, tz: tzinfo) -> str:
    """The ISO week in the community timezone, as the points engine writes it (``w2026-03``)."""
    year, week, _ = at.astimezone(tz).isocalendar()
    return f"w{year}-{week:02d}"


def recent_weeks(now: datetime, tz: tzinfo, count: int) -> list[str]:
    """This week and the ``count - 1`` before it."""
    return [week_key(now - timedelta(weeks=back), tz) for back in range(count)]


@dataclass(frozen=True)
class Facts:
    """What decides a member's stage; gathered for many members at once by the service."""

    joined_at: datetime
    checklist_done: bool = False
    first_action_at: datetime | None = None
    active_weeks: int = 0
    rule_counts: dict[str, int] | None = None
    last_active_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    stage: str
    reason: str


def earned(facts: Facts, config: LifecycleConfig) -> Decision:
    """The highest stage the rules give today, and why."""
    counts = facts.rule_counts or {}
    advocate = [rule for rule, needed in config.advocate.rules.items() if counts.get(rule, 0) >= needed]
    if advocate:
        return Decision("advocate", f"{advocate[0]} reached")
    rule = config.power_user
    if facts.active_weeks >= rule.active_weeks:
        return Decision("power_user", f"active {facts.active_weeks} of the last {rule.of_last_weeks} weeks")
    if facts.checklist_done:
        return Decision("activated", "checklist done")
    window = timedelta(days=config.activated.within_days)
    if facts.first_action_at is not None and facts.first_action_at - facts.joined_at <= window:
        return Decision("activated", f"first meaningful action within {config.activated.within_days} days")
    return Decision("new", "joined")


def decide(stored: str | None, facts: Facts, config: LifecycleConfig, now: datetime) -> Decision:
    """The stage to hold now: the best of what was reached and what the rules give, capped by inactivity."""
    rules = earned(facts, config)
    best = rules if stored is None or RANK[rules.stage] >= RANK.get(stored, 0) else Decision(stored, "kept")
    demotion = config.demotion
    if demotion.inactive_days:
        last = facts.last_active_at or facts.joined_at
        if now - last > timedelta(days=demotion.inactive_days) and RANK[best.stage] > RANK[demotion.to]:
            return Decision(demotion.to, f"inactive for {demotion.inactive_days} days")
    return best
