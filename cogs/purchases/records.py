"""The normalised, redacted forms of store deliveries: what the inbox stores instead of raw bodies.

An ``OrderRecord`` is a snapshot of an order as one delivery saw it; a ``RefundRecord`` is one refund.
Both carry no personal data: the buyer is a keyed hash of their email, and names, addresses, phone
numbers and IPs were never copied out of the payload.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Statuses only move up this ladder: a late "pending" snapshot can't un-pay an order, whatever order
# deliveries arrive in (Shopify and Stripe promise no ordering).
STATUS_RANK = {"pending": 0, "paid": 1, "partially_refunded": 2, "refunded": 3, "cancelled": 4}
COUNTING = frozenset(("paid", "partially_refunded"))
FORMAT_VERSION = 1


class RecordError(ValueError):
    """A payload that can't be turned into a record; the message is the 400 reason."""


@dataclass(frozen=True)
class Item:
    product_id: str | None
    sku: str | None
    title: str | None
    quantity: int = 1


@dataclass(frozen=True)
class RefundRecord:
    provider: str
    order_id: str
    refund_id: str
    amount_minor: int
    currency: str | None = None
    # True when the provider says the whole order (or charge) is refunded.
    full: bool = False
    at: datetime | None = None

    kind = "refund"


@dataclass(frozen=True)
class OrderRecord:
    provider: str
    order_id: str
    status: str
    order_number: str | None = None
    amount_minor: int | None = None
    currency: str | None = None
    customer_key: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    referral_code: str | None = None
    items: tuple[Item, ...] = ()
    refunds: tuple[RefundRecord, ...] = field(default=())

    kind = "order"

    @property
    def full(self) -> bool:
        """A full snapshot (amount and currency known) may set the order's content; a stub only its status."""
        return self.amount_minor is not None and self.currency is not None


Record = OrderRecord | RefundRecord


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _parse_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _refund_dict(refund: RefundRecord) -> dict[str, Any]:
    return {"kind": "refund", "v": FORMAT_VERSION, "provider": refund.provider, "order_id": refund.order_id,
            "refund_id": refund.refund_id, "amount_minor": refund.amount_minor, "currency": refund.currency,
            "full": refund.full, "at": _time(refund.at)}


def dump(record: Record) -> str:
    """Canonical JSON (sorted keys), so the same snapshot always gives the same text and digest.

    Built field by field (not ``dataclasses.asdict``, whose deep copies cost more than the whole request).
    """
    if isinstance(record, RefundRecord):
        data = _refund_dict(record)
    else:
        data = {"kind": "order", "v": FORMAT_VERSION, "provider": record.provider, "order_id": record.order_id,
                "status": record.status, "order_number": record.order_number, "amount_minor": record.amount_minor,
                "currency": record.currency, "customer_key": record.customer_key,
                "created_at": _time(record.created_at), "updated_at": _time(record.updated_at),
                "referral_code": record.referral_code,
                "items": [{"product_id": i.product_id, "sku": i.sku, "title": i.title, "quantity": i.quantity}
                          for i in record.items],
                "refunds": [_refund_dict(refund) for refund in record.refunds]}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _refund(data: dict[str, Any]) -> RefundRecord:
    return RefundRecord(provider=data["provider"], order_id=data["order_id"], refund_id=data["refund_id"],
                        amount_minor=int(data["amount_minor"]), currency=data.get("currency"),
                        full=bool(data.get("full")), at=_parse_time(data.get("at")))


def load(text: str) -> Record:
    data = json.loads(text)
    if data.get("kind") == "refund":
        return _refund(data)
    return OrderRecord(
        provider=data["provider"], order_id=data["order_id"], status=data["status"],
        order_number=data.get("order_number"), amount_minor=data.get("amount_minor"), currency=data.get("currency"),
        customer_key=data.get("customer_key"), created_at=_parse_time(data.get("created_at")),
        updated_at=_parse_time(data.get("updated_at")), referral_code=data.get("referral_code"),
        items=tuple(Item(**item) for item in data.get("items", [])),
        refunds=tuple(_refund(refund) for refund in data.get("refunds", [])),
    )
