"""``hearth export purchases``: what was recorded, one row per order (no personal data: there is none stored)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select

from cogs.purchases.money import major_units
from storage.database import Database
from storage.models import Member, Purchase

COLUMNS = ("provider", "order_id", "order_number", "status", "amount", "currency", "amount_minor", "refunded_minor",
           "created_at", "referral_code", "member_id", "member")


async def purchase_rows(database: Database) -> list[dict[str, Any]]:
    async with database.session() as session:
        rows = (await session.execute(
            select(Purchase, Member.display_name).outerjoin(Member, Member.id == Purchase.member_id)
            .order_by(Purchase.created_at, Purchase.id))).all()
    return [{
        "provider": p.provider, "order_id": p.order_id, "order_number": p.order_number, "status": p.status,
        "amount": str(major_units(p.amount_minor, p.currency)) if p.amount_minor is not None and p.currency else None,
        "currency": p.currency, "amount_minor": p.amount_minor, "refunded_minor": p.refunded_minor,
        "created_at": p.created_at.isoformat() if p.created_at else None, "referral_code": p.referral_code,
        "member_id": p.member_id, "member": name,
    } for p, name in rows]


def render(rows: list[dict[str, Any]], form: str) -> str:
    if form == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: _cell(value) for key, value in row.items()} for row in rows)
    return out.getvalue()


def _cell(value: Any) -> Any:
    # Member names are typed by members: a leading = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
