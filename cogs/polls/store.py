"""Polls, their posts and votes in the database.

A vote is read-modify-write (a member's new choice replaces the old one, and the option counters move by
the difference), so it runs under one lock in this process and, on PostgreSQL, with the poll row locked
(``FOR UPDATE``), so two votes of one member arriving together from two platforms can't both count.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.platform import Place
from storage.database import Database
from storage.models import MemberTier, PollOption, PollPost, PollVote
from storage.models import Poll as PollRow

Selection = frozenset[int]
# Given the member's current selection and the platform that cast it (None, None when they haven't
# voted), the new selection: empty retracts the vote, None leaves everything as it is.
Chooser = Callable[[Selection | None, str | None], Selection | None]


@dataclass(frozen=True)
class PollView:
    id: int
    question: str
    options: tuple[str, ...]
    counts: tuple[int, ...]
    multiple: bool
    anonymous: bool
    audience: str | None
    created_by: int
    closes_at: datetime
    closed_at: datetime | None
    voters: int

    def is_closed(self, now: datetime) -> bool:
        return self.closed_at is not None or now >= self.closes_at


@dataclass(frozen=True)
class PostView:
    id: int
    poll_id: int
    place: Place
    message_id: str | None
    native: bool


@dataclass(frozen=True)
class VoteChange:
    before: Selection | None
    after: Selection | None

    @property
    def changed(self) -> bool:
        return (self.before or frozenset()) != (self.after or frozenset())


def _encode(selection: Selection) -> str:
    return ",".join(str(n) for n in sorted(selection))


def _decode(text: str) -> Selection:
    return frozenset(int(part) for part in text.split(",") if part)


def _post_view(row: PollPost) -> PostView:
    place = Place(platform=row.platform, chat_id=row.chat_id, thread_id=row.thread_id, guild_id=row.guild_id)
    return PostView(row.id, row.poll_id, place, row.message_id, row.native)


class PollStore:
    def __init__(self, database: Database) -> None:
        self.database = database
        self._vote_lock = asyncio.Lock()

    async def create(self, *, question: str, options: Sequence[str], multiple: bool, anonymous: bool,
                     audience: str | None, created_by: int, now: datetime, closes_at: datetime,
                     places: Sequence[Place]) -> tuple[int, list[PostView]]:
        async with self.database.session() as session, session.begin():
            poll = PollRow(question=question, multiple=multiple, anonymous=anonymous, audience=audience,
                           created_by=created_by, created_at=now, closes_at=closes_at, voters=0)
            session.add(poll)
            await session.flush()
            session.add_all(PollOption(poll_id=poll.id, position=n, label=label, votes=0)
                            for n, label in enumerate(options))
            posts = [PollPost(poll_id=poll.id, platform=p.platform, chat_id=p.chat_id, thread_id=p.thread_id,
                              guild_id=p.guild_id, native=False) for p in places]
            session.add_all(posts)
            await session.flush()
            return poll.id, [_post_view(row) for row in posts]

    async def set_message(self, post_id: int, message_id: str | None, native: bool) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(PollPost).where(PollPost.id == post_id)
                                  .values(message_id=message_id, native=native))

    async def _view(self, session: AsyncSession, row: PollRow) -> PollView:
        options = (await session.execute(select(PollOption.label, PollOption.votes)
                                         .where(PollOption.poll_id == row.id).order_by(PollOption.position))).all()
        return PollView(row.id, row.question, tuple(o.label for o in options), tuple(o.votes for o in options),
                        row.multiple, row.anonymous, row.audience, row.created_by, row.closes_at, row.closed_at,
                        row.voters)

    async def get(self, poll_id: int) -> PollView | None:
        async with self.database.session() as session:
            row = await session.get(PollRow, poll_id)
            return None if row is None else await self._view(session, row)

    async def open_polls(self, now: datetime, limit: int = 10) -> list[PollView]:
        async with self.database.session() as session:
            rows = (await session.scalars(select(PollRow).where(PollRow.closed_at.is_(None), PollRow.closes_at > now)
                                          .order_by(PollRow.closes_at).limit(limit))).all()
            return [await self._view(session, row) for row in rows]

    async def posts(self, poll_id: int) -> list[PostView]:
        async with self.database.session() as session:
            rows = (await session.scalars(select(PollPost).where(PollPost.poll_id == poll_id)
                                          .order_by(PollPost.id))).all()
        return [_post_view(row) for row in rows]

    async def post(self, post_id: int) -> PostView | None:
        async with self.database.session() as session:
            row = await session.get(PollPost, post_id)
        return None if row is None else _post_view(row)

    async def post_by_message(self, platform: str, message_id: str) -> PostView | None:
        """The post a native answer belongs to, where the platform names polls by message (Discord)."""
        async with self.database.session() as session:
            row = (await session.scalars(select(PollPost).where(PollPost.platform == platform,
                                                                PollPost.message_id == message_id).limit(1))).first()
        return None if row is None else _post_view(row)

    async def member_tier(self, member_id: int) -> str | None:
        async with self.database.session() as session:
            return await session.scalar(select(MemberTier.tier).where(MemberTier.member_id == member_id))

    async def vote(self, poll_id: int, member_id: int, platform: str, choose: Chooser, at: datetime) -> VoteChange:
        async with self._vote_lock, self.database.session() as session, session.begin():
            # Locks the poll row on PostgreSQL (ignored by SQLite, where the process lock above serialises).
            await session.execute(select(PollRow.id).where(PollRow.id == poll_id).with_for_update())
            current = await session.get(PollVote, (poll_id, member_id))
            before = _decode(current.options) if current is not None else None
            after = choose(before, current.platform if current is not None else None)
            if after is None or (before is not None and after == before) or (before is None and not after):
                return VoteChange(before, before)
            for position in (before or frozenset()) - after:
                await self._add(session, poll_id, position, -1)
            for position in after - (before or frozenset()):
                await self._add(session, poll_id, position, +1)
            if not after:
                assert current is not None
                await session.delete(current)
                await session.execute(update(PollRow).where(PollRow.id == poll_id).values(voters=PollRow.voters - 1))
            elif current is None:
                session.add(PollVote(poll_id=poll_id, member_id=member_id, options=_encode(after), platform=platform,
                                     voted_at=at))
                await session.execute(update(PollRow).where(PollRow.id == poll_id).values(voters=PollRow.voters + 1))
            else:
                current.options, current.platform, current.voted_at = _encode(after), platform, at
            return VoteChange(before, after)

    @staticmethod
    async def _add(session: AsyncSession, poll_id: int, position: int, delta: int) -> None:
        await session.execute(update(PollOption).where(PollOption.poll_id == poll_id, PollOption.position == position)
                              .values(votes=PollOption.votes + delta))

    async def due(self, now: datetime) -> list[int]:
        async with self.database.session() as session:
            return list((await session.scalars(select(PollRow.id).where(PollRow.closed_at.is_(None),
                                                                        PollRow.closes_at <= now))).all())

    async def claim_close(self, poll_id: int, now: datetime) -> bool:
        """Mark the poll closed; True only for the one caller whose update took effect (it posts the results)."""
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(PollRow).where(PollRow.id == poll_id, PollRow.closed_at.is_(None))
                                           .values(closed_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def merge(self, kept: int, merged: int) -> None:
        """Linked accounts are one member: one vote per poll survives (the newer), counters recomputed."""
        async with self._vote_lock, self.database.session() as session, session.begin():
            theirs = (await session.scalars(select(PollVote).where(PollVote.member_id == merged))).all()
            touched: set[int] = set()
            for vote in theirs:
                mine = await session.get(PollVote, (vote.poll_id, kept))
                touched.add(vote.poll_id)
                if mine is None:
                    await session.execute(update(PollVote).where(PollVote.poll_id == vote.poll_id,
                                                                 PollVote.member_id == merged)
                                          .values(member_id=kept))
                    continue
                if vote.voted_at > mine.voted_at:
                    mine.options, mine.platform, mine.voted_at = vote.options, vote.platform, vote.voted_at
                await session.execute(delete(PollVote).where(PollVote.poll_id == vote.poll_id,
                                                             PollVote.member_id == merged))
            await session.execute(update(PollRow).where(PollRow.created_by == merged).values(created_by=kept))
            await session.flush()
            for poll_id in touched:
                await self._recount(session, poll_id)

    @staticmethod
    async def _recount(session: AsyncSession, poll_id: int) -> None:
        votes = (await session.scalars(select(PollVote.options).where(PollVote.poll_id == poll_id))).all()
        counts: dict[int, int] = {}
        for options in votes:
            for position in _decode(options):
                counts[position] = counts.get(position, 0) + 1
        positions = (await session.scalars(select(PollOption.position).where(PollOption.poll_id == poll_id))).all()
        for position in positions:
            await session.execute(update(PollOption).where(PollOption.poll_id == poll_id,
                                                           PollOption.position == position)
                                  .values(votes=counts.get(position, 0)))
        await session.execute(update(PollRow).where(PollRow.id == poll_id).values(voters=len(votes)))
