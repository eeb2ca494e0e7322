"""Launches, their per-place phase posts, waitlists and early-access DMs in the database.

Each post and DM is claimed by an INSERT … ON CONFLICT DO NOTHING committed before it is sent: the process
whose insert took effect is the only one that sends, so restarts and a second process never repeat one (a
crash between claim and send loses that one message rather than doubling it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cogs.launches.timeline import Timeline
from cogs.purchases.records import COUNTING
from storage.database import Database
from storage.models import Launch, LaunchDm, LaunchPost, LaunchWaitlist, Purchase
from storage.upsert import insert_ignoring


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "launch"


@dataclass(frozen=True)
class LaunchView:
    id: int
    key: str
    name: str
    product_ids: tuple[str, ...]
    places: tuple[str, ...]
    link: str | None
    tier: str | None
    timeline: Timeline
    status: str


def _view(row: Launch) -> LaunchView:
    return LaunchView(row.id, row.key, row.name, tuple(row.product_ids), tuple(row.places), row.link, row.tier,
                      Timeline(row.preview_at, row.waitlist_at, row.early_at, row.public_at, row.recap_at),
                      row.status)


class LaunchStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(self, name: str, timeline: Timeline, **values: Any) -> LaunchView:
        base = slug(name)
        for attempt in range(1, 50):
            key = base if attempt == 1 else f"{base}-{attempt}"
            try:
                async with self.database.session() as session, session.begin():
                    row = Launch(key=key, name=name, preview_at=timeline.preview_at, waitlist_at=timeline.waitlist_at,
                                 early_at=timeline.early_at, public_at=timeline.public_at, recap_at=timeline.recap_at,
                                 status="scheduled", **values)
                    session.add(row)
                    await session.flush()
                    return _view(row)
            except IntegrityError:
                continue  # that key is taken: the next number
        raise RuntimeError(f"no free key for launch {name!r}")

    async def scheduled(self) -> list[LaunchView]:
        async with self.database.session() as session:
            rows = await session.scalars(select(Launch).where(Launch.status == "scheduled").order_by(Launch.public_at))
            return [_view(row) for row in rows]

    async def recent(self, limit: int = 10) -> list[LaunchView]:
        async with self.database.session() as session:
            rows = await session.scalars(select(Launch).order_by(Launch.public_at.desc()).limit(limit))
            return [_view(row) for row in rows]

    async def find(self, text: str) -> LaunchView | None:
        wanted = text.strip().lower()
        async with self.database.session() as session:
            query = select(Launch).where(func.lower(Launch.key) == wanted)
            if wanted.isdigit():
                query = select(Launch).where(Launch.id == int(wanted))
            row = await session.scalar(query)
            if row is None:
                row = await session.scalar(select(Launch).where(func.lower(Launch.name) == wanted))
            return _view(row) if row is not None else None

    async def set_status(self, launch_id: int, status: str, *, expected: str = "scheduled") -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(Launch).where(Launch.id == launch_id, Launch.status == expected)
                                           .values(status=status))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- phase posts ---------------------------------------------------------------------------------

    async def claim_post(self, launch_id: int, phase: str, place_key: str, status: str, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(session.bind.dialect.name, LaunchPost.__table__,
                                                           ["launch_id", "phase", "place_key"]).values(
                launch_id=launch_id, phase=phase, place_key=place_key, status=status, claimed_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def post_done(self, launch_id: int, phase: str, place_key: str, status: str, message_id: str | None = None,
                        thread_key: str | None = None) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(LaunchPost).where(
                LaunchPost.launch_id == launch_id, LaunchPost.phase == phase, LaunchPost.place_key == place_key)
                .values(status=status, message_id=message_id, thread_key=thread_key))

    async def posts(self, launch_id: int) -> list[tuple[str, str, str]]:
        """(phase, place, status) of every claimed post."""
        async with self.database.session() as session:
            rows = await session.execute(select(LaunchPost.phase, LaunchPost.place_key, LaunchPost.status)
                                         .where(LaunchPost.launch_id == launch_id))
            return [(str(p), str(k), str(s)) for p, k, s in rows.all()]

    # --- waitlist and early-access DMs ---------------------------------------------------------------

    async def join(self, launch_id: int, member_id: int, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(session.bind.dialect.name, LaunchWaitlist.__table__,
                                                           ["launch_id", "member_id"]).values(
                launch_id=launch_id, member_id=member_id, joined_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def leave(self, launch_id: int, member_id: int) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(delete(LaunchWaitlist).where(LaunchWaitlist.launch_id == launch_id,
                                                                        LaunchWaitlist.member_id == member_id))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def waitlist(self, launch_id: int) -> list[int]:
        async with self.database.session() as session:
            rows = await session.scalars(select(LaunchWaitlist.member_id).where(LaunchWaitlist.launch_id == launch_id)
                                         .order_by(LaunchWaitlist.joined_at))
            return [int(m) for m in rows.all()]

    async def not_yet_told(self, launch_id: int) -> list[int]:
        """Waitlisted members without an early-access DM claim."""
        async with self.database.session() as session:
            rows = await session.scalars(
                select(LaunchWaitlist.member_id)
                .outerjoin(LaunchDm, (LaunchDm.launch_id == LaunchWaitlist.launch_id)
                           & (LaunchDm.member_id == LaunchWaitlist.member_id))
                .where(LaunchWaitlist.launch_id == launch_id, LaunchDm.member_id.is_(None))
                .order_by(LaunchWaitlist.joined_at))
            return [int(m) for m in rows.all()]

    async def claim_dm(self, launch_id: int, member_id: int, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(session.bind.dialect.name, LaunchDm.__table__,
                                                           ["launch_id", "member_id"]).values(
                launch_id=launch_id, member_id=member_id, sent_at=now, delivered=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def dm_delivered(self, launch_id: int, member_id: int) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(LaunchDm).where(LaunchDm.launch_id == launch_id,
                                                         LaunchDm.member_id == member_id).values(delivered=True))

    # --- the recap's purchases -----------------------------------------------------------------------

    async def buyers(self, product_ids: tuple[str, ...], start: datetime, end: datetime
                     ) -> tuple[int, set[int], set[str]]:
        """Counted orders in [start, end) with one of the products: (orders, buying members, buyers)."""
        wanted = set(product_ids)
        placed = func.coalesce(Purchase.created_at, Purchase.first_seen_at)
        orders, members, buyers = 0, set(), set()
        async with self.database.session() as session:
            rows = await session.stream(select(Purchase.member_id, Purchase.customer_key, Purchase.order_id,
                                               Purchase.items)
                                        .where(Purchase.counted.is_(True), Purchase.status.in_(sorted(COUNTING)),
                                               placed >= start, placed < end)
                                        .execution_options(yield_per=2000))
            async for member_id, customer, order_id, items in rows:
                bought = {str(i.get("product_id")) for i in json.loads(items or "[]") if isinstance(i, dict)}
                if not bought & wanted:
                    continue
                orders += 1
                if member_id is not None:
                    members.add(int(member_id))
                buyers.add(f"m{member_id}" if member_id is not None else customer or f"o{order_id}")
        return orders, members, buyers

    # --- merging -------------------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        async with self.database.session() as session, session.begin():
            for table in (LaunchWaitlist, LaunchDm):
                launches = select(table.launch_id).where(table.member_id == kept)
                await session.execute(delete(table).where(table.member_id == merged, table.launch_id.in_(launches)))
                await session.execute(update(table).where(table.member_id == merged).values(member_id=kept))
