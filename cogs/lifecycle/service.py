"""Lifecycle stages: activity in, stages decided in batches, changes recorded, announced and sent to the CRM.

Listeners only touch memory (the member's first activity of the day, a meaningful award): the hot path
never waits on the database. A job every ``evaluate_seconds`` writes the activity and re-stages those
members in one transaction per batch; the nightly job re-stages everyone (demotions, the weekly window).
A stage change, its history row and its CRM outbox row commit together; the event follows the commit.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import StageChanged
from cogs.lifecycle import store
from cogs.lifecycle.config import STAGES, LifecycleConfig
from cogs.lifecycle.crm import EVENT_TYPE, stage_changed_data
from cogs.lifecycle.direct import DirectMessages
from cogs.lifecycle.outbox import Outbox
from cogs.lifecycle.sequences import SequenceSender, Step
from cogs.lifecycle.stages import Decision, Facts, decide, recent_weeks, week_key
from storage.database import Database
from storage.models import LifecycleMember, StageHistory
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.lifecycle")

BATCH = 500
SEEN_CACHE = 100_000  # (member, day) pairs remembered, so only a member's first activity of a day costs anything


class LifecycleService:
    def __init__(self, config: LifecycleConfig, *, community: str, timezone: tzinfo, database: Database,
                 bus: EventBus, clock: Clock, outbox: Outbox, dms: DirectMessages) -> None:
        self.config = config
        self.community = community
        self.timezone = timezone
        self.database = database
        self.bus = bus
        self.clock = clock
        self.outbox = outbox
        self.dms = dms
        self.sender = SequenceSender(database, dms, community, timedelta(days=config.late_days))
        self._activity: dict[int, tuple[datetime, set[str]]] = {}
        self._first_actions: dict[int, datetime] = {}
        self._dirty: set[int] = set()
        self._seen: OrderedDict[tuple[int, str], None] = OrderedDict()
        self._lock = asyncio.Lock()
        self.meaningful = frozenset(config.activated.meaningful_rules)
        self.watched_rules = self.meaningful | frozenset(config.advocate.rules)

    # --- what the listeners feed in (memory only) ----------------------------------------------

    def mark(self, member_id: int) -> None:
        """Re-stage this member in the next batch."""
        self._dirty.add(member_id)

    def active(self, member_id: int, at: datetime) -> None:
        """The member posted, reacted or earned points at ``at``."""
        day = at.astimezone(self.timezone).date().isoformat()
        if (member_id, day) in self._seen:
            return
        self._seen[(member_id, day)] = None
        if len(self._seen) > SEEN_CACHE:
            self._seen.popitem(last=False)
        last, weeks = self._activity.get(member_id, (at, set()))
        weeks.add(week_key(at, self.timezone))
        self._activity[member_id] = (max(last, at), weeks)
        self._dirty.add(member_id)

    def awarded(self, member_id: int, rule: str, amount: int, at: datetime) -> None:
        if amount > 0:
            self.active(member_id, at)
        if rule in self.meaningful and amount > 0:
            first = self._first_actions.get(member_id)
            self._first_actions[member_id] = at if first is None else min(first, at)
        if rule in self.watched_rules:
            self._dirty.add(member_id)

    def forget(self, member_id: int) -> None:
        self._dirty.discard(member_id)
        self._activity.pop(member_id, None)
        self._first_actions.pop(member_id, None)

    # --- re-staging ----------------------------------------------------------------------------

    async def evaluate_pending(self) -> list[StageChanged]:
        """Write pending activity and re-stage the members it concerns (what the job runs)."""
        async with self._lock:
            activity, self._activity = self._activity, {}
            firsts, self._first_actions = self._first_actions, {}
            dirty, self._dirty = self._dirty | set(activity) | set(firsts), set()
            if activity:
                async with self.database.session() as session, session.begin():
                    await store.record_activity(session, activity)
            return await self._restage(sorted(dirty), activity, firsts)

    async def recompute(self, member_ids: Iterable[int]) -> list[StageChanged]:
        async with self._lock:
            return await self._restage(sorted(set(member_ids)), {}, {})

    async def recompute_all(self) -> list[StageChanged]:
        """Every staged member, in batches (the nightly job; tests call it with the clock moved)."""
        await self.evaluate_pending()
        changes: list[StageChanged] = []
        # Welcomed members no event staged yet (a /start and nothing else) count as New from tonight.
        changes += await self.recompute(await store.unstaged_onboarded(self.database))
        after = 0
        while batch := await store.all_staged(self.database, after, BATCH):
            changes += await self.recompute(batch)
            after = batch[-1]
        log.info("nightly lifecycle recompute: %d stage changes", len(changes))
        return changes

    async def _restage(self, member_ids: list[int], activity: dict[int, tuple[datetime, set[str]]],
                       firsts: dict[int, datetime]) -> list[StageChanged]:
        changes: list[StageChanged] = []
        for start in range(0, len(member_ids), BATCH):
            batch = member_ids[start:start + BATCH]
            now = self.clock.now()
            async with self.database.session() as session, session.begin():
                joined = await store.live_members(session, batch)
                stored = await store.stored_rows(session, list(joined))
                weeks = recent_weeks(now, self.timezone, self.config.power_user.of_last_weeks)
                facts = await store.gather_facts(session, joined, stored, sorted(self.watched_rules), weeks, firsts)
                # Members in id order, here and in record_activity: two processes re-staging overlapping batches
                # lock rows in the same order, so they wait for each other instead of deadlocking.
                for member_id, fact in sorted(facts.items()):
                    fact = self._with_missed_action(fact, now)
                    last = activity.get(member_id, (None, None))[0]
                    change = await self._apply(session, member_id, stored.get(member_id), fact, last, now)
                    if change is not None:
                        changes.append(change)
        for change in changes:
            await self.bus.publish(change)
        if changes and self.outbox.enabled:
            self.outbox.wake()
        return changes

    def _with_missed_action(self, facts: Facts, now: datetime) -> Facts:
        # A meaningful award whose event this process didn't see (a restart) still counts, dated now.
        counts = facts.rule_counts or {}
        if facts.first_action_at is None and any(counts.get(rule, 0) > 0 for rule in self.meaningful):
            return replace(facts, first_action_at=now)
        return facts

    async def _apply(self, session: AsyncSession, member_id: int, row: store.Stored | None, facts: Facts,
                     last_active: datetime | None, now: datetime) -> StageChanged | None:
        if row is None:
            facts = replace(facts, last_active_at=last_active)
            decision = decide(None, facts, self.config, now)
            inserted = await session.execute(insert_ignoring(store.dialect(session), LifecycleMember.__table__,
                                                             ["member_id"]).values(
                member_id=member_id, stage=decision.stage, stage_since=now, joined_at=facts.joined_at,
                last_active_at=last_active, first_action_at=facts.first_action_at))
            if not inserted.rowcount:  # type: ignore[attr-defined]
                return None  # another process staged them first
            return await self._record(session, member_id, None, decision, now)
        decision = decide(row.stage, facts, self.config, now)
        values: dict[str, object] = {}
        if row.first_action_at is None and facts.first_action_at is not None:
            values["first_action_at"] = facts.first_action_at
        moved = decision.stage != row.stage
        if moved:
            values.update(stage=decision.stage, stage_since=now)
        if values:
            statement = update(LifecycleMember).where(LifecycleMember.member_id == member_id)
            if moved:
                # Compare-and-set: another process may have re-staged them since the read (both nightly jobs run);
                # then that one recorded the change, its history row and its CRM webhook — not this one too.
                statement = statement.where(LifecycleMember.stage == row.stage)
            result = await session.execute(statement.values(**values))
            if moved and not result.rowcount:  # type: ignore[attr-defined]
                return None
        if not moved:
            return None
        return await self._record(session, member_id, row.stage, decision, now)

    async def _record(self, session: AsyncSession, member_id: int, old: str | None, decision: Decision,
                      now: datetime) -> StageChanged:
        session.add(StageHistory(member_id=member_id, old_stage=old, new_stage=decision.stage, at=now,
                                 reason=decision.reason[:120]))
        if self.outbox.enabled:
            data = await stage_changed_data(session, member_id, old, decision.stage,
                                            self.config.name_of(decision.stage), decision.reason, now, self.community)
            await self.outbox.add(session, EVENT_TYPE, member_id, data, now)
        log.info("member %d: %s → %s (%s)", member_id, old or "—", decision.stage, decision.reason)
        return StageChanged(member_id, old, decision.stage, now, decision.reason)

    # --- stage DM sequences --------------------------------------------------------------------

    async def send_stage_steps(self) -> dict[int, list[str]]:
        """Due steps of each member's *current* stage; steps of stages they left are never sent."""
        now = self.clock.now()
        results: dict[int, list[str]] = {}
        for stage in STAGES:
            plan = self.config.stages.get(stage)
            if plan is None or not plan.steps:
                continue
            horizon = timedelta(days=max(s.after_days for s in plan.steps) + self.config.late_days + 1)
            members = await store.entered_since(self.database, stage, now - horizon)
            ids = [m for m, _, _ in members]
            done = await self.sender.recorded(ids, f"stage:{stage}")
            opted_out = await self.dms.opted_out(ids)
            for member_id, name, since in members:
                steps = [Step(f"stage:{stage}", index, since + timedelta(days=step.after_days), step.text,
                              f"{self.community} — {plan.name}") for index, step in enumerate(plan.steps)]
                statuses = await self.sender.deliver(member_id, name, steps, now, opted_out=member_id in opted_out,
                                                     done=done)
                if statuses:
                    results[member_id] = statuses
        return results

    # --- merges --------------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        async with self._lock:
            if merged in self._activity:
                at, weeks = self._activity.pop(merged)
                mine = self._activity.get(kept, (at, set()))
                self._activity[kept] = (max(at, mine[0]), mine[1] | weeks)
            if merged in self._first_actions:
                first = self._first_actions.pop(merged)
                self._first_actions[kept] = min(first, self._first_actions.get(kept, first))
            self._dirty.discard(merged)
            await store.merge(self.database, kept, merged)
        self._dirty.add(kept)
