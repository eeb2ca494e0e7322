"""What a CRM needs to tag the right contact: the member's accounts and the store orders linked to them.

Emails are never stored (only keyed hashes), so the webhook carries the order ids the store (and the CRM
synced with it: FluentCRM/WooCommerce, Klaviyo/Shopify) already knows the customer by.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cogs.purchases.records import COUNTING
from storage.models import Identity, Member, Purchase

EVENT_TYPE = "member.stage_changed"
MAX_ORDERS = 20


def _time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def stage_changed_data(session: AsyncSession, member_id: int, old: str | None, new: str, stage_name: str,
                             reason: str, at: datetime, community: str) -> dict[str, Any]:
    name = await session.scalar(select(Member.display_name).where(Member.id == member_id))
    accounts = (await session.execute(select(Identity.platform, Identity.platform_user_id, Identity.username)
                                      .where(Identity.member_id == member_id).order_by(Identity.id))).all()
    orders = (await session.execute(select(Purchase.provider, Purchase.order_id, Purchase.order_number)
                                    .where(Purchase.member_id == member_id, Purchase.status.in_(COUNTING))
                                    .order_by(Purchase.id.desc()).limit(MAX_ORDERS))).all()
    return {
        "community": community,
        "member_id": member_id,
        "display_name": name,
        "old_stage": old,
        "new_stage": new,
        "stage_name": stage_name,
        "reason": reason,
        "changed_at": _time(at),
        "accounts": [{"platform": p, "user_id": u, "username": n} for p, u, n in accounts],
        "orders": [{"provider": p, "order_id": o, "order_number": n} for p, o, n in orders],
    }
