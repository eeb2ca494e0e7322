"""Lifecycle rows in the database: stages, history, active weeks, and the facts stages are decided from.

Facts come from maintained aggregates and keyed look-ups (``rule_counts``, the checklist's completion,
the member's active-week rows), gathered for a whole batch of members in a handful of queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.lifecycle.stages import RANK, Facts
from storage.database import Database
from storage.models import (
    ActiveWeek,
    LifecycleMember,
    Member,
    OnboardingMember,
    RuleCount,
    StageHistory,
)
from storage.upsert import insert_ignoring


@dataclass(frozen=True)
class Stored:
    stage: str
    stage_since: datetime
    first_action_at: datetime | None
    last_active_at: datetime | None


@dataclass(frozen=True)
class HistoryLine:
    old_stage: str | None
    new_stage: str
    at: datetime
    reason: str


def dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


async def record_activity(session: AsyncSession, activity: dict[int, tuple[datetime, set[str]]]) -> None:
    """Last-active times and active weeks for members already in ``lifecycle_members`` or about to be."""
    weeks = [{"member_id": m, "week": w} for m, (_, found) in sorted(activity.items()) for w in sorted(found)]
    if weeks:
        await session.execute(insert_ignoring(dialect(session), ActiveWeek.__table__, ["member_id", "week"]), weeks)
    for member_id, (at, _) in sorted(activity.items()):  # id order: see LifecycleService._restage
        await session.execute(update(LifecycleMember).where(
            LifecycleMember.member_id == member_id,
            (LifecycleMember.last_active_at.is_(None)) | (LifecycleMember.last_active_at < at))
            .values(last_active_at=at))


async def live_members(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, datetime]:
    """Members that still exist as themselves (not merged or forgotten), with when Hearth first saw them."""
    rows = await session.execute(select(Member.id, Member.joined_at).where(
        Member.id.in_(list(member_ids)), Member.merged_into.is_(None)))
    return {member_id: joined for member_id, joined in rows.all()}


async def stored_rows(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, Stored]:
    rows = await session.scalars(select(LifecycleMember).where(LifecycleMember.member_id.in_(member_ids)))
    return {r.member_id: Stored(r.stage, r.stage_since, r.first_action_at, r.last_active_at) for r in rows}


async def gather_facts(session: AsyncSession, joined: dict[int, datetime], stored: dict[int, Stored],
                       rules: Sequence[str], weeks: Sequence[str],
                       first_actions: dict[int, datetime]) -> dict[int, Facts]:
    ids = list(joined)
    done = set(await session.scalars(select(OnboardingMember.member_id).where(
        OnboardingMember.member_id.in_(ids), OnboardingMember.completed_at.is_not(None))))
    counts: dict[int, dict[str, int]] = {}
    for member_id, rule, count in (await session.execute(select(RuleCount.member_id, RuleCount.rule, RuleCount.count)
                                                         .where(RuleCount.member_id.in_(ids),
                                                                RuleCount.rule.in_(list(rules))))).all():
        counts.setdefault(member_id, {})[rule] = count
    active = dict((await session.execute(select(ActiveWeek.member_id, func.count()).where(
        ActiveWeek.member_id.in_(ids), ActiveWeek.week.in_(list(weeks))).group_by(ActiveWeek.member_id))).all())
    facts = {}
    for member_id, joined_at in joined.items():
        row = stored.get(member_id)
        first = row.first_action_at if row else None
        if first is None:
            first = first_actions.get(member_id)
        facts[member_id] = Facts(joined_at=joined_at, checklist_done=member_id in done, first_action_at=first,
                                 active_weeks=int(active.get(member_id, 0)), rule_counts=counts.get(member_id, {}),
                                 last_active_at=row.last_active_at if row else None)
    return facts


async def stage_of(database: Database, member_id: int) -> Stored | None:
    async with database.session() as session:
        return (await stored_rows(session, [member_id])).get(member_id)


async def stages_of(database: Database, member_ids: Sequence[int]) -> dict[int, str]:
    """Current stages (members never staged are missing: treat them as new)."""
    if not member_ids:
        return {}
    async with database.session() as session:
        rows = await session.execute(select(LifecycleMember.member_id, LifecycleMember.stage)
                                     .where(LifecycleMember.member_id.in_(list(member_ids))))
        return dict(rows.all())


async def history(database: Database, member_id: int, limit: int = 10) -> list[HistoryLine]:
    async with database.session() as session:
        rows = await session.scalars(select(StageHistory).where(StageHistory.member_id == member_id)
                                     .order_by(StageHistory.at.desc(), StageHistory.id.desc()).limit(limit))
        return [HistoryLine(r.old_stage, r.new_stage, r.at, r.reason) for r in rows]


async def stage_counts(database: Database) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(select(LifecycleMember.stage, func.count()).group_by(LifecycleMember.stage))
        return {stage: int(count) for stage, count in rows.all()}


async def members_in(database: Database, stage: str, limit: int) -> list[tuple[int, str, datetime]]:
    """The members in a stage, most recent arrivals first: (id, name, since)."""
    async with database.session() as session:
        rows = await session.execute(
            select(LifecycleMember.member_id, Member.display_name, LifecycleMember.stage_since)
            .join(Member, Member.id == LifecycleMember.member_id)
            .where(LifecycleMember.stage == stage)
            .order_by(LifecycleMember.stage_since.desc(), LifecycleMember.member_id).limit(limit))
        return [(member_id, name, since) for member_id, name, since in rows.all()]


async def entered_since(database: Database, stage: str, since: datetime) -> list[tuple[int, str, datetime]]:
    """Members now in ``stage`` who entered it after ``since``: (id, name, when they entered)."""
    async with database.session() as session:
        rows = await session.execute(
            select(LifecycleMember.member_id, Member.display_name, LifecycleMember.stage_since)
            .join(Member, Member.id == LifecycleMember.member_id)
            .where(LifecycleMember.stage == stage, LifecycleMember.stage_since >= since)
            .order_by(LifecycleMember.member_id))
        return [(member_id, name, at) for member_id, name, at in rows.all()]


async def all_staged(database: Database, after: int, limit: int) -> list[int]:
    """Staged members in id order, a page at a time (the nightly recompute)."""
    async with database.session() as session:
        return list(await session.scalars(select(LifecycleMember.member_id).where(LifecycleMember.member_id > after)
                                          .order_by(LifecycleMember.member_id).limit(limit)))


async def unstaged_onboarded(database: Database) -> list[int]:
    """Members welcomed by onboarding (a /start, say) whom no event has staged yet (few: one night's worth)."""
    async with database.session() as session:
        return list(await session.scalars(
            select(OnboardingMember.member_id)
            .outerjoin(LifecycleMember, LifecycleMember.member_id == OnboardingMember.member_id)
            .where(LifecycleMember.member_id.is_(None)).order_by(OnboardingMember.member_id)))


async def merge(database: Database, kept: int, merged: int) -> None:
    """Move the merged member's lifecycle rows to the kept one: weeks and history join, the better stage stays."""
    async with database.session() as session, session.begin():
        rows = await stored_rows(session, [kept, merged])
        weeks = list(await session.scalars(select(ActiveWeek.week).where(ActiveWeek.member_id == merged)))
        if weeks:
            await session.execute(insert_ignoring(dialect(session), ActiveWeek.__table__, ["member_id", "week"]),
                                  [{"member_id": kept, "week": week} for week in weeks])
        await session.execute(delete(ActiveWeek).where(ActiveWeek.member_id == merged))
        await session.execute(update(StageHistory).where(StageHistory.member_id == merged).values(member_id=kept))
        other = rows.get(merged)
        if other is None:
            return
        mine = rows.get(kept)
        if mine is None:
            await session.execute(update(LifecycleMember).where(LifecycleMember.member_id == merged)
                                  .values(member_id=kept))
            return
        values: dict[str, object] = {}
        if RANK.get(other.stage, 0) > RANK.get(mine.stage, 0):
            values.update(stage=other.stage, stage_since=other.stage_since)
        if other.first_action_at and (mine.first_action_at is None or other.first_action_at < mine.first_action_at):
            values["first_action_at"] = other.first_action_at
        if other.last_active_at and (mine.last_active_at is None or other.last_active_at > mine.last_active_at):
            values["last_active_at"] = other.last_active_at
        if values:
            await session.execute(update(LifecycleMember).where(LifecycleMember.member_id == kept).values(**values))
        await session.execute(delete(LifecycleMember).where(LifecycleMember.member_id == merged))
