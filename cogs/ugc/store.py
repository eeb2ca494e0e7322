"""UGC submissions and milestone requests in the database. State changes are conditional UPDATEs, so a
second approve (a double click, two moderators, a retry) finds nothing to change and does nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cogs.purchases.records import COUNTING
from storage.database import Database
from storage.models import Member, Purchase, UgcMilestoneRequest, UgcSubmission
from storage.upsert import insert_ignoring


@dataclass(frozen=True)
class Submission:
    id: int
    member_id: int
    kind: str
    source: str
    text: str
    link_url: str | None
    link_platform: str | None
    media_url: str | None
    media_type: str | None
    place_key: str
    consent: str
    status: str
    featured: bool
    reason: str | None
    created_at: datetime
    reviewed_at: datetime | None
    author: str = ""


def _view(row: UgcSubmission, author: str = "") -> Submission:
    return Submission(row.id, row.member_id, row.kind, row.source, row.text, row.link_url, row.link_platform,
                      row.media_url, row.media_type, row.place_key, row.consent, row.status, row.featured,
                      row.reason, row.created_at, row.reviewed_at, author)


class UgcStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def add(self, **values: Any) -> tuple[Submission, bool]:
        """Insert a submission; (the existing one, False) when the member already shared that content."""
        try:
            async with self.database.session() as session, session.begin():
                row = UgcSubmission(consent="pending", status="pending", featured=False, **values)
                session.add(row)
                await session.flush()
                return _view(row), True
        except IntegrityError:
            existing = await self.by_content(values["member_id"], values["content_key"])
            if existing is None:
                raise
            return existing, False

    async def by_content(self, member_id: int, key: str) -> Submission | None:
        async with self.database.session() as session:
            row = await session.scalar(select(UgcSubmission).where(UgcSubmission.member_id == member_id,
                                                                   UgcSubmission.content_key == key))
            return _view(row) if row is not None else None

    async def get(self, submission_id: int) -> Submission | None:
        async with self.database.session() as session:
            found = (await session.execute(
                select(UgcSubmission, Member.display_name).join(Member, Member.id == UgcSubmission.member_id)
                .where(UgcSubmission.id == submission_id))).first()
            return _view(found[0], found[1]) if found else None

    async def pending(self, limit: int) -> tuple[list[Submission], int]:
        """The oldest pending submissions first, and how many are pending in all."""
        async with self.database.session() as session:
            rows = (await session.execute(
                select(UgcSubmission, Member.display_name).join(Member, Member.id == UgcSubmission.member_id)
                .where(UgcSubmission.status == "pending").order_by(UgcSubmission.created_at, UgcSubmission.id)
                .limit(limit))).all()
            total = await session.scalar(select(func.count()).select_from(UgcSubmission)
                                         .where(UgcSubmission.status == "pending"))
        return [_view(row, name) for row, name in rows], int(total or 0)

    async def set_consent(self, submission_id: int, member_id: int, consent: str) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(UgcSubmission).where(
                UgcSubmission.id == submission_id, UgcSubmission.member_id == member_id).values(consent=consent))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def review(self, submission_id: int, status: str, *, by: int, at: datetime, kind: str | None = None,
                     reason: str | None = None) -> bool:
        """pending → approved/rejected; True only for the call that made the change."""
        values: dict[str, Any] = {"status": status, "reviewed_by": by, "reviewed_at": at, "reason": reason}
        if kind is not None:
            values["kind"] = kind
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(UgcSubmission).where(
                UgcSubmission.id == submission_id, UgcSubmission.status == "pending").values(**values))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def feature(self, submission_id: int, at: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(update(UgcSubmission).where(
                UgcSubmission.id == submission_id, UgcSubmission.status == "approved",
                UgcSubmission.featured.is_(False)).values(featured=True, featured_at=at))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def feed(self, limit: int, *, featured_only: bool = False) -> list[Submission]:
        """Approved items their authors agreed to show on the store, newest approval first."""
        query = (select(UgcSubmission, Member.display_name).join(Member, Member.id == UgcSubmission.member_id)
                 .where(UgcSubmission.consent == "yes", UgcSubmission.status == "approved"))
        if featured_only:
            query = query.where(UgcSubmission.featured.is_(True))
        async with self.database.session() as session:
            rows = (await session.execute(query.order_by(UgcSubmission.reviewed_at.desc(), UgcSubmission.id.desc())
                                          .limit(limit))).all()
        return [_view(row, name) for row, name in rows]

    async def approved_between(self, start: datetime, end: datetime, limit: int = 1000) -> list[Submission]:
        """Approved submissions made in [start, end) (a launch recap collects its launch's content)."""
        async with self.database.session() as session:
            rows = (await session.execute(
                select(UgcSubmission, Member.display_name).join(Member, Member.id == UgcSubmission.member_id)
                .where(UgcSubmission.status == "approved", UgcSubmission.created_at >= start,
                       UgcSubmission.created_at < end)
                .order_by(UgcSubmission.featured.desc(), UgcSubmission.created_at).limit(limit))).all()
        return [_view(row, name) for row, name in rows]

    async def approved_counts(self, member_ids: Sequence[int], start: datetime, end: datetime) -> dict[int, int]:
        if not member_ids:
            return {}
        async with self.database.session() as session:
            rows = await session.execute(
                select(UgcSubmission.member_id, func.count()).where(
                    UgcSubmission.member_id.in_(member_ids), UgcSubmission.status == "approved",
                    UgcSubmission.reviewed_at >= start, UgcSubmission.reviewed_at < end)
                .group_by(UgcSubmission.member_id))
            return {int(m): int(c) for m, c in rows.all()}

    # --- milestone requests ------------------------------------------------------------------------

    async def milestone_candidates(self, oldest: datetime, newest: datetime, limit: int) -> list[tuple[int, datetime]]:
        """Members whose first counted order was placed in [oldest, newest] and who weren't asked yet."""
        placed = func.coalesce(Purchase.created_at, Purchase.first_seen_at)
        first = (select(Purchase.member_id.label("member_id"), func.min(placed).label("first_at"))
                 .where(Purchase.member_id.is_not(None), Purchase.counted.is_(True),
                        Purchase.status.in_(sorted(COUNTING)))
                 .group_by(Purchase.member_id).subquery())
        async with self.database.session() as session:
            rows = await session.execute(
                select(first.c.member_id, first.c.first_at)
                .outerjoin(UgcMilestoneRequest, UgcMilestoneRequest.member_id == first.c.member_id)
                .where(UgcMilestoneRequest.member_id.is_(None),
                       and_(first.c.first_at >= oldest, first.c.first_at <= newest))
                .order_by(first.c.first_at).limit(limit))
            return [(int(member), at) for member, at in rows.all()]

    async def claim_milestone(self, member_id: int, first_order_at: datetime, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(
                insert_ignoring(session.bind.dialect.name, UgcMilestoneRequest.__table__, ["member_id"]).values(
                    member_id=member_id, first_order_at=first_order_at, sent_at=now, delivered=False))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def milestone_delivered(self, member_id: int) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(UgcMilestoneRequest).where(UgcMilestoneRequest.member_id == member_id)
                                  .values(delivered=True))

    # --- merging -----------------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        """The merged member's submissions become the kept one's; content both shared stays once."""
        async with self.database.session() as session, session.begin():
            keys = select(UgcSubmission.content_key).where(UgcSubmission.member_id == kept)
            await session.execute(delete(UgcSubmission).where(UgcSubmission.member_id == merged,
                                                              UgcSubmission.content_key.in_(keys)))
            await session.execute(update(UgcSubmission).where(UgcSubmission.member_id == merged)
                                  .values(member_id=kept))
            asked = await session.scalar(select(UgcMilestoneRequest.member_id)
                                         .where(UgcMilestoneRequest.member_id == kept))
            if asked is not None:
                await session.execute(delete(UgcMilestoneRequest).where(UgcMilestoneRequest.member_id == merged))
            else:
                await session.execute(update(UgcMilestoneRequest).where(UgcMilestoneRequest.member_id == merged)
                                      .values(member_id=kept))
