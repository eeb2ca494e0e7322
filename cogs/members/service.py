"""Members and their platform accounts: resolving accounts to people, and linking accounts by code."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import IdentityLinked, MembersMerged
from bot.kit.platform import PlatformUser
from storage.database import Database
from storage.models import Identity, LinkCode, Member

# No 0/O or 1/I/L: codes are read off one screen and typed on another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CACHE_SIZE = 200_000


class LinkError(ValueError):
    """A link code could not be used; the message tells the member what to do."""


@dataclass(frozen=True)
class IdentityView:
    platform: str
    platform_user_id: str
    display_name: str
    username: str | None
    linked_at: datetime


@dataclass(frozen=True)
class MemberView:
    id: int
    display_name: str
    joined_at: datetime
    identities: tuple[IdentityView, ...]


@dataclass(frozen=True)
class LinkResult:
    member_id: int
    merged_member_id: int


class MemberService:
    """Implements the kit's MemberDirectory over storage, with an in-process cache for hot paths."""

    def __init__(self, database: Database, bus: EventBus, clock: Clock, secret: bytes,
                 link_ttl: timedelta = timedelta(minutes=10)) -> None:
        self._db = database
        self._bus = bus
        self._clock = clock
        self._secret = secret
        self._link_ttl = link_ttl
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._joined: dict[int, datetime] = {}

    def _remember(self, key: tuple[str, str], member_id: int) -> None:
        self._cache[key] = member_id
        self._cache.move_to_end(key)
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)

    async def warm_cache(self, limit: int = CACHE_SIZE) -> int:
        """Load the most recently linked accounts, so a restarted bot's hot paths resolve without queries."""
        # A Core connection, not an ORM session: at 200k rows the ORM's per-row work was most of the start-up.
        async with self._db.engine.connect() as connection:
            rows = (await connection.execute(
                select(Identity.platform, Identity.platform_user_id, Identity.member_id)
                .order_by(Identity.id.desc()).limit(limit))).all()
        cache = self._cache
        for platform, user_id, member_id in reversed(rows):
            cache[(platform, user_id)] = member_id
        while len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
        return len(rows)

    def forget(self, platform_users: tuple[tuple[str, str], ...], member_id: int) -> None:
        """Drop a forgotten member from the caches: their next message starts a new member."""
        for key in platform_users:
            self._cache.pop(key, None)
        self._joined.pop(member_id, None)

    def cached(self, user: PlatformUser) -> int | None:
        """The member id if this process already knows the account (no I/O: for per-message hot paths)."""
        return self._cache.get((user.platform, user.user_id))

    async def find(self, user: PlatformUser) -> int | None:
        key = (user.platform, user.user_id)
        if key in self._cache:
            return self._cache[key]
        async with self._db.session() as session:
            member_id = await session.scalar(
                select(Identity.member_id).where(
                    Identity.platform == user.platform, Identity.platform_user_id == user.user_id
                )
            )
        if member_id is not None:
            self._remember(key, member_id)
        return member_id

    async def resolve(self, user: PlatformUser) -> int:
        found = await self.find(user)
        if found is not None:
            return found
        now = self._clock.now()
        try:
            async with self._db.session() as session, session.begin():
                member = Member(display_name=user.display_name[:100], joined_at=now)
                session.add(member)
                await session.flush()
                session.add(Identity(member_id=member.id, platform=user.platform,
                                     platform_user_id=user.user_id, display_name=user.display_name[:100],
                                     username=user.username, linked_at=now))
                member_id = member.id
        except IntegrityError:
            # Another task created the same account first: use theirs.
            self._cache.pop((user.platform, user.user_id), None)
            existing = await self.find(user)
            if existing is None:
                raise
            return existing
        self._remember((user.platform, user.user_id), member_id)
        return member_id

    async def get(self, member_id: int) -> MemberView | None:
        # One round trip: the member and its accounts in a single outer join (``/profile`` is latency-bound).
        query = (select(Member.display_name, Member.joined_at, Identity.platform, Identity.platform_user_id,
                        Identity.display_name, Identity.username, Identity.linked_at)
                 .outerjoin(Identity, Identity.member_id == Member.id)
                 .where(Member.id == member_id)
                 .order_by(Identity.linked_at, Identity.id))
        async with self._db.session() as session:
            rows = (await session.execute(query)).all()
        if not rows:
            return None
        identities = tuple(IdentityView(platform, user_id, name, username, linked)
                           for _, _, platform, user_id, name, username, linked in rows if platform is not None)
        return MemberView(member_id, rows[0][0], rows[0][1], identities)

    async def joined_at(self, member_id: int) -> datetime | None:
        """When Hearth first saw the member (cached: anti-farming asks on every message)."""
        cached = self._joined.get(member_id)
        if cached is None:
            async with self._db.session() as session:
                cached = await session.scalar(select(Member.joined_at).where(Member.id == member_id))
            if cached is not None:
                self._joined[member_id] = cached
                if len(self._joined) > CACHE_SIZE:
                    self._joined.pop(next(iter(self._joined)))
        return cached

    def _hash(self, code: str) -> str:
        normalised = code.strip().upper().replace("-", "").replace(" ", "")
        return hmac.new(self._secret, normalised.encode(), hashlib.sha256).hexdigest()

    async def issue_link_code(self, member_id: int) -> tuple[str, datetime]:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self._clock.now()
        expires = now + self._link_ttl
        async with self._db.session() as session, session.begin():
            session.add(LinkCode(code_hash=self._hash(code), member_id=member_id, created_at=now,
                                 expires_at=expires))
        return code, expires

    async def redeem_link_code(self, member_id: int, code: str) -> LinkResult:
        """Join the redeeming member into the member who issued the code (single use, unexpired)."""
        now = self._clock.now()
        async with self._db.session() as session, session.begin():
            # Claim the code atomically: of two concurrent redemptions only one updates the row.
            claimed = await session.execute(
                update(LinkCode)
                .where(LinkCode.code_hash == self._hash(code), LinkCode.used_at.is_(None),
                       LinkCode.expires_at > now)
                .values(used_at=now)
                .returning(LinkCode.member_id)
            )
            issuer = claimed.scalar_one_or_none()
            if issuer is None:
                minutes = int(self._link_ttl.total_seconds() // 60)
                raise LinkError("That code is unknown, used or expired. Run /link on your other account "
                                f"for a fresh one (codes last {minutes} minutes).")
            if issuer == member_id:
                raise LinkError("That code is your own — use it from your *other* account.")
            kept, merged = sorted((issuer, member_id))
            kept_member = await session.get(Member, kept)
            merged_member = await session.get(Member, merged)
            assert kept_member is not None and merged_member is not None
            kept_member.joined_at = min(kept_member.joined_at, merged_member.joined_at)
            merged_member.merged_into = kept
            moved = (await session.scalars(select(Identity).where(Identity.member_id == merged))).all()
            for identity in moved:
                identity.member_id = kept
            moved_keys = [(i.platform, i.platform_user_id) for i in moved]
        for key in moved_keys:
            self._remember(key, kept)
        await self._bus.publish(MembersMerged(kept=kept, merged=merged, at=now))
        for platform, user_id in moved_keys:
            await self._bus.publish(IdentityLinked(kept, platform, user_id, now))
        return LinkResult(member_id=kept, merged_member_id=merged)
