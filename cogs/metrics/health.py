"""Community health, computed from what features record (never estimated).

Each function takes a ``Period`` (whole local days) and reads maintained rows: ``metrics_member_days`` for
activity, ritual occurrences and weekly-active members, Q&A questions, UGC submissions, and — when the
onboarding feature is installed — its checklist completions (looked up by table name, so this module works
with or without that feature).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Table, func, select

from cogs.metrics.figures import Rate
from cogs.metrics.periods import Period
from cogs.qa.measures import median_time_to_first_answer
from storage.database import Database
from storage.models import Base, MemberActivityDay, RitualOccurrence, RitualWeeklyActive, UgcSubmission

MONTH_DAYS = 30
ACTIVATION_DAYS = 7
# The onboarding feature's table: joined_at, completed_at (checklist done) per member.
ONBOARDING_TABLE = "onboarding_members"


def feature_table(name: str) -> Table | None:
    """A table of an optional feature, if that feature's models are installed."""
    return Base.metadata.tables.get(name)


def _in(period: Period) -> tuple[object, ...]:
    return (MemberActivityDay.day >= period.first_key, MemberActivityDay.day < period.end_key)


async def active_members(database: Database, period: Period) -> int:
    """Members who posted or reacted on at least one day of the period."""
    async with database.session() as session:
        found = await session.scalar(select(func.count(func.distinct(MemberActivityDay.member_id)))
                                     .where(*_in(period)))
    return int(found or 0)


async def monthly_active_members(database: Database, period: Period) -> int:
    """Members active in the 30 days ending where the period ends."""
    return await active_members(database, Period.ending(period.end, MONTH_DAYS, period.timezone))


async def posts(database: Database, period: Period) -> int:
    async with database.session() as session:
        found = await session.scalar(select(func.coalesce(func.sum(MemberActivityDay.posts), 0)).where(*_in(period)))
    return int(found or 0)


async def posts_per_week(database: Database, period: Period) -> float:
    return await posts(database, period) * 7 / period.days


async def peer_interaction_rate(database: Database, period: Period) -> Rate:
    """Of the members active in the period, the share who replied to, mentioned or reacted to another member."""
    async with database.session() as session:
        row = (await session.execute(select(
            func.count(func.distinct(MemberActivityDay.member_id)),
            func.count(func.distinct(MemberActivityDay.member_id)).filter(MemberActivityDay.interactions > 0),
        ).where(*_in(period)))).one()
    return Rate(int(row[1]), int(row[0]))


async def ritual_attendance_rate(database: Database, period: Period) -> Rate:
    """Participants ÷ members active that week, pooled over the ritual occurrences held in the period.

    The same measure as the rituals feature's per-occurrence attendance; pooling weights each occurrence by
    its week's activity, so one quiet week doesn't swing the figure.
    """
    held = (select(RitualOccurrence.participants, RitualOccurrence.week)
            .where(RitualOccurrence.scheduled_at >= period.start, RitualOccurrence.scheduled_at < period.until,
                   RitualOccurrence.number > 0).subquery())
    active = (select(RitualWeeklyActive.week, func.count().label("members"))
              .where(RitualWeeklyActive.week.in_(select(held.c.week))).group_by(RitualWeeklyActive.week).subquery())
    async with database.session() as session:
        row = (await session.execute(select(func.coalesce(func.sum(held.c.participants), 0),
                                            func.coalesce(func.sum(active.c.members), 0))
                                     .select_from(held).outerjoin(active, active.c.week == held.c.week))).one()
    return Rate(int(row[0]), int(row[1]))


async def median_response_hours(database: Database, period: Period) -> float | None:
    """Median wait from a question to its first answer, for questions asked in the period (hours)."""
    wait = await median_time_to_first_answer(database, period.start, period.until)
    return wait / timedelta(hours=1) if wait is not None else None


async def activation_rate(database: Database, period: Period, within_days: int = ACTIVATION_DAYS) -> Rate | None:
    """Of the members who joined in the period shifted back ``within_days`` (so each had the full window), the
    share who completed the onboarding checklist within ``within_days`` of joining. None without onboarding."""
    table = feature_table(ONBOARDING_TABLE)
    if table is None:
        return None
    cohort = period.shifted(-within_days)
    async with database.session() as session:
        rows = (await session.execute(select(table.c.joined_at, table.c.completed_at).where(
            table.c.joined_at >= cohort.start, table.c.joined_at < cohort.until))).all()
    window = timedelta(days=within_days)
    # Compared in Python: date arithmetic differs between SQLite and PostgreSQL, and a cohort is small.
    done = sum(1 for joined, completed in rows if completed is not None and completed - joined <= window)
    return Rate(done, len(rows))


async def ugc_per_active_member(database: Database, period: Period) -> Rate:
    """Approved member content created in the period, per member active in it."""
    async with database.session() as session:
        created = await session.scalar(select(func.count()).select_from(UgcSubmission).where(
            UgcSubmission.status == "approved", UgcSubmission.created_at >= period.start,
            UgcSubmission.created_at < period.until))
    return Rate(int(created or 0), await active_members(database, period))
