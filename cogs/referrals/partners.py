"""Creator and ambassador partners: their own code, a commission rate, and a monthly statement.

Commission is owed on every order carrying the partner's code (not only a customer's first), on the net
amount (after refunds), at the rate the order was recorded with — a rate change never rewrites the past.
The statement also counts the partner's approved content (UGC) that month: their posts are tracked like
every member's.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from sqlalchemy import func, select, update

from cogs.purchases.money import major_units
from cogs.referrals.store import ReferralStore
from cogs.ugc.store import UgcStore
from storage.database import Database
from storage.models import Member, ReferralCustomer, ReferralOrder, ReferralPartner
from storage.upsert import insert_ignoring

PARTNER_CODE = re.compile(r"^[A-Za-z0-9_-]{3,32}$")
RATE = re.compile(r"^(\d{1,3}(?:\.\d{1,2})?)%?$")


class PartnerProblem(ValueError):
    """A partner can't be added as asked; the message says what to change."""


def parse_rate(text: str) -> int:
    """``"12.5"`` or ``"12.5%"`` → basis points (1250)."""
    match = RATE.match(text.strip())
    if match is None or Decimal(match.group(1)) > 100:
        raise PartnerProblem(f"'{text}' isn't a commission rate: give a percentage like 10 or 12.5")
    return int(Decimal(match.group(1)) * 100)


def rate_text(basis_points: int) -> str:
    return f"{Decimal(basis_points) / 100:g}%"


@dataclass(frozen=True)
class PartnerView:
    member_id: int
    name: str
    code: str
    kind: str
    commission_bp: int
    active: bool


@dataclass
class Statement:
    """One partner's month: orders, money by currency (minor units), new customers, approved content."""

    partner: PartnerView
    month: str
    orders: int = 0
    gross: dict[str, int] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)
    commission: dict[str, int] = field(default_factory=dict)
    new_customers: int = 0
    content: int = 0

    def money(self, amounts: dict[str, int]) -> str:
        return ", ".join(f"{major_units(v, c)} {c}" for c, v in sorted(amounts.items())) or "0"


class Partners:
    def __init__(self, database: Database, store: ReferralStore, ugc: UgcStore) -> None:
        self.database = database
        self.store = store
        self.ugc = ugc

    async def add(self, member_id: int, kind: str, commission_bp: int, wanted: str | None, by: int,
                  now: datetime) -> PartnerView:
        if wanted is not None and not PARTNER_CODE.match(wanted):
            raise PartnerProblem(f"'{wanted}' can't be a code: use 3-32 letters, digits, - or _ (e.g. ANA15)")
        code = await self.store.ensure_code(member_id, now, kind="partner", wanted=wanted)
        if code is None:
            raise PartnerProblem(f"The code {wanted.upper() if wanted else ''} is taken — choose another.")
        async with self.database.session() as session, session.begin():
            dialect = session.bind.dialect.name
            inserted = await session.execute(insert_ignoring(dialect, ReferralPartner.__table__, ["member_id"]).values(
                member_id=member_id, code=code.code, kind=kind, commission_bp=commission_bp, active=True,
                added_by=by, added_at=now))
            if not inserted.rowcount:  # type: ignore[attr-defined]
                # Already a partner: the new terms apply to orders from now on.
                await session.execute(update(ReferralPartner).where(ReferralPartner.member_id == member_id)
                                      .values(kind=kind, commission_bp=commission_bp, active=True))
        found = await self.get(member_id)
        assert found is not None
        return found

    async def get(self, member_id: int) -> PartnerView | None:
        found = await self.all(member_id=member_id)
        return found[0] if found else None

    async def all(self, *, member_id: int | None = None, active_only: bool = False) -> list[PartnerView]:
        query = (select(ReferralPartner, Member.display_name).join(Member, Member.id == ReferralPartner.member_id)
                 .order_by(ReferralPartner.added_at, ReferralPartner.member_id))
        if member_id is not None:
            query = query.where(ReferralPartner.member_id == member_id)
        if active_only:
            query = query.where(ReferralPartner.active.is_(True))
        async with self.database.session() as session:
            rows = (await session.execute(query)).all()
        return [PartnerView(p.member_id, name, p.code, p.kind, p.commission_bp, p.active) for p, name in rows]

    async def lifetime_orders(self) -> dict[int, int]:
        async with self.database.session() as session:
            rows = await session.execute(
                select(ReferralOrder.referrer_member_id, func.count())
                .join(ReferralPartner, ReferralPartner.code == ReferralOrder.code)
                .where(ReferralOrder.status != "self").group_by(ReferralOrder.referrer_member_id))
            return {int(m): int(n) for m, n in rows.all()}

    async def statement(self, partner: PartnerView, month: str, start: datetime, end: datetime) -> Statement:
        result = Statement(partner, month)
        async with self.database.session() as session:
            orders = (await session.scalars(select(ReferralOrder).where(
                ReferralOrder.code == partner.code, ReferralOrder.status != "self",
                ReferralOrder.at >= start, ReferralOrder.at < end))).all()
            result.new_customers = int(await session.scalar(
                select(func.count()).select_from(ReferralCustomer).where(
                    ReferralCustomer.referrer_member_id == partner.member_id, ReferralCustomer.reversed_at.is_(None),
                    ReferralCustomer.converted_at >= start, ReferralCustomer.converted_at < end)) or 0)
        for order in orders:
            result.orders += 1
            currency = order.currency
            result.gross[currency] = result.gross.get(currency, 0) + order.amount_minor
            result.refunded[currency] = result.refunded.get(currency, 0) + order.refunded_minor
            net = Decimal(order.amount_minor - order.refunded_minor)
            owed = int((net * order.commission_bp / 10_000).to_integral_value(rounding=ROUND_FLOOR))
            result.commission[currency] = result.commission.get(currency, 0) + owed
        result.content = (await self.ugc.approved_counts([partner.member_id], start, end)).get(partner.member_id, 0)
        return result


def statement_csv(statements: list[Statement]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["month", "partner", "code", "kind", "rate", "orders", "currency", "gross", "refunded",
                     "commission", "new_customers", "approved_content"])
    for s in statements:
        currencies = sorted(s.gross) or [""]
        for currency in currencies:
            money = [str(major_units(amounts.get(currency, 0), currency)) if currency else "0"
                     for amounts in (s.gross, s.refunded, s.commission)]
            # Partner names are typed by members: a leading = + - @ would run as a spreadsheet formula.
            name = "'" + s.partner.name if s.partner.name.startswith(("=", "+", "-", "@")) else s.partner.name
            writer.writerow([s.month, name, s.partner.code, s.partner.kind, rate_text(s.partner.commission_bp),
                             s.orders, currency, *money, s.new_customers, s.content])
    return out.getvalue().encode("utf-8")
