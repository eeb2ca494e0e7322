"""Direct messages to a member (not an account): the ``/dm off`` opt-out, and the platform to reach them on.

Welcome steps and stage messages both go through here, so an opted-out member gets neither. The opt-out is
the member's DM preference (``cogs/privacy/preferences.py``): ``/dm off`` and ``/privacy dms off`` are one switch.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from bot.kit.reply import Reply
from cogs.lifecycle.store import dialect
from cogs.members.service import MemberService
from cogs.privacy.preferences import PreferenceStore
from storage.database import Database
from storage.models import DmStep
from storage.upsert import insert_ignoring

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.lifecycle.dm")


class DirectMessages:
    def __init__(self, database: Database, members: MemberService, platforms: Platforms) -> None:
        self.database = database
        self.members = members
        self.platforms = platforms
        self.preferences = PreferenceStore(database)

    async def opted_out(self, member_ids: Iterable[int]) -> set[int]:
        return await self.preferences.dms_blocked(member_ids)

    async def set_opted_out(self, member_id: int, opted_out: bool, at: datetime) -> None:
        await self.preferences.set(member_id, at, dms=not opted_out)

    async def merge(self, kept: int, merged: int, at: datetime) -> None:
        """Linked accounts are one person: if either said ``/dm off``, that holds for both; and a step either
        account got (or skipped) isn't sent again."""
        if merged in await self.opted_out([merged]):
            await self.set_opted_out(kept, True, at)
        async with self.database.session() as session, session.begin():
            rows = (await session.execute(select(DmStep.sequence, DmStep.step, DmStep.status, DmStep.at)
                                          .where(DmStep.member_id == merged))).all()
            if rows:
                await session.execute(insert_ignoring(dialect(session), DmStep.__table__,
                                                      ["member_id", "sequence", "step"]),
                                      [{"member_id": kept, "sequence": s, "step": i, "status": st, "at": a}
                                       for s, i, st, a in rows])
                await session.execute(delete(DmStep).where(DmStep.member_id == merged))

    async def send(self, member_id: int, reply: Reply, *, prefer: str | None = None) -> bool:
        """DM the member on the first connected platform that accepts it (``prefer`` first, then newest account)."""
        view = await self.members.get(member_id)
        if view is None:
            return False
        accounts = sorted(view.identities, key=lambda i: (i.platform != prefer, -i.linked_at.timestamp()))
        for account in accounts:
            platform = self.platforms.get(account.platform)
            if platform is None:
                continue
            try:
                if await platform.send_direct(account.platform_user_id, reply) is not None:
                    return True
            except Exception:
                # A broken adapter call must not stop the sequence for everyone else.
                log.exception("DM to %s:%s failed", account.platform, account.platform_user_id)
        return False
