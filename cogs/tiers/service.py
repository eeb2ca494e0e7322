"""Tier rules: each member's tier kept in line with the ladder, in batches off the points hot path.

Points and purchases only mark a member; a job every few seconds evaluates the marked ones: facts in a
few queries per batch, the tier rows in one transaction, then ``TierChanged``, the roles, and for a
promotion to a tier with a message, a DM to the member and a line in the announce channel. At start
every member is reconciled in the background, quietly: stored tiers against the rules, and roles
granted where missing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, delete, select, update

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import PointsAwarded, PurchaseRecorded, RefundRecorded, TierChanged
from bot.kit.platform import place_from_key
from bot.kit.reply import Reply
from cogs.badges.conditions import Facts
from cogs.badges.facts import FactGatherer
from cogs.members.service import MemberService
from cogs.tiers.conditions import Ladder, Tier
from cogs.tiers.config import TiersConfig
from cogs.tiers.roles import TierRoles
from storage.database import Database
from storage.locks import exclusive
from storage.models import Member, MemberTier
from storage.upsert import insert_ignoring

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.tiers")


@dataclass(frozen=True)
class Change:
    member_id: int
    old: str | None
    new: Tier | None


class TierService:
    def __init__(self, config: TiersConfig, database: Database, bus: EventBus, clock: Clock, members: MemberService,
                 platforms: Platforms, gatherer: FactGatherer, roles: TierRoles, *,
                 batch_size: int = 500) -> None:
        self.config = config
        self.database = database
        self.bus = bus
        self.clock = clock
        self.members = members
        self.platforms = platforms
        self.gatherer = gatherer
        self.roles = roles
        self.batch_size = batch_size
        self.ladder = Ladder(config.levels, keep_lower_roles=config.keep_lower_roles)
        self.dirty: set[int] = set()
        self._lock = asyncio.Lock()

    # --- collecting (hot path: set inserts only) --------------------------------------------------

    def mark(self, member_id: int) -> None:
        self.dirty.add(member_id)

    async def on_points(self, event: PointsAwarded) -> None:
        self.dirty.add(event.member_id)  # reversals too: a tier can be lost

    async def on_purchase(self, event: PurchaseRecorded | RefundRecorded) -> None:
        if event.member_id is not None and self.ladder.needs.purchases:
            self.dirty.add(event.member_id)

    # --- evaluating -------------------------------------------------------------------------------

    async def evaluate_pending(self) -> list[Change]:
        """Evaluate every member marked since the last run, then members waiting for a platform that is back."""
        changes: list[Change] = []
        while self.dirty:
            batch = [self.dirty.pop() for _ in range(min(self.batch_size, len(self.dirty)))]
            changes += await self.evaluate(sorted(batch))
        while due := self.roles.due(self.batch_size):
            await self.evaluate(sorted(due), announce=False)
        return changes

    async def evaluate(self, member_ids: Sequence[int], *, announce: bool = True) -> list[Change]:
        # Across processes sharing PostgreSQL too: a second evaluation of the same members reads the tiers and role
        # grants the first recorded, so a promotion is announced (and a role granted) once.
        async with self._lock, exclusive(self.database, "tiers:evaluate"):
            facts = await self.gatherer.gather(member_ids, self.ladder.needs)
            changes = await self._store(member_ids, facts)
            if self.ladder.has_roles or self.roles.remove_on_demotion:
                await self.roles.reconcile({m: self.ladder.wanted_roles(facts[m]) for m in member_ids})
        now = self.clock.now()
        for change in changes:
            if change.new is None:
                log.info("member %d no longer meets any tier (was %s)", change.member_id, change.old)
                continue
            log.info("member %d: tier %s → %s", change.member_id, change.old, change.new.key)
            await self.bus.publish(TierChanged(member_id=change.member_id, old_tier=change.old,
                                               new_tier=change.new.key, at=now))
            if announce and change.new.message and self.ladder.is_promotion(change.old, change.new):
                await self._announce(change.member_id, change.new)
        return changes

    async def _store(self, member_ids: Sequence[int], facts: dict[int, Facts]) -> list[Change]:
        async with self.database.session() as session, session.begin():
            stored = dict((await session.execute(select(MemberTier.member_id, MemberTier.tier)
                                                  .where(MemberTier.member_id.in_(member_ids)))).all())
            changes = []
            for member_id in member_ids:
                tier = self.ladder.tier_for(facts[member_id])
                if (tier.key if tier else None) != stored.get(member_id):
                    changes.append(Change(member_id, stored.get(member_id), tier))
            now = self.clock.now()
            new = [{"member_id": c.member_id, "tier": c.new.key, "since": now} for c in changes
                   if c.new and c.old is None]
            if new:
                await session.execute(insert_ignoring(session.bind.dialect.name, MemberTier.__table__,
                                                      ["member_id"]), new)
            moved = [{"m": c.member_id, "t": c.new.key, "s": now} for c in changes if c.new and c.old is not None]
            if moved:
                table = MemberTier.__table__
                await session.execute(update(table).where(table.c.member_id == bindparam("m"))
                                      .values(tier=bindparam("t"), since=bindparam("s")), moved)
            gone = [c.member_id for c in changes if c.new is None]
            if gone:
                await session.execute(delete(MemberTier).where(MemberTier.member_id.in_(gone)))
        return changes

    async def _announce(self, member_id: int, tier: Tier) -> None:
        view = await self.members.get(member_id)
        if view is None:
            return
        welcome = Reply(title=f"Welcome to {tier.name}", text=tier.welcome(view.display_name), tone="success")
        for identity in view.identities:
            platform = self.platforms.get(identity.platform)
            if platform is not None and await platform.send_direct(identity.platform_user_id, welcome) is not None:
                break
        else:
            log.info("member %d reached %s but couldn't be messaged privately", member_id, tier.name)
        if self.config.announce_channel:
            place = place_from_key(self.config.announce_channel)
            platform = self.platforms.get(place.platform)
            text = f"{view.display_name} reached the {tier.name} tier!" + (f" {tier.description}"
                                                                           if tier.description else "")
            if platform is None or await platform.send(place, Reply(title="🎉 New tier", text=text,
                                                                    tone="success")) is None:
                log.warning("couldn't announce %s's promotion in %s", view.display_name, self.config.announce_channel)

    # --- start-up ---------------------------------------------------------------------------------

    async def reconcile_all(self) -> int:
        """Every member against the rules, quietly (no DMs or announcements): runs at start, in batches."""
        started = time.monotonic()
        done, after, changed = 0, 0, 0
        while True:
            async with self.database.session() as session:
                ids = list(await session.scalars(select(Member.id).where(
                    Member.merged_into.is_(None), Member.id > after).order_by(Member.id).limit(self.batch_size)))
            if not ids:
                break
            after = ids[-1]
            changed += len(await self.evaluate(ids, announce=False))
            done += len(ids)
            log.info("tier reconcile: %d members checked, %d tiers changed, %d roles granted so far", done, changed,
                     self.roles.granted)
        log.info("tier reconcile done in %.1f s: %d members, %d tier changes, %d roles granted, %d waiting for a "
                 "platform", time.monotonic() - started, done, changed, self.roles.granted,
                 sum(len(w) for w in self.roles.pending.values()))
        return done

    # --- reading ----------------------------------------------------------------------------------

    async def stored(self, member_id: int) -> tuple[Tier | None, datetime | None]:
        async with self.database.session() as session:
            row = await session.get(MemberTier, member_id)
        if row is None:
            return None, None
        return self.ladder.by_key.get(row.tier), row.since

    async def facts(self, member_id: int) -> Facts:
        return (await self.gatherer.gather([member_id], self.ladder.needs))[member_id]

    def forget(self, member_id: int) -> None:
        self.dirty.discard(member_id)
        for waiting in self.roles.pending.values():
            waiting.discard(member_id)

    async def merge(self, kept: int, merged: int) -> None:
        async with self._lock:
            async with self.database.session() as session, session.begin():
                await session.execute(delete(MemberTier).where(MemberTier.member_id == merged))
            await self.roles.merge(kept, merged)
        self.dirty.discard(merged)
        self.dirty.add(kept)
