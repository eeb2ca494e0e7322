"""Read side of the points engine: every figure comes from a maintained aggregate, never a SUM()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from storage.database import Database
from storage.models import Member, MemberScore, RuleCount, Season


@dataclass(frozen=True)
class Standing:
    member_id: int
    display_name: str
    value: int


@dataclass(frozen=True)
class Scores:
    lifetime: int
    week: int
    season: int


async def leaderboard(database: Database, period: str, category: str, limit: int) -> list[Standing]:
    column = getattr(MemberScore, category)
    query = (select(MemberScore.member_id, Member.display_name, column)
             .join(Member, Member.id == MemberScore.member_id)
             .where(MemberScore.period == period, column > 0)
             .order_by(column.desc(), MemberScore.member_id)
             .limit(limit))
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [Standing(member_id, name, value) for member_id, name, value in rows]


async def member_scores(database: Database, member_id: int, week: str, season: str | None) -> Scores:
    periods = ["all", week] + ([season] if season else [])
    async with database.session() as session:
        rows = dict((await session.execute(
            select(MemberScore.period, MemberScore.points)
            .where(MemberScore.member_id == member_id, MemberScore.period.in_(periods)))).all())
    return Scores(rows.get("all", 0), rows.get(week, 0), rows.get(season, 0) if season else 0)


async def rule_counts(database: Database, member_id: int) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(select(RuleCount.rule, RuleCount.count).where(RuleCount.member_id == member_id))
        return dict(rows.all())


async def current_season(database: Database) -> Season | None:
    async with database.session() as session:
        return await session.scalar(select(Season).where(Season.ended_at.is_(None)).order_by(Season.id.desc()))
