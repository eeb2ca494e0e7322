"""Ideas, votes, drafts, board cards and roadmap reveals in the database.

A vote is an INSERT … ON CONFLICT DO NOTHING on (idea, member): the idea's vote counter moves only when
the row was really inserted, in the same transaction, so one member counts once however often they press.
A status change is a conditional UPDATE on the status it was read with, so two moderators racing can't
both ship (and both credit) the same idea.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, delete, select, update

from storage.database import Database
from storage.models import Idea, IdeaDraft, IdeaPost, IdeaVote, Member, RoadmapReveal
from storage.upsert import insert_ignoring

LISTED = ("open", "planned", "in_progress")


@dataclass(frozen=True)
class IdeaView:
    id: int
    title: str
    author_member_id: int
    author_name: str
    status: str
    note: str | None
    votes: int
    created_at: datetime
    status_changed_at: datetime
    shipped_at: datetime | None


def _query() -> Select[tuple[Idea, str]]:
    return select(Idea, Member.display_name).join(Member, Member.id == Idea.author_member_id)


def _view(row: Idea, name: str) -> IdeaView:
    return IdeaView(row.id, row.title, row.author_member_id, name, row.status, row.status_note, row.votes,
                    row.created_at, row.status_changed_at, row.shipped_at)


class IdeaStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._dialect = "sqlite" if database.is_sqlite else "postgresql"

    async def add(self, title: str, author: int, now: datetime) -> int:
        async with self.database.session() as session, session.begin():
            idea = Idea(title=title, author_member_id=author, created_at=now, status="open", status_changed_at=now,
                        votes=0)
            session.add(idea)
            await session.flush()
            return idea.id

    async def get(self, idea_id: int) -> IdeaView | None:
        async with self.database.session() as session:
            row = (await session.execute(_query().where(Idea.id == idea_id))).first()
        return None if row is None else _view(*row)

    async def titles(self, limit: int = 5000) -> list[tuple[int, str]]:
        """Titles duplicates are looked for among: every idea not declined, newest first."""
        async with self.database.session() as session:
            rows = await session.execute(select(Idea.id, Idea.title).where(Idea.status != "declined")
                                         .order_by(Idea.id.desc()).limit(limit))
            return [(idea_id, title) for idea_id, title in rows.all()]

    async def listing(self, view: str, member_id: int, limit: int) -> list[IdeaView]:
        query = _query()
        if view == "mine":
            query = query.where(Idea.author_member_id == member_id).order_by(Idea.id.desc())
        elif view == "new":
            query = query.where(Idea.status == "open").order_by(Idea.id.desc())
        else:
            query = query.where(Idea.status.in_(LISTED)).order_by(Idea.votes.desc(), Idea.id)
        async with self.database.session() as session:
            return [_view(*row) for row in (await session.execute(query.limit(limit))).all()]

    async def with_status(self, status: str, limit: int, since: datetime | None = None) -> list[IdeaView]:
        query = _query().where(Idea.status == status)
        if since is not None:
            query = query.where(Idea.shipped_at >= since).order_by(Idea.shipped_at.desc())
        else:
            query = query.order_by(Idea.votes.desc(), Idea.id)
        async with self.database.session() as session:
            return [_view(*row) for row in (await session.execute(query.limit(limit))).all()]

    async def vote(self, idea_id: int, member_id: int, now: datetime) -> bool:
        """True if this is the member's first vote on the idea (and it was counted)."""
        async with self.database.session() as session, session.begin():
            inserted = await session.execute(
                insert_ignoring(self._dialect, IdeaVote.__table__, ("idea_id", "member_id"))
                .values(idea_id=idea_id, member_id=member_id, voted_at=now))
            if not inserted.rowcount:  # type: ignore[attr-defined]
                return False
            await session.execute(update(Idea).where(Idea.id == idea_id).values(votes=Idea.votes + 1))
            return True

    async def voters(self, idea_id: int) -> list[int]:
        async with self.database.session() as session:
            return list((await session.scalars(select(IdeaVote.member_id).where(IdeaVote.idea_id == idea_id)
                                               .order_by(IdeaVote.voted_at))).all())

    async def names(self, member_ids: Sequence[int]) -> dict[int, str]:
        if not member_ids:
            return {}
        async with self.database.session() as session:
            rows = await session.execute(select(Member.id, Member.display_name).where(Member.id.in_(member_ids)))
            return {member_id: name for member_id, name in rows.all()}

    async def change_status(self, idea_id: int, old: str, new: str, note: str | None, now: datetime) -> bool:
        values: dict[str, object] = {"status": new, "status_note": note, "status_changed_at": now}
        if new == "shipped":
            values["shipped_at"] = now
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(Idea).where(Idea.id == idea_id, Idea.status == old).values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- drafts and board cards ----------------------------------------------------------------------

    async def add_draft(self, member_id: int, text: str, now: datetime) -> int:
        async with self.database.session() as session, session.begin():
            draft = IdeaDraft(member_id=member_id, text=text, created_at=now)
            session.add(draft)
            await session.flush()
            return draft.id

    async def file_draft(self, draft_id: int, member_id: int, now: datetime) -> tuple[int | None, str | None]:
        """File a held-back idea once: (new idea id, None), or (None / the idea filed earlier, why not)."""
        async with self.database.session() as session, session.begin():
            draft = await session.get(IdeaDraft, draft_id)
            if draft is None or draft.member_id != member_id:
                return None, "Only the member who wrote that idea can file it."
            if draft.filed_idea_id is not None:
                return draft.filed_idea_id, f"You already filed it as idea #{draft.filed_idea_id}."
            idea = Idea(title=draft.text, author_member_id=member_id, created_at=now, status="open",
                        status_changed_at=now, votes=0)
            session.add(idea)
            await session.flush()
            draft.filed_idea_id = idea.id
            return idea.id, None

    async def add_post(self, message_key: str, idea_id: int) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(insert_ignoring(self._dialect, IdeaPost.__table__, ("message_key",))
                                  .values(message_key=message_key, idea_id=idea_id))

    async def post_keys(self) -> dict[str, int]:
        async with self.database.session() as session:
            rows = await session.execute(select(IdeaPost.message_key, IdeaPost.idea_id))
            return {key: idea_id for key, idea_id in rows.all()}

    async def claim_reveal(self, quarter: str, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            inserted = await session.execute(insert_ignoring(self._dialect, RoadmapReveal.__table__, ("quarter",))
                                             .values(quarter=quarter, posted_at=now))
            return bool(inserted.rowcount)  # type: ignore[attr-defined]

    async def merge(self, kept: int, merged: int) -> None:
        """Linked accounts are one member: their ideas and drafts move, a double vote becomes one."""
        async with self.database.session() as session, session.begin():
            both = (await session.scalars(select(IdeaVote.idea_id).where(IdeaVote.member_id == merged).where(
                IdeaVote.idea_id.in_(select(IdeaVote.idea_id).where(IdeaVote.member_id == kept))))).all()
            if both:
                await session.execute(delete(IdeaVote).where(IdeaVote.member_id == merged,
                                                             IdeaVote.idea_id.in_(both)))
                await session.execute(update(Idea).where(Idea.id.in_(both)).values(votes=Idea.votes - 1))
            await session.execute(update(IdeaVote).where(IdeaVote.member_id == merged).values(member_id=kept))
            await session.execute(update(Idea).where(Idea.author_member_id == merged).values(author_member_id=kept))
            await session.execute(update(IdeaDraft).where(IdeaDraft.member_id == merged).values(member_id=kept))
