"""Badge rules: who has earned what, evaluated in batches off the points hot path.

``PointsAwarded`` only adds a member id to a set (and, for a reaction, the post it was on); a job every
few seconds evaluates the set in batches: one fact query per kind per batch, one transaction for the new
badges, then the announcements. ``recompute`` walks every member the same way after a rule change.
Badges are only ever taken away by an explicit ``revoke`` recompute.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select, tuple_

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import BadgeEarned, PointsAwarded
from bot.kit.platform import place_from_key
from bot.kit.reply import Reply
from cogs.badges.conditions import Condition, Facts, needs_of, parse
from cogs.badges.config import BadgesConfig
from cogs.badges.facts import FactGatherer
from cogs.members.service import MemberService
from storage.database import Database
from storage.models import Member, MemberBadge, PostStats
from storage.upsert import insert_ignoring

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.badges")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BadgeRule:
    key: str
    name: str
    emoji: str
    description: str
    condition: Condition

    @property
    def label(self) -> str:
        return f"{self.emoji} {self.name}"

    @property
    def how(self) -> str:
        return self.description or self.condition.describe()


@dataclass
class Changes:
    granted: list[tuple[int, str]] = field(default_factory=list)
    revoked: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RecomputeReport:
    members: int
    granted: dict[str, int]
    revoked: dict[str, int]
    seconds: float


def reaction_post(source_key: str) -> str | None:
    """``platform:reaction:chat:message:user`` (the points cog's reaction source) → the post_stats key."""
    parts = source_key.split(":")
    if len(parts) < 5 or parts[1] != "reaction":
        return None
    return f"{parts[0]}:{':'.join(parts[2:-2])}:{parts[-2]}"


class BadgeService:
    def __init__(self, config: BadgesConfig, database: Database, bus: EventBus, clock: Clock, members: MemberService,
                 platforms: Platforms, gatherer: FactGatherer, *, batch_size: int = 500) -> None:
        self.config = config
        self.database = database
        self.bus = bus
        self.clock = clock
        self.members = members
        self.platforms = platforms
        self.gatherer = gatherer
        self.batch_size = batch_size
        self.rules = [BadgeRule(key, d.name, d.emoji, d.description, parse(d.when))
                      for key, d in config.active().items()]
        self.by_key = {rule.key: rule for rule in self.rules}
        self.needs = needs_of([rule.condition for rule in self.rules])
        self.dirty: set[int] = set()
        self.dirty_posts: set[str] = set()
        self.recomputing: tuple[int, int] | None = None
        self._lock = asyncio.Lock()

    # --- collecting (hot path: set inserts only) --------------------------------------------------

    def mark(self, member_id: int) -> None:
        self.dirty.add(member_id)

    async def on_points(self, event: PointsAwarded) -> None:
        if event.amount < 0:
            return  # a reversal never makes a badge condition true
        self.dirty.add(event.member_id)
        if self.needs.reactors and event.rule == "reaction_given":
            post = reaction_post(event.source_key)
            if post is not None:
                self.dirty_posts.add(post)

    # --- evaluating -------------------------------------------------------------------------------

    async def evaluate_pending(self) -> Changes:
        """Evaluate every member marked since the last run (the periodic job; tests call it directly)."""
        changes = Changes()
        while self.dirty or self.dirty_posts:
            posts, self.dirty_posts = list(self.dirty_posts), set()
            for start in range(0, len(posts), self.batch_size):
                self.dirty.update(await self._post_authors(posts[start:start + self.batch_size]))
            batch = [self.dirty.pop() for _ in range(min(self.batch_size, len(self.dirty)))]
            if batch:
                result = await self.evaluate(sorted(batch))
                changes.granted += result.granted
        return changes

    async def _post_authors(self, posts: Sequence[str]) -> set[int]:
        async with self.database.session() as session:
            rows = await session.scalars(select(PostStats.author_member_id).where(
                PostStats.post_key.in_(posts), PostStats.author_member_id.is_not(None)))
            return {int(author) for author in rows.all()}

    async def evaluate(self, member_ids: Sequence[int], *, announce: bool = True, revoke: bool = False) -> Changes:
        """Grant what the members have earned; with ``revoke``, take back what they no longer meet."""
        async with self._lock:
            changes = await self._evaluate(member_ids, revoke)
        for member_id, badge in changes.granted:
            await self.bus.publish(BadgeEarned(member_id=member_id, badge=badge, at=self.clock.now()))
            if announce:
                await self._announce(member_id, self.by_key[badge])
        return changes

    async def _evaluate(self, member_ids: Sequence[int], revoke: bool) -> Changes:
        facts = await self.gatherer.gather(member_ids, self.needs)
        async with self.database.session() as session:
            rows = await session.execute(select(MemberBadge.member_id, MemberBadge.badge)
                                         .where(MemberBadge.member_id.in_(member_ids)))
            held = set(rows.all())
        earned = {(member_id, rule.key) for member_id in member_ids for rule in self.rules
                  if rule.condition.holds(facts.get(member_id, Facts()))}
        changes = Changes(granted=sorted(earned - held), revoked=sorted(held - earned) if revoke else [])
        if not changes.granted and not changes.revoked:
            return changes
        now = self.clock.now()
        table = MemberBadge.__table__
        async with self.database.session() as session, session.begin():
            # Another process sharing the database may grant (or revoke) the same badge between the read above
            # and this write: only the rows this write really changed are ours to announce.
            if changes.granted:
                inserted = await session.execute(
                    insert_ignoring(session.bind.dialect.name, table, ["member_id", "badge"])
                    .values([{"member_id": m, "badge": b, "earned_at": now} for m, b in changes.granted])
                    .returning(table.c.member_id, table.c.badge))
                changes.granted = sorted((int(m), str(b)) for m, b in inserted.all())
            if changes.revoked:
                deleted = await session.execute(table.delete().where(
                    tuple_(table.c.member_id, table.c.badge).in_(changes.revoked))
                    .returning(table.c.member_id, table.c.badge))
                changes.revoked = sorted((int(m), str(b)) for m, b in deleted.all())
        for member_id, badge in changes.granted:
            log.info("member %d earned badge %s", member_id, badge)
        for member_id, badge in changes.revoked:
            log.info("member %d lost badge %s (recompute with revoke)", member_id, badge)
        return changes

    async def _announce(self, member_id: int, rule: BadgeRule) -> None:
        if not self.config.announce_channel:
            return
        place = place_from_key(self.config.announce_channel)
        platform = self.platforms.get(place.platform)
        if platform is None:
            log.info("badge %s for member %d not announced: %s isn't connected", rule.key, member_id, place.platform)
            return
        view = await self.members.get(member_id)
        who = view.display_name if view else "A member"
        try:
            sent = await platform.send(place, Reply(title="🏅 New badge", tone="success",
                                                    text=f"{who} earned {rule.label} — {rule.how}!"))
        except Exception:
            log.warning("announcing badge %s for member %d failed", rule.key, member_id, exc_info=True)
            return
        if sent is None:
            log.warning("couldn't announce badge %s in %s", rule.key, self.config.announce_channel)

    async def recompute(self, *, revoke: bool = False, progress: Progress | None = None) -> RecomputeReport:
        """Re-evaluate every member after a rule change; granted quietly (no channel flood), never revoked
        unless asked. ``progress(done, total)`` is called after each batch."""
        started = time.monotonic()
        async with self.database.session() as session:
            total = int(await session.scalar(select(func.count()).select_from(Member)
                                             .where(Member.merged_into.is_(None))) or 0)
        granted: dict[str, int] = {}
        revoked: dict[str, int] = {}
        done, after = 0, 0
        self.recomputing = (0, total)
        try:
            while True:
                async with self.database.session() as session:
                    ids = list(await session.scalars(select(Member.id).where(
                        Member.merged_into.is_(None), Member.id > after).order_by(Member.id).limit(self.batch_size)))
                if not ids:
                    break
                after = ids[-1]
                changes = await self.evaluate(ids, announce=False, revoke=revoke)
                for _, badge in changes.granted:
                    granted[badge] = granted.get(badge, 0) + 1
                for _, badge in changes.revoked:
                    revoked[badge] = revoked.get(badge, 0) + 1
                done += len(ids)
                self.recomputing = (done, max(total, done))
                log.info("badges recompute: %d/%d members, %d granted, %d revoked", done, max(total, done),
                         sum(granted.values()), sum(revoked.values()))
                if progress is not None:
                    progress(done, max(total, done))
        finally:
            self.recomputing = None
        return RecomputeReport(done, granted, revoked, time.monotonic() - started)

    # --- reading ----------------------------------------------------------------------------------

    async def earned(self, member_id: int) -> list[tuple[str, datetime]]:
        async with self.database.session() as session:
            rows = await session.execute(select(MemberBadge.badge, MemberBadge.earned_at)
                                         .where(MemberBadge.member_id == member_id)
                                         .order_by(MemberBadge.earned_at, MemberBadge.badge))
            return list(rows.all())

    async def facts(self, member_id: int) -> Facts:
        return (await self.gatherer.gather([member_id], self.needs))[member_id]

    def label(self, key: str) -> str:
        rule = self.by_key.get(key)
        # A badge no longer configured keeps showing, by its key, until a revoke recompute removes it.
        return rule.label if rule else f"🏅 {key.replace('_', ' ').title()}"

    # --- merging ----------------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        """Two members are one person: the kept one holds both sets of badges (the earlier date wins)."""
        async with self._lock, self.database.session() as session, session.begin():
            rows = (await session.execute(select(MemberBadge.badge, MemberBadge.earned_at)
                                          .where(MemberBadge.member_id.in_((kept, merged))))).all()
            first: dict[str, datetime] = {}
            for badge, earned_at in rows:
                first[badge] = min(earned_at, first.get(badge, earned_at))
            await session.execute(delete(MemberBadge).where(MemberBadge.member_id.in_((kept, merged))))
            if first:
                session.add_all(MemberBadge(member_id=kept, badge=b, earned_at=at) for b, at in first.items())
        self.dirty.discard(merged)
        self.dirty.add(kept)
