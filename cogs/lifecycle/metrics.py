"""Lifecycle measures for reports: stage progression (New → Activated within N days) and advocate conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from storage.database import Database
from storage.models import LifecycleMember, StageHistory

BEYOND_NEW = ("activated", "power_user", "advocate")


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is None when there is nobody to measure."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None

    def describe(self) -> str:
        return f"{self.value:.0%} ({self.part} of {self.whole})" if self.value is not None else "no data yet"


async def stage_progression_rate(database: Database, *, now: datetime, within_days: int = 14,
                                 since: datetime | None = None) -> Rate:
    """Of the members who joined (since ``since``) at least ``within_days`` ago, the share who left New
    within ``within_days`` of joining. Members still inside their window aren't counted either way."""
    cutoff = now - timedelta(days=within_days)
    left_new = (select(StageHistory.member_id, func.min(StageHistory.at).label("at"))
                .where(StageHistory.new_stage.in_(BEYOND_NEW)).group_by(StageHistory.member_id).subquery())
    query = (select(LifecycleMember.joined_at, left_new.c.at)
             .outerjoin(left_new, left_new.c.member_id == LifecycleMember.member_id)
             .where(LifecycleMember.joined_at <= cutoff))
    if since is not None:
        query = query.where(LifecycleMember.joined_at >= since)
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    window = timedelta(days=within_days)
    # Compared in Python: date arithmetic differs between SQLite and PostgreSQL, and a cohort is small.
    part = sum(1 for joined, left in rows if left is not None and left - joined <= window)
    return Rate(part, len(rows))


async def advocate_conversion_rate(database: Database) -> Rate:
    """Of the members who ever got past New, the share who ever became an Advocate (demotions don't undo it)."""
    async with database.session() as session:
        whole = await session.scalar(select(func.count(func.distinct(StageHistory.member_id)))
                                     .where(StageHistory.new_stage.in_(BEYOND_NEW)))
        part = await session.scalar(select(func.count(func.distinct(StageHistory.member_id)))
                                    .where(StageHistory.new_stage == "advocate"))
    return Rate(int(part or 0), int(whole or 0))
