"""Tier roles, reconciled: what each account should hold is compared with what Hearth granted, the difference applied.

Grants are recorded per account (``tier_role_grants``): a start-up reconcile grants what is missing
without asking the platform who holds what, and only roles Hearth granted are ever taken back. A
platform that isn't connected yet leaves the member in ``pending`` for it, retried once it connects.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.kit.clock import Clock
from bot.kit.platform import Role
from cogs.tiers.conditions import Tier
from storage.database import Database
from storage.models import Identity, TierRoleGrant
from storage.upsert import insert_ignoring

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.tiers")

Wanted = Mapping[tuple[str, str], Tier]


class TierRoles:
    def __init__(self, database: Database, platforms: Platforms, clock: Clock, *,
                 remove_on_demotion: bool) -> None:
        self.database = database
        self.platforms = platforms
        self.clock = clock
        self.remove_on_demotion = remove_on_demotion
        # platform name → members with a grant or revoke waiting for that platform to connect.
        self.pending: dict[str, set[int]] = {}
        self.granted = 0
        self.revoked = 0

    async def reconcile(self, wanted: Mapping[int, Wanted]) -> None:
        """Bring each member's accounts in line with ``wanted`` (member → roles their tiers justify)."""
        ids = list(wanted)
        async with self.database.session() as session:
            accounts = (await session.execute(select(Identity.member_id, Identity.platform, Identity.platform_user_id)
                                              .where(Identity.member_id.in_(ids)))).all()
            grants = (await session.scalars(select(TierRoleGrant).where(TierRoleGrant.member_id.in_(ids)))).all()
        held = {(g.platform, g.platform_user_id, g.role_id) for g in grants}
        for member_id, platform, user_id in accounts:
            for (role_platform, role_id), tier in wanted[member_id].items():
                if role_platform == platform and (platform, user_id, role_id) not in held:
                    await self._grant(member_id, user_id, role_platform, role_id, tier)
        if not self.remove_on_demotion:
            return
        for grant in grants:
            if grant.member_id in wanted and (grant.platform, grant.role_id) not in wanted[grant.member_id]:
                await self._revoke(grant)

    async def _grant(self, member_id: int, user_id: str, platform_name: str, role_id: str, tier: Tier) -> None:
        platform = self.platforms.get(platform_name)
        if platform is None:
            self.pending.setdefault(platform_name, set()).add(member_id)
            return
        # Shown to the member on Telegram (the invite DM) and in Discord's audit log.
        change = await platform.grant_role(user_id, Role(platform_name, role_id, tier.name),
                                           f"You reached the {tier.name} tier.")
        if not change.applied:
            log.warning("couldn't give %s:%s the %s role %s: %s", platform_name, user_id, tier.name, role_id,
                        change.error)
            return
        async with self.database.session() as session, session.begin():
            await session.execute(insert_ignoring(session.bind.dialect.name, TierRoleGrant.__table__,
                                                  ["platform", "platform_user_id", "role_id"]),
                                  [{"platform": platform_name, "platform_user_id": user_id, "role_id": role_id,
                                    "member_id": member_id, "tier": tier.key, "granted_at": self.clock.now()}])
        self.granted += 1
        log.info("gave %s:%s the %s role %s", platform_name, user_id, tier.name, role_id)

    async def _revoke(self, grant: TierRoleGrant) -> None:
        platform = self.platforms.get(grant.platform)
        if platform is None:
            self.pending.setdefault(grant.platform, set()).add(grant.member_id)
            return
        change = await platform.revoke_role(grant.platform_user_id, Role(grant.platform, grant.role_id),
                                            "No longer meets the tier's condition.")
        if not change.applied:
            log.warning("couldn't take role %s back from %s:%s: %s", grant.role_id, grant.platform,
                        grant.platform_user_id, change.error)
            return
        async with self.database.session() as session, session.begin():
            await session.execute(delete(TierRoleGrant).where(
                TierRoleGrant.platform == grant.platform, TierRoleGrant.platform_user_id == grant.platform_user_id,
                TierRoleGrant.role_id == grant.role_id))
        self.revoked += 1
        log.info("took role %s back from %s:%s (tier %s no longer met)", grant.role_id, grant.platform,
                 grant.platform_user_id, grant.tier)

    def due(self, limit: int) -> list[int]:
        """Members waiting for a platform that is connected now (taken off the pending list)."""
        members: list[int] = []
        for name, waiting in self.pending.items():
            if waiting and self.platforms.get(name) is not None:
                while waiting and len(members) < limit:
                    members.append(waiting.pop())
        return members

    async def merge(self, kept: int, merged: int) -> None:
        async with self.database.session() as session, session.begin():
            grants = (await session.scalars(select(TierRoleGrant).where(TierRoleGrant.member_id == merged))).all()
            for grant in grants:
                grant.member_id = kept
        for waiting in self.pending.values():
            if merged in waiting:
                waiting.discard(merged)
                waiting.add(kept)
