"""Gathering the facts conditions read, for a whole batch of members in a handful of queries.

Every figure comes from a maintained aggregate (rule counts, post stats, the points rank index) or a
keyed look-up, never a scan of the ledger: a recompute over every member stays a few queries per batch.
Streaks and purchases belong to other features; they come in through two small protocols so badges and
tiers work (reading 0) whether or not those features are enabled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from sqlalchemy import func, select

from cogs.badges.conditions import Condition, Facts, Needs, needs_of
from cogs.purchases.records import COUNTING
from cogs.rituals.measures import member_streak
from storage.database import Database
from storage.models import Member, PostStats, Purchase, RuleCount, SeasonResult


class StreakSource(Protocol):
    """A member's longest streak on a ritual, in consecutive occurrences (weeks for a weekly ritual)."""

    async def longest(self, member_id: int, ritual_key: str) -> int: ...


class PurchaseCounts(Protocol):
    """How many store orders count for each member (paid, not fully refunded)."""

    async def counts(self, member_ids: Sequence[int]) -> dict[int, int]: ...


class NoStreaks:
    async def longest(self, member_id: int, ritual_key: str) -> int:
        return 0


class NoPurchases:
    async def counts(self, member_ids: Sequence[int]) -> dict[int, int]:
        return {}


class RitualStreaks:
    """Streaks from the rituals feature's ``ritual_streaks`` rows (the table exists whether or not it's enabled)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def longest(self, member_id: int, ritual_key: str) -> int:
        streak = await member_streak(self.database, member_id, ritual_key)
        # The longest streak, not the current one: a badge earned for a 4-week run stays earned.
        return streak.best if streak is not None else 0


class StoredPurchases:
    """Counted orders from the purchases feature's ``purchases`` table (index on member_id)."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def counts(self, member_ids: Sequence[int]) -> dict[int, int]:
        async with self.database.session() as session:
            rows = await session.execute(
                select(Purchase.member_id, func.count())
                .where(Purchase.member_id.in_(member_ids), Purchase.status.in_(COUNTING),
                       Purchase.amount_minor.is_not(None))
                .group_by(Purchase.member_id))
            return {member_id: int(count) for member_id, count in rows.all()}


class FactGatherer:
    """Builds ``Facts`` for many members at once.

    ``tiers`` are the tier conditions, for ``tier(x) reached``: reached means the member meets that tier's
    condition (what also decides their roles), computed from the same facts rather than the stored tier,
    so a special tier listed high (Founding Member) never counts as having reached the ones below it.
    """

    def __init__(self, database: Database, points_of: Callable[[int], int],
                 tiers: Sequence[tuple[str, Condition]] = (), streaks: StreakSource | None = None,
                 purchases: PurchaseCounts | None = None) -> None:
        self.database = database
        self.points_of = points_of
        self.tiers = list(tiers)
        self.tier_needs = needs_of([condition for _, condition in self.tiers])
        self.streaks: StreakSource = streaks or NoStreaks()
        self.purchases: PurchaseCounts = purchases or NoPurchases()

    async def gather(self, member_ids: Sequence[int], needs: Needs) -> dict[int, Facts]:
        ids = list(member_ids)
        if needs.tiers:
            needs = needs.union(self.tier_needs)
        counts: dict[int, dict[str, int]] = {m: {} for m in ids}
        reactors: dict[int, int] = {}
        seasons: dict[int, int] = {}
        joined: dict[int, datetime] = {}
        cutoffs: dict[int, int | None] = {}
        async with self.database.session() as session:
            if needs.rules:
                rows = await session.execute(select(RuleCount.member_id, RuleCount.rule, RuleCount.count).where(
                    RuleCount.member_id.in_(ids), RuleCount.rule.in_(needs.rules)))
                for member_id, rule, count in rows.all():
                    counts[member_id][rule] = int(count)
            if needs.reactors:
                rows = await session.execute(
                    select(PostStats.author_member_id, func.max(PostStats.reactors))
                    .where(PostStats.author_member_id.in_(ids)).group_by(PostStats.author_member_id))
                reactors = {member_id: int(most or 0) for member_id, most in rows.all()}
            if needs.seasons:
                rows = await session.execute(
                    select(SeasonResult.member_id, func.count()).where(
                        SeasonResult.member_id.in_(ids), SeasonResult.rank == 1).group_by(SeasonResult.member_id))
                seasons = {member_id: int(won) for member_id, won in rows.all()}
            if needs.joined:
                rows = await session.execute(select(Member.id, Member.joined_at).where(Member.id.in_(ids)))
                joined = dict(rows.all())
            for n in needs.first_n:
                # The id of the Nth member still standing on its own (ids grow with first sight; merged
                # records don't take a place): a member is among the first N when their id is at most that.
                cutoffs[n] = await session.scalar(select(Member.id).where(Member.merged_into.is_(None))
                                                  .order_by(Member.id).offset(n - 1).limit(1))
        purchases = await self.purchases.counts(ids) if needs.purchases else {}
        facts: dict[int, Facts] = {}
        for member_id in ids:
            streaks = {ritual: await self.streaks.longest(member_id, ritual) for ritual in needs.rituals}
            known = Facts(
                points=self.points_of(member_id) if needs.points else 0,
                counts=counts[member_id], purchases=purchases.get(member_id, 0),
                best_post_reactors=reactors.get(member_id, 0), streaks=streaks,
                seasons_won=seasons.get(member_id, 0), joined_at=joined.get(member_id),
                first_n=frozenset(n for n, cutoff in cutoffs.items() if cutoff is None or member_id <= cutoff))
            if needs.tiers:
                known = replace(known, tiers_reached=frozenset(key for key, condition in self.tiers
                                                               if condition.holds(known)))
            facts[member_id] = known
        return facts
