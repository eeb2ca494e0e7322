"""Referral codes, invite links, joins, asks and one-off notices in the database.

Codes are random (no name in them: a code is shared publicly and must not identify anyone by itself) and
unique by primary key; every "once" is an INSERT … ON CONFLICT DO NOTHING or a conditional UPDATE.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.database import Database
from storage.models import GrowthNotice, Member, ReferralAsk, ReferralCode, ReferralInvite, ReferralJoin
from storage.upsert import insert_ignoring

# No 0/O, 1/I/L: codes are read aloud and typed at checkout.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 7


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True)
class CodeView:
    code: str
    member_id: int
    kind: str
    discount_code: str | None


def _dialect(session: AsyncSession) -> str:
    return session.bind.dialect.name


class ReferralStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    # --- codes ---------------------------------------------------------------------------------------

    async def code_of(self, member_id: int, kind: str = "member") -> CodeView | None:
        async with self.database.session() as session:
            row = await session.scalar(select(ReferralCode).where(ReferralCode.member_id == member_id,
                                                                  ReferralCode.kind == kind))
            return CodeView(row.code, row.member_id, row.kind, row.discount_code) if row else None

    async def lookup(self, code: str) -> CodeView | None:
        """The code's owner; a code of a member merged into another (``/link``) belongs to the kept member."""
        async with self.database.session() as session:
            row = await session.get(ReferralCode, normalise(code))
            if row is None:
                return None
            owner = row.member_id
            for _ in range(10):  # merges can chain (a → b → c); each hop is one primary-key read
                kept = await session.scalar(select(Member.merged_into).where(Member.id == owner))
                if kept is None:
                    break
                owner = kept
            return CodeView(row.code, owner, row.kind, row.discount_code)

    async def ensure_code(self, member_id: int, now: datetime, *, kind: str = "member", wanted: str | None = None
                          ) -> CodeView | None:
        """The member's code of this kind, created on first use (``wanted`` asks for a given code: None if taken)."""
        existing = await self.code_of(member_id, kind)
        if existing is not None:
            return existing
        for _ in range(5):  # a clash among 31**7 codes is rare; another request for the same member is likelier
            code = normalise(wanted) if wanted else new_code()
            try:
                async with self.database.session() as session, session.begin():
                    session.add(ReferralCode(code=code, member_id=member_id, kind=kind, created_at=now))
                return CodeView(code, member_id, kind, None)
            except IntegrityError:
                existing = await self.code_of(member_id, kind)
                if existing is not None or wanted:
                    return existing
        raise RuntimeError("couldn't find a free referral code")

    async def set_discount(self, code: str, discount_code: str, discount_ref: str) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(ReferralCode).where(ReferralCode.code == code).values(
                discount_code=discount_code, discount_ref=discount_ref))

    # --- invites and joins ---------------------------------------------------------------------------

    async def invites(self, member_id: int) -> dict[str, str]:
        async with self.database.session() as session:
            rows = await session.execute(select(ReferralInvite.place_key, ReferralInvite.link)
                                         .where(ReferralInvite.member_id == member_id))
            return dict(rows.all())  # type: ignore[arg-type]

    async def add_invite(self, member_id: int, place_key: str, name: str, link: str, now: datetime) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(insert_ignoring(_dialect(session), ReferralInvite.__table__,
                                                  ["member_id", "place_key"]).values(
                member_id=member_id, place_key=place_key, name=name, link=link, created_at=now))

    async def invite_owner(self, name: str | None, link: str | None) -> tuple[int, str] | None:
        """(member, invite name) of the invite a joiner used, by its name or its link."""
        conditions = [ReferralInvite.name == name] if name else []
        if link:
            conditions.append(ReferralInvite.link == link)
        if not conditions:
            return None
        async with self.database.session() as session:
            row = (await session.execute(select(ReferralInvite.member_id, ReferralInvite.name)
                                         .where(or_(*conditions)).limit(1))).first()
            return (int(row[0]), str(row[1])) if row else None

    async def record_join(self, referred: int, referrer: int, code: str, place_key: str, points: int,
                          now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(_dialect(session), ReferralJoin.__table__,
                                                           ["referred_member_id"]).values(
                referred_member_id=referred, referrer_member_id=referrer, code=code, place_key=place_key,
                points=points, joined_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def joined_through(self, member_id: int) -> tuple[int, str] | None:
        """(referrer, code) if the member joined through someone's invite link."""
        async with self.database.session() as session:
            row = (await session.execute(select(ReferralJoin.referrer_member_id, ReferralJoin.code)
                                         .where(ReferralJoin.referred_member_id == member_id))).first()
            return (int(row[0]), str(row[1])) if row else None

    async def joins_by(self, member_id: int) -> int:
        async with self.database.session() as session:
            return int(await session.scalar(select(func.count()).select_from(ReferralJoin)
                                            .where(ReferralJoin.referrer_member_id == member_id)) or 0)

    # --- asks and notices ----------------------------------------------------------------------------

    async def claim_ask(self, member_id: int, now: datetime, every: timedelta) -> bool:
        """Claim an ask for the member: True at most once per ``every``, whichever process asks."""
        async with self.database.session() as session, session.begin():
            inserted = await session.execute(insert_ignoring(_dialect(session), ReferralAsk.__table__,
                                                             ["member_id"]).values(
                member_id=member_id, last_asked_at=now, asks=1))
            if inserted.rowcount:  # type: ignore[attr-defined]
                return True
            updated = await session.execute(update(ReferralAsk).where(
                ReferralAsk.member_id == member_id, ReferralAsk.last_asked_at <= now - every).values(
                last_asked_at=now, asks=ReferralAsk.asks + 1))
            return bool(updated.rowcount)  # type: ignore[attr-defined]

    async def recently_asked(self, member_ids: list[int], since: datetime) -> set[int]:
        async with self.database.session() as session:
            rows = await session.scalars(select(ReferralAsk.member_id).where(
                ReferralAsk.member_id.in_(member_ids), ReferralAsk.last_asked_at > since))
            return set(rows.all())

    async def claim_notice(self, key: str, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(_dialect(session), GrowthNotice.__table__, ["key"])
                                           .values(key=key, sent_at=now))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    # --- merging -------------------------------------------------------------------------------------

    async def merge(self, kept: int, merged: int) -> None:
        """Codes, invites and joins of the merged member move to the kept one. Where both have a code of the same
        kind, the merged member's stays on its row and keeps working: ``lookup`` follows the merge."""
        async with self.database.session() as session, session.begin():
            kinds = select(ReferralCode.kind).where(ReferralCode.member_id == kept)
            await session.execute(update(ReferralCode).where(ReferralCode.member_id == merged,
                                                             ReferralCode.kind.not_in(kinds))
                                  .values(member_id=kept))
            places = select(ReferralInvite.place_key).where(ReferralInvite.member_id == kept)
            await session.execute(delete(ReferralInvite).where(ReferralInvite.member_id == merged,
                                                               ReferralInvite.place_key.in_(places)))
            await session.execute(update(ReferralInvite).where(ReferralInvite.member_id == merged)
                                  .values(member_id=kept))
            await session.execute(update(ReferralJoin).where(ReferralJoin.referrer_member_id == merged)
                                  .values(referrer_member_id=kept))
            # Joined through their own other account's link: not a referral.
            await session.execute(delete(ReferralJoin).where(ReferralJoin.referred_member_id == merged))
            await session.execute(delete(ReferralJoin).where(ReferralJoin.referred_member_id == kept,
                                                             ReferralJoin.referrer_member_id == kept))
            asked = await session.scalar(select(ReferralAsk.member_id).where(ReferralAsk.member_id == kept))
            if asked is not None:
                await session.execute(delete(ReferralAsk).where(ReferralAsk.member_id == merged))
            else:
                await session.execute(update(ReferralAsk).where(ReferralAsk.member_id == merged)
                                      .values(member_id=kept))
