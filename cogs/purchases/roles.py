"""Buyer roles, reconciled: what a member should hold is computed from their orders, then the difference applied.

Reconciling instead of granting per event keeps roles right whatever order events arrive in: a refund
removes what that order justified and nothing another order still justifies. Only roles Hearth
granted (rows in ``purchase_role_grants``) are ever revoked, so a role a moderator gave by hand stays.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select

from bot.kit.clock import Clock
from bot.kit.platform import Platform, Role
from cogs.members.service import MemberService
from cogs.purchases.claims import lock_for_writing
from cogs.purchases.config import PurchasesConfig
from cogs.purchases.records import COUNTING
from storage.database import Database
from storage.locks import exclusive
from storage.models import Purchase, PurchaseRoleGrant

log = logging.getLogger("hearth.purchases")

RETRY_STEPS = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))


@dataclass(frozen=True)
class Wanted:
    platform: str
    role_id: str
    name: str
    source: str
    expires_at: datetime | None


class PlatformLookup(Protocol):
    """What the keeper needs of ``Services.platforms``: the connected platform of a name, if any."""

    def get(self, name: str) -> Platform | None: ...


class RoleKeeper:
    def __init__(self, database: Database, members: MemberService, platforms: PlatformLookup,
                 config: PurchasesConfig, clock: Clock) -> None:
        self._db = database
        self._members = members
        self._platforms = platforms
        self._config = config
        self._clock = clock
        # Members whose roles couldn't all be applied (platform offline, DMs closed): member → (when, tries).
        self.retry: dict[int, tuple[datetime, int]] = {}

    @property
    def enabled(self) -> bool:
        return bool(self._config.buyer_roles or self._config.repeat_buyer_roles or self._config.products)

    async def wanted(self, member_id: int) -> dict[tuple[str, str], Wanted]:
        now = self._clock.now()
        async with self._db.session() as session:
            orders = (await session.scalars(select(Purchase).where(Purchase.member_id == member_id,
                                                                   Purchase.status.in_(COUNTING))
                                            .order_by(Purchase.id))).all()
        wanted: dict[tuple[str, str], Wanted] = {}

        def want(roles: dict[str, str], name: str, order: Purchase, expires: datetime | None) -> None:
            for platform, role_id in roles.items():
                current = wanted.get((platform, role_id))
                # "Forever" beats any expiry, and a later expiry beats an earlier one.
                if current is not None and (current.expires_at is None or
                                            (expires is not None and expires <= current.expires_at)):
                    continue
                wanted[(platform, role_id)] = Wanted(platform, role_id, name, f"{order.provider}:order:"
                                                     f"{order.order_id}"[:140], expires)

        orders = [o for o in orders if o.amount_minor is not None]
        if orders:
            want(self._config.buyer_roles, "Buyers", orders[0], None)
        if len(orders) >= self._config.repeat_buyer_orders:
            want(self._config.repeat_buyer_roles, "Repeat buyers", orders[self._config.repeat_buyer_orders - 1],
                 None)
        for rule in self._config.products:
            for order in orders:
                if not any(rule.matches(item.get("product_id"), item.get("sku")) for item in json.loads(order.items)):
                    continue
                expires = None
                if rule.days:
                    expires = (order.created_at or order.first_seen_at) + timedelta(days=rule.days)
                    if expires <= now:
                        continue
                want(rule.roles, rule.name or "Buyers", order, expires)
        return wanted

    async def reconcile(self, member_id: int) -> bool:
        """Grant what's wanted and missing, revoke what Hearth granted and isn't wanted. True if all applied."""
        if not self.enabled:
            return True
        # One process at a time per member (both run the expiry sweep): the second sees the first's grant rows and
        # doesn't grant again — on Telegram a grant is an invite link DM.
        async with exclusive(self._db, f"purchases:roles:{member_id}"):
            return await self._reconcile(member_id)

    async def _reconcile(self, member_id: int) -> bool:
        wanted = await self.wanted(member_id)
        view = await self._members.get(member_id)
        accounts = {(i.platform, i.platform_user_id) for i in view.identities} if view else set()
        async with self._db.session() as session:
            held = (await session.scalars(select(PurchaseRoleGrant).where(PurchaseRoleGrant.member_id == member_id,
                                                                          PurchaseRoleGrant.revoked_at.is_(None))
                                          )).all()
        held_keys = {(g.platform, g.platform_user_id, g.role_id) for g in held}
        complete = True
        for platform, user_id in sorted(accounts):
            for (role_platform, role_id), want in wanted.items():
                if role_platform == platform and (platform, user_id, role_id) not in held_keys:
                    complete &= await self._grant(member_id, user_id, want)
        for grant in held:
            keep = (grant.platform, grant.platform_user_id) in accounts and (grant.platform, grant.role_id) in wanted
            if not keep:
                complete &= await self._revoke(grant)
        if complete:
            self.retry.pop(member_id, None)
        else:
            _, tries = self.retry.get(member_id, (self._clock.now(), 0))
            self.retry[member_id] = (self._clock.now() + RETRY_STEPS[min(tries, len(RETRY_STEPS) - 1)], tries + 1)
        return complete

    async def _grant(self, member_id: int, user_id: str, want: Wanted) -> bool:
        platform = self._platforms.get(want.platform)
        if platform is None:
            return False  # not connected (yet): retried later
        change = await platform.grant_role(user_id, Role(want.platform, want.role_id, want.name),
                                           f"Thanks for your order ({want.name})")
        if not change.applied:
            log.warning("couldn't grant %s role %s to %s: %s", want.platform, want.role_id, user_id, change.error)
            return False
        now = self._clock.now()
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            row = await session.scalar(select(PurchaseRoleGrant).where(
                PurchaseRoleGrant.platform == want.platform, PurchaseRoleGrant.platform_user_id == user_id,
                PurchaseRoleGrant.role_id == want.role_id))
            if row is None:
                row = PurchaseRoleGrant(platform=want.platform, platform_user_id=user_id, role_id=want.role_id)
                session.add(row)
            row.member_id, row.source, row.granted_at = member_id, want.source, now
            row.expires_at, row.revoked_at = want.expires_at, None
        return True

    async def _revoke(self, grant: PurchaseRoleGrant) -> bool:
        platform = self._platforms.get(grant.platform)
        if platform is None:
            return False
        change = await platform.revoke_role(grant.platform_user_id, Role(grant.platform, grant.role_id),
                                            "The order that gave this role was refunded, cancelled or expired")
        if not change.applied:
            log.warning("couldn't revoke %s role %s from %s: %s", grant.platform, grant.role_id,
                        grant.platform_user_id, change.error)
            return False
        async with self._db.session() as session, session.begin():
            await lock_for_writing(session)
            row = await session.get(PurchaseRoleGrant, grant.id)
            if row is not None:
                row.revoked_at = self._clock.now()
        return True

    async def due(self) -> list[int]:
        """Members with an expired grant or a retry that is due."""
        now = self._clock.now()
        async with self._db.session() as session:
            expired = set((await session.scalars(select(PurchaseRoleGrant.member_id).where(
                PurchaseRoleGrant.expires_at <= now, PurchaseRoleGrant.revoked_at.is_(None)).distinct())).all())
        return sorted(expired | {member for member, (at, _) in self.retry.items() if at <= now})
