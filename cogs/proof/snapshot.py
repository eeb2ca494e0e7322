"""What the proof page shows, gathered in one pass: milestone figures, this month's wins, member content,
top contributors and shipped ideas.

Names appear only for members who said yes (``/privacy proof on``); contributors must also be visible on
leaderboards. Member content is listed only when its author agreed to show it on the store (UGC consent).
Every query reads an index or a small set (opted-in members, the month's ritual answers), so a snapshot of a
million-member community takes well under a second, and it is computed at most every ``cache_seconds``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, tzinfo
from typing import Any

from sqlalchemy import func, select

from cogs.proof.config import ProofConfig
from cogs.purchases.records import COUNTING
from cogs.ugc.store import UgcStore
from cogs.ugc.web import item
from storage.database import Database
from storage.models import (
    Idea,
    Member,
    MemberActivityDay,
    MemberPoints,
    MemberPreference,
    PostStats,
    Purchase,
    Ritual,
    RitualEntry,
    RitualOccurrence,
)
from storage.personal import TOMBSTONE_NAME

ANONYMOUS = "A community member"


@dataclass(frozen=True)
class Milestones:
    members: int
    posts_this_month: int
    orders_by_members: int
    rituals_held: int


@dataclass(frozen=True)
class Win:
    author: str
    ritual: str
    text: str
    reactions: int


@dataclass(frozen=True)
class Contributor:
    name: str
    points: int


@dataclass(frozen=True)
class ShippedIdea:
    title: str
    votes: int
    shipped_on: date | None
    suggested_by: str | None


@dataclass(frozen=True)
class ProofSnapshot:
    generated_at: datetime
    month: str
    milestones: Milestones
    wins: list[Win] = field(default_factory=list)
    highlights: list[dict[str, Any]] = field(default_factory=list)
    contributors: list[Contributor] = field(default_factory=list)
    ideas: list[ShippedIdea] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"generated_at": self.generated_at.isoformat(), "month": self.month,
                "milestones": asdict(self.milestones), "wins": [asdict(w) for w in self.wins],
                "highlights": self.highlights, "contributors": [asdict(c) for c in self.contributors],
                "shipped_ideas": [{**asdict(i), "shipped_on": i.shipped_on.isoformat() if i.shipped_on else None}
                                  for i in self.ideas]}


def _opted_in() -> Any:
    return select(MemberPreference.member_id).where(MemberPreference.show_on_proof.is_(True))


async def milestones(database: Database, month_start: datetime, month_key: str) -> Milestones:
    async with database.session() as session:
        members = await session.scalar(select(func.count()).select_from(Member).where(
            Member.merged_into.is_(None), Member.display_name != TOMBSTONE_NAME))
        posts = await session.scalar(select(func.coalesce(func.sum(MemberActivityDay.posts), 0))
                                     .where(MemberActivityDay.day >= month_key))
        orders = await session.scalar(select(func.count()).select_from(Purchase).where(
            Purchase.member_id.is_not(None), Purchase.status.in_(sorted(COUNTING))))
        held = await session.scalar(select(func.coalesce(func.sum(Ritual.held_count), 0)))
    return Milestones(int(members or 0), int(posts or 0), int(orders or 0), int(held or 0))


async def wins(database: Database, config: ProofConfig, month_start: datetime) -> list[Win]:
    """This month's ritual answers by opted-in members, the most-reacted first."""
    if not config.wins:
        return []
    reactions = func.coalesce(PostStats.reactors, 0)
    query = (select(Member.display_name, Ritual.name, RitualEntry.excerpt, reactions)
             .join(RitualOccurrence, RitualOccurrence.id == RitualEntry.occurrence_id)
             .join(Ritual, Ritual.id == RitualOccurrence.ritual_id)
             .join(Member, Member.id == RitualEntry.member_id)
             .outerjoin(PostStats, PostStats.post_key == RitualEntry.post_key)
             .where(RitualOccurrence.scheduled_at >= month_start, RitualEntry.member_id.in_(_opted_in()))
             .order_by(reactions.desc(), RitualEntry.at.desc()).limit(config.wins))
    if config.wins_rituals:
        query = query.where(Ritual.key.in_(config.wins_rituals))
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [Win(name, ritual, text, int(count)) for name, ritual, text, count in rows]


async def highlights(database: Database, config: ProofConfig) -> list[dict[str, Any]]:
    """Approved content its authors agreed to show on the store, featured first; named only with opt-in."""
    if not config.highlights:
        return []
    found = await UgcStore(database).feed(config.highlights * 2)
    found.sort(key=lambda s: (not s.featured, -(s.reviewed_at or s.created_at).timestamp()))
    found = found[:config.highlights]
    async with database.session() as session:
        named = set(await session.scalars(_opted_in().where(
            MemberPreference.member_id.in_([s.member_id for s in found]))))
    return [{**item(s), "author": s.author if s.member_id in named else ANONYMOUS} for s in found]


async def contributors(database: Database, config: ProofConfig) -> list[Contributor]:
    """The top opted-in members by lifetime points (those hidden from leaderboards are left out)."""
    if not config.contributors:
        return []
    query = (select(Member.display_name, MemberPoints.lifetime)
             .select_from(MemberPreference)
             .join(MemberPoints, MemberPoints.member_id == MemberPreference.member_id)
             .join(Member, Member.id == MemberPreference.member_id)
             .where(MemberPreference.show_on_proof.is_(True), MemberPreference.show_on_leaderboard.is_(True),
                    MemberPoints.lifetime > 0)
             .order_by(MemberPoints.lifetime.desc(), MemberPoints.member_id).limit(config.contributors))
    async with database.session() as session:
        return [Contributor(name, int(points)) for name, points in (await session.execute(query)).all()]


async def shipped_ideas(database: Database, config: ProofConfig, timezone: tzinfo) -> list[ShippedIdea]:
    if not config.ideas:
        return []
    named = Idea.author_member_id.in_(_opted_in()).label("named")
    query = (select(Idea.title, Idea.votes, Idea.shipped_at, Member.display_name, named)
             .join(Member, Member.id == Idea.author_member_id)
             .where(Idea.status == "shipped").order_by(Idea.shipped_at.desc(), Idea.id.desc()).limit(config.ideas))
    async with database.session() as session:
        rows = (await session.execute(query)).all()
    return [ShippedIdea(title, int(votes), shipped.astimezone(timezone).date() if shipped else None,
                        name if is_named else None) for title, votes, shipped, name, is_named in rows]


async def build(database: Database, config: ProofConfig, now: datetime, timezone: tzinfo) -> ProofSnapshot:
    local = now.astimezone(timezone)
    month_first = local.date().replace(day=1)
    month_start = datetime.combine(month_first, time(), timezone)
    return ProofSnapshot(
        generated_at=now, month=f"{local:%B %Y}",
        milestones=await milestones(database, month_start, month_first.isoformat()),
        wins=await wins(database, config, month_start), highlights=await highlights(database, config),
        contributors=await contributors(database, config), ideas=await shipped_ideas(database, config, timezone))
