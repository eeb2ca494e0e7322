"""The activation checklist: items ticked from events as they happen, and from durable facts when asked.

Events tick items at once (a message in the intro channel, a reaction, a ritual answer, a linked order).
Facts catch up what no event announced — an order claimed for 0 points, awards while Hearth was
restarting, accounts linked later — from maintained aggregates (``rule_counts``, orders, the thanks
index). Ticking is an INSERT that ignores duplicates; finishing is claimed by one conditional UPDATE, so
the points and ``MemberActivated`` happen once, whatever the races.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.bus import EventBus
from bot.kit.events import MemberActivated
from bot.kit.platform import Place
from cogs.lifecycle.store import dialect
from cogs.onboarding.config import ChecklistItem, OnboardingConfig
from cogs.points.engine import Award, PointsEngine
from cogs.purchases.records import COUNTING
from storage.database import Database
from storage.models import ChecklistProgress, LedgerEntry, Member, OnboardingMember, Purchase, RuleCount
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.onboarding")

# The points rules behind "appreciation": a reaction given, and /thanks (whose award goes to the receiver,
# with the giver as the ledger row's actor).
REACTION_RULE = "reaction_given"
THANKS_RULE = "peer_help"
COMPLETION_RULE = "checklist_complete"
CACHE_SIZE = 100_000


@dataclass(frozen=True)
class Progress:
    items: tuple[tuple[ChecklistItem, datetime | None], ...]
    completed_at: datetime | None
    joined: bool = True

    @property
    def done(self) -> int:
        return sum(1 for _, at in self.items if at is not None)

    @property
    def complete(self) -> bool:
        return self.done == len(self.items)

    def done_keys(self) -> set[str]:
        return {item.key for item, at in self.items if at is not None}

    def lines(self) -> str:
        return "\n".join(f"{'✅' if at else '⬜'} {item.label}" for item, at in self.items)


def in_places(place: Place, keys: list[str]) -> bool:
    """A configured channel key matches the channel itself and every thread or topic inside it."""
    if not keys:
        return True
    chat = f"{place.platform}:{place.chat_id}"
    return place.key in keys or chat in keys


async def ensure_row(session: AsyncSession, member_id: int, joined_at: datetime) -> None:
    await session.execute(insert_ignoring(dialect(session), OnboardingMember.__table__, ["member_id"]).values(
        member_id=member_id, joined_at=joined_at))


class Checklist:
    def __init__(self, config: OnboardingConfig, database: Database, bus: EventBus, points: PointsEngine) -> None:
        self.config = config
        self.items = list(config.checklist)
        self.database = database
        self.bus = bus
        self.points = points
        # Items known done per member: the per-message hot path answers from memory after the first look.
        self._done: OrderedDict[int, frozenset[str]] = OrderedDict()

    def keys_of(self, kind: str, rule: str | None = None) -> list[str]:
        return [i.key for i in self.items if i.kind == kind and (rule is None or rule in i.rules)]

    async def _known(self, member_id: int) -> frozenset[str]:
        known = self._done.get(member_id)
        if known is None:
            async with self.database.session() as session:
                known = frozenset(await session.scalars(select(ChecklistProgress.item)
                                                        .where(ChecklistProgress.member_id == member_id)))
            self._remember(member_id, known)
        return known

    def _remember(self, member_id: int, done: frozenset[str]) -> None:
        self._done[member_id] = done
        self._done.move_to_end(member_id)
        if len(self._done) > CACHE_SIZE:
            self._done.popitem(last=False)

    def forget(self, member_id: int) -> None:
        self._done.pop(member_id, None)

    async def tick(self, member_id: int, keys: Iterable[str], at: datetime) -> bool:
        """Mark items done; True if that finished the checklist just now."""
        known = await self._known(member_id)
        new = [key for key in dict.fromkeys(keys) if key not in known]
        if not new:
            return False
        async with self.database.session() as session, session.begin():
            await session.execute(insert_ignoring(dialect(session), ChecklistProgress.__table__,
                                                  ["member_id", "item"]),
                                  [{"member_id": member_id, "item": key, "done_at": at} for key in new])
        known = known | frozenset(new)
        self._remember(member_id, known)
        if all(item.key in known for item in self.items):
            return await self._complete(member_id, at)
        return False

    async def _complete(self, member_id: int, at: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            joined = await session.scalar(select(Member.joined_at).where(Member.id == member_id))
            await ensure_row(session, member_id, joined or at)
            claimed = await session.execute(update(OnboardingMember).where(
                OnboardingMember.member_id == member_id, OnboardingMember.completed_at.is_(None))
                .values(completed_at=at))
        if not claimed.rowcount:  # type: ignore[attr-defined]
            return False
        if self.config.completion_points:
            # The source key makes the reward once per member, even if two processes finish it together.
            await self.points.award(Award(member_id, COMPLETION_RULE, self.config.completion_points,
                                          f"onboarding:checklist:{member_id}", at, note="activation checklist done"))
        log.info("member %d finished the activation checklist", member_id)
        await self.bus.publish(MemberActivated(member_id, at))
        return True

    async def progress(self, member_id: int, now: datetime, *, catch_up: bool = True) -> Progress:
        """Where the member stands, after catching up from durable facts (unless ``catch_up`` is False)."""
        known = await self._known(member_id)
        missing = [item for item in self.items if item.key not in known]
        if missing and catch_up:
            async with self.database.session() as session:
                found = await self._from_facts(session, member_id, missing)
            if found:
                await self.tick(member_id, found, now)
        async with self.database.session() as session:
            done = dict((await session.execute(select(ChecklistProgress.item, ChecklistProgress.done_at)
                                               .where(ChecklistProgress.member_id == member_id))).all())
            row = (await session.execute(select(OnboardingMember.member_id, OnboardingMember.completed_at)
                                         .where(OnboardingMember.member_id == member_id))).first()
        completed = row[1] if row else None
        if catch_up and completed is None and all(item.key in done for item in self.items):
            await self._complete(member_id, now)  # ticked by an earlier run that stopped before finishing
            completed = now
        return Progress(tuple((item, done.get(item.key)) for item in self.items), completed, row is not None)

    async def _from_facts(self, session: AsyncSession, member_id: int, items: list[ChecklistItem]) -> list[str]:
        found = []
        counts = dict((await session.execute(select(RuleCount.rule, RuleCount.count).where(
            RuleCount.member_id == member_id, RuleCount.count > 0))).all())
        for item in items:
            if item.kind == "rule":
                done = any(counts.get(rule, 0) > 0 for rule in item.rules)
            elif item.kind == "purchase":
                done = bool(await session.scalar(select(exists().where(
                    Purchase.member_id == member_id, Purchase.status.in_(COUNTING)))))
            elif item.kind == "appreciation":
                done = counts.get(REACTION_RULE, 0) > 0 or bool(await session.scalar(select(exists().where(
                    LedgerEntry.actor_member_id == member_id, LedgerEntry.rule == THANKS_RULE))))
            else:
                done = False  # a message in a place leaves no durable trace but our own row
            if done:
                found.append(item.key)
        return found

    async def thanks_giver(self, source_key: str) -> int | None:
        async with self.database.session() as session:
            return await session.scalar(select(LedgerEntry.actor_member_id).where(LedgerEntry.source_key == source_key))

    async def merge(self, kept: int, merged: int, at: datetime) -> None:
        """Items either account did count for the member; finishing is checked again."""
        async with self.database.session() as session, session.begin():
            rows = (await session.execute(select(ChecklistProgress.item, ChecklistProgress.done_at)
                                          .where(ChecklistProgress.member_id == merged))).all()
            if rows:
                await session.execute(insert_ignoring(dialect(session), ChecklistProgress.__table__,
                                                      ["member_id", "item"]),
                                      [{"member_id": kept, "item": item, "done_at": done} for item, done in rows])
            await session.execute(delete(ChecklistProgress).where(ChecklistProgress.member_id == merged))
        self.forget(kept)
        self.forget(merged)
        await self.progress(kept, at)
