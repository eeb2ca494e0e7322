"""Read side of the points engine: every figure comes from a maintained aggregate, never a SUM()."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select

from storage.database import Database
from storage.models import Member, MemberPoints, MemberPreference, RuleCount, Season


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


async def leaderboard(database: Database, category: str, limit: int, *, week: str | None = None,
                      season_id: int | None = None, public: bool = True) -> list[Standing]:
    """Top members by lifetime ``category``, or by points this ``week`` / in this ``season_id``.

    ``public`` boards leave out members who chose ``/privacy leaderboard off``; records (a season's
    archived results, who won) pass ``public=False`` so a hidden member still gets what they earned.
    """
    if week is not None:
        column, window = MemberPoints.week_points, MemberPoints.week == week
    elif season_id is not None:
        column, window = MemberPoints.season_points, MemberPoints.season_id == season_id
    else:
        column = MemberPoints.lifetime if category == "points" else getattr(MemberPoints, category)
        window = None
    # `/privacy leaderboard off`: one primary-key probe per candidate row, so the index-ordered walk stays cheap.
    hidden = exists().where(MemberPreference.member_id == MemberPoints.member_id,
                            MemberPreference.show_on_leaderboard.is_(False))
    query = (select(MemberPoints.member_id, Member.display_name, column)
             .join(Member, Member.id == MemberPoints.member_id)
             .where(column > 0)
             # Ties: the later member first: the index's own order read backwards, so no sort at any size.
             .order_by(column.desc(), MemberPoints.member_id.desc())
             .limit(limit))
    if window is not None:
        query = query.where(window)
    if public:
        query = query.where(~hidden)
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [Standing(member_id, name, value) for member_id, name, value in rows]


async def member_scores(database: Database, member_id: int, week: str, season_id: int | None) -> Scores:
    query = select(MemberPoints.lifetime, MemberPoints.week, MemberPoints.week_points, MemberPoints.season_id,
                   MemberPoints.season_points).where(MemberPoints.member_id == member_id)
    async with database.session() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return Scores(0, 0, 0)
    lifetime, row_week, week_points, row_season, season_points = row
    return Scores(lifetime, week_points if row_week == week else 0,
                  season_points if season_id is not None and row_season == season_id else 0)


async def rule_counts(database: Database, member_id: int) -> dict[str, int]:
    async with database.session() as session:
        rows = await session.execute(select(RuleCount.rule, RuleCount.count).where(RuleCount.member_id == member_id))
        return {rule: count for rule, count in rows.all()}


async def current_season(database: Database) -> Season | None:
    async with database.session() as session:
        return await session.scalar(select(Season).where(Season.ended_at.is_(None)).order_by(Season.id.desc()))
