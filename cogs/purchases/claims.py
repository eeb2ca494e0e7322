"""Linking buyers to members: claim codes, ``/claim``, the optional ``/verify`` fallback, rate limits.

A claim code is derived, not stored: ``upper(hex(HMAC-SHA256(claim_key, "<provider>:<order id>"))[:12])``
where ``claim_key = hex(HMAC-SHA256(instance secret, "hearth-claim-key"))``. A store's thank-you page
or email template holding the claim key (``hearth purchases claim-key``) computes the code with no
call to Hearth; without the key nobody can. Hearth keeps only a keyed hash of each order's code.
"""

from __future__ import annotations

import hmac
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.clock import Clock
from cogs.purchases.normalise import customer_key
from storage.database import Database
from storage.models import Purchase, PurchaseClaim, PurchaseCustomer
from storage.upsert import insert_ignoring

CODE_LENGTH = 12


def normalise_code(code: str) -> str:
    # Codes are hex: a typed O is a zero, and spaces or dashes from copy-paste don't matter.
    return code.strip().upper().replace(" ", "").replace("-", "").replace("O", "0")


class ClaimCodes:
    """Derives claim codes and the keyed hashes Hearth stores instead of them."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret
        self.claim_key = hmac.digest(secret, b"hearth-claim-key", "sha256").hex()

    def code(self, provider: str, order_id: str) -> str:
        mac = hmac.digest(self.claim_key.encode(), f"{provider}:{order_id}".encode(), "sha256")
        return mac.hex()[:CODE_LENGTH].upper()

    def hash(self, code: str) -> str:
        return hmac.digest(self._secret, b"claim:" + normalise_code(code).encode(), "sha256").hex()

    def hash_for(self, provider: str, order_id: str) -> str:
        return self.hash(self.code(provider, order_id))


class RateLimit:
    """At most ``limit`` hits per member per hour (in memory: a restart forgives, which is fine)."""

    def __init__(self, clock: Clock, limit: int, window: timedelta = timedelta(hours=1)) -> None:
        self._clock = clock
        self._limit = limit
        self._window = window
        self._hits: dict[int, deque[datetime]] = defaultdict(deque)

    def blocked(self, member_id: int) -> bool:
        hits = self._hits[member_id]
        cutoff = self._clock.now() - self._window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        return len(hits) >= self._limit

    def hit(self, member_id: int) -> None:
        self._hits[member_id].append(self._clock.now())


@dataclass(frozen=True)
class ClaimResult:
    outcome: str  # linked | already | pending | taken | unknown
    order_number: str | None = None
    orders: int = 0


async def lock_for_writing(session: AsyncSession) -> None:
    """SQLite: take the write lock before reading, so the reads are current and the writes can't fail.

    A transaction that read first can't be upgraded once another connection committed (the webhook
    inbox commits constantly), and SQLite then fails at once instead of waiting. A no-op UPDATE takes
    the lock up front, waiting on busy_timeout. PostgreSQL needs nothing: MVCC and row locks.
    """
    if session.bind.dialect.name == "sqlite":
        await session.execute(text("UPDATE purchase_sync_cursors SET fetched = fetched WHERE 0"))


class ClaimService:
    def __init__(self, database: Database, clock: Clock, secret: bytes, codes: ClaimCodes) -> None:
        self._db = database
        self._clock = clock
        self._secret = secret
        self.codes = codes

    async def claim(self, member_id: int, code: str) -> ClaimResult:
        claim_hash = self.codes.hash(code)
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            purchase = await session.scalar(select(Purchase).where(Purchase.claim_hash == claim_hash))
            if purchase is None:
                # The buyer may be faster than the store's webhook: keep the claim until the order arrives.
                await session.execute(insert_ignoring(session.bind.dialect.name, PurchaseClaim.__table__,
                                                      ["claim_hash"]),
                                      [{"claim_hash": claim_hash, "member_id": member_id,
                                        "created_at": self._clock.now()}])
                return ClaimResult("pending")
            return await self.link(session, member_id, purchase)

    async def verify(self, member_id: int, order_number: str, email: str) -> ClaimResult:
        key = customer_key(self._secret, email)
        number = order_number.strip().lstrip("#")
        if key is None or not number:
            return ClaimResult("unknown")
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            purchase = await session.scalar(
                select(Purchase).where(Purchase.order_number.in_((number, f"#{number}")),
                                       Purchase.customer_key == key).order_by(Purchase.id).limit(1))
            if purchase is None:
                return ClaimResult("unknown")
            return await self.link(session, member_id, purchase)

    async def link(self, session: AsyncSession, member_id: int, purchase: Purchase) -> ClaimResult:
        """Make the order (and every order of its customer) count for the member, unless someone else has it."""
        number = purchase.order_number
        if purchase.member_id not in (None, member_id):
            return ClaimResult("taken", number)
        key = purchase.customer_key
        if key is not None:
            link = await session.get(PurchaseCustomer, key)
            if link is not None and link.member_id != member_id:
                return ClaimResult("taken", number)
            already = link is not None and purchase.member_id == member_id
            if link is None:
                session.add(PurchaseCustomer(customer_key=key, member_id=member_id, linked_at=self._clock.now()))
            # Every order of that customer counts for the member now, past ones included.
            await session.execute(update(Purchase).where(Purchase.customer_key == key, Purchase.member_id.is_(None))
                                  .values(member_id=member_id, version=Purchase.version + 1))
        else:
            already = purchase.member_id == member_id
            await session.execute(update(Purchase).where(Purchase.id == purchase.id, Purchase.member_id.is_(None))
                                  .values(member_id=member_id, version=Purchase.version + 1))
        orders = await session.scalar(select(func.count()).select_from(Purchase)
                                      .where(Purchase.member_id == member_id))
        return ClaimResult("already" if already else "linked", number, int(orders or 0))

    async def forget_expired(self, max_age: timedelta) -> None:
        async with self._db.session() as session, session.begin():
            await session.execute(delete(PurchaseClaim).where(PurchaseClaim.created_at <= self._clock.now() - max_age))
