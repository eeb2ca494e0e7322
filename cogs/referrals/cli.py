"""``hearth export referrals``: one row per store order that carried a referral code (register
``export_referrals`` in the ``export`` group). No personal data: members appear by id and display name,
customers only as the order's provider id."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select

from bot.cli_transfer import export_command
from cogs.purchases.money import major_units
from storage.database import Database
from storage.models import Member, ReferralOrder, ReferralPartner


def _cell(value: str) -> str:
    # Member names are typed by members: a leading = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


async def count_referral_rows(database: Database, since: datetime | None) -> int:
    query = select(func.count()).select_from(ReferralOrder)
    if since is not None:
        query = query.where(ReferralOrder.at >= since)
    async with database.session() as session:
        return int(await session.scalar(query) or 0)


async def referral_rows(database: Database, since: datetime | None) -> AsyncIterator[dict[str, object]]:
    query = (select(ReferralOrder, Member.display_name, ReferralPartner.kind)
             .join(Member, Member.id == ReferralOrder.referrer_member_id)
             .outerjoin(ReferralPartner, ReferralPartner.code == ReferralOrder.code)
             .order_by(ReferralOrder.at, ReferralOrder.id))
    if since is not None:
        query = query.where(ReferralOrder.at >= since)
    async with database.session() as session:
        async for order, name, partner_kind in await session.stream(query.execution_options(yield_per=2000)):
            net = Decimal(order.amount_minor - order.refunded_minor)
            commission = int((net * order.commission_bp / 10_000).to_integral_value(rounding=ROUND_FLOOR))
            yield {
                "at": order.at.isoformat(), "code": order.code, "referrer_member_id": order.referrer_member_id,
                "referrer": _cell(name), "partner": partner_kind or "", "provider": order.provider,
                "order_id": order.order_id, "status": order.status, "new_customer": order.converted,
                "amount": str(major_units(order.amount_minor, order.currency)), "currency": order.currency,
                "refunded": str(major_units(order.refunded_minor, order.currency)),
                "commission_rate": f"{Decimal(order.commission_bp) / 100:g}%",
                "commission": str(major_units(commission, order.currency)),
            }


export_referrals = export_command("referrals", "Orders that carried a referral code, with partner commission.",
                                  referral_rows, count_referral_rows)
