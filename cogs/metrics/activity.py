"""Per-member daily activity from the chat events: posts, reactions given, interactions with another member.

Every message and reaction passes through here, so the hot path is dict updates: counts gather in memory per
(local day, member) and one job writes them in a batch (``flush``), adding to what is stored. Recent message
authors are remembered (bounded), so a reply to or a reaction on someone else's message counts as a peer
interaction without a query, and a replayed gateway event (same message id) isn't counted twice.
A crash loses at most one flush interval of counts.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from datetime import tzinfo

from sqlalchemy import delete, select

from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef
from cogs.members.service import MemberService
from cogs.metrics.periods import day_key, local_day
from storage.database import Database
from storage.models import MemberActivityDay
from storage.upsert import insert_adding

log = logging.getLogger("hearth.metrics")

COUNTERS = ("posts", "reactions", "interactions")
RECENT = 200_000  # message authors and reactions remembered for attribution and de-duplication


def _message_key(message: MessageRef) -> str:
    return f"{message.place.platform}:{message.place.chat_id}:{message.message_id}"


class _Bounded(OrderedDict[str, int]):
    """An insertion-ordered map that drops its oldest entries past ``RECENT``."""

    def remember(self, key: str, value: int) -> None:
        self[key] = value
        if len(self) > RECENT:
            self.popitem(last=False)


class ActivityRecorder:
    def __init__(self, database: Database, members: MemberService, timezone: tzinfo) -> None:
        self.database = database
        self.members = members
        self.timezone = timezone
        self._pending: dict[tuple[str, int], list[int]] = {}
        self._authors = _Bounded()
        self._reactions = _Bounded()

    def _count(self, day: str, member_id: int, index: int) -> None:
        counts = self._pending.get((day, member_id))
        if counts is None:
            counts = self._pending[(day, member_id)] = [0, 0, 0]
        counts[index] += 1

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot:
            return
        key = _message_key(event.message)
        if key in self._authors:
            return  # a replay of a message already counted
        member_id = await self.members.resolve(event.author)
        self._authors.remember(key, member_id)
        day = day_key(local_day(event.at, self.timezone))
        self._count(day, member_id, 0)
        replied_to = self._authors.get(_message_key(event.reply_to)) if event.reply_to else None
        mentions_other = any(not user.is_bot and user.user_id != event.author.user_id for user in event.mentions)
        if (replied_to is not None and replied_to != member_id) or mentions_other:
            self._count(day, member_id, 2)

    async def on_reaction(self, event: ReactionAdded) -> None:
        if event.user.is_bot:
            return
        key = _message_key(event.message)
        seen = f"{key}|{event.user.platform}:{event.user.user_id}|{event.emoji}"
        if seen in self._reactions:
            return
        member_id = await self.members.resolve(event.user)
        self._reactions.remember(seen, member_id)
        day = day_key(local_day(event.at, self.timezone))
        self._count(day, member_id, 1)
        author = self._authors.get(key)
        if author is None and event.message_author is not None and not event.message_author.is_bot:
            author = self.members.cached(event.message_author)  # no query on the hot path: known or skipped
        if author is not None and author != member_id:
            self._count(day, member_id, 2)

    async def flush(self) -> int:
        """Write what gathered since the last flush in one transaction; returns the rows written."""
        if not self._pending:
            return 0
        pending, self._pending = self._pending, {}
        rows = [{"day": day, "member_id": member_id, **dict(zip(COUNTERS, counts, strict=True))}
                for (day, member_id), counts in pending.items()]
        try:
            async with self.database.session() as session, session.begin():
                statement = insert_adding(session.bind.dialect.name, MemberActivityDay.__table__,
                                          ["day", "member_id"], COUNTERS)
                await session.execute(statement, rows)
        except Exception:
            # Put the counts back: the next flush tries again rather than losing them.
            for key, counts in pending.items():
                merged = self._pending.setdefault(key, [0, 0, 0])
                for index, value in enumerate(counts):
                    merged[index] += value
            raise
        return len(rows)

    async def merge(self, kept: int, merged: int) -> None:
        """Linked accounts are one person: the merged member's days add to the kept member's."""
        await self.flush()
        async with self.database.session() as session, session.begin():
            rows = (await session.execute(select(MemberActivityDay).where(MemberActivityDay.member_id == merged)
                                          )).scalars().all()
            moved = [{"day": row.day, "member_id": kept, **{name: getattr(row, name) for name in COUNTERS}}
                     for row in rows]
            if moved:
                await session.execute(insert_adding(session.bind.dialect.name, MemberActivityDay.__table__,
                                                    ["day", "member_id"], COUNTERS), moved)
                await session.execute(delete(MemberActivityDay).where(MemberActivityDay.member_id == merged))
        for key, value in list(self._authors.items()):
            if value == merged:
                self._authors[key] = kept

    async def forget(self, member_id: int) -> None:
        """A forgotten member: counts not yet written must not bring their rows back."""
        self._pending = {key: counts for key, counts in self._pending.items() if key[1] != member_id}
        for store in (self._authors, self._reactions):
            for key in [k for k, v in store.items() if v == member_id]:
                del store[key]
        # A flush that ran between the erase and this event may have written some again: remove them.
        async with self.database.session() as session, session.begin():
            await session.execute(delete(MemberActivityDay).where(MemberActivityDay.member_id == member_id))
