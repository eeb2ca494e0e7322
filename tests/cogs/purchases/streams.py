"""A realistic stream of store deliveries across providers: creations, payments, edits, refunds, cancellations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.cogs.purchases import signing

EMAILS = ("ana@example.com", "Ben@Example.com ", "cleo@example.com", "dev@example.com", "eve@example.com")
NOW = 1_767_603_600  # 2026-01-05 09:00 UTC, the ManualClock's default start


@dataclass(frozen=True)
class Sent:
    provider: str
    body: bytes
    headers: dict[str, str]


def _shopify(order_id: int, email: str, status: str, updated: str, topic: str, **extra: Any) -> Sent:
    body = signing.encode(signing.shopify_order(order_id, email=email, status=status,
                                                updated_at=f"2026-01-05T{updated}+00:00", **extra))
    return Sent("shopify", body, signing.shopify(body, topic))


def _woo(order_id: int, email: str, status: str, modified: str, refunds: list[dict[str, Any]] | None = None,
         sku: str = "Bar3") -> Sent:
    order = signing.payload("woocommerce/order.updated.json")
    order.update(id=order_id, number=str(order_id), status=status, date_modified_gmt=f"2026-01-05T{modified}",
                 refunds=refunds or [])
    order["billing"]["email"] = email
    order["line_items"][1]["sku"] = sku
    body = signing.encode(order)
    return Sent("woocommerce", body, signing.woocommerce(body, "order.updated"))


def _stripe(kind: str, name: str, session: str, email: str, amount: int, created: int) -> Sent:
    event = signing.payload(name)
    event.update(id=f"evt_{kind}_{session}", created=created)
    obj = event["data"]["object"]
    if kind == "session":
        obj.update(id=f"cs_{session}", payment_intent=f"pi_{session}", amount_total=amount, currency="jpy")
        obj["customer_details"]["email"] = email
    else:
        obj.update(id=f"ch_{session}", payment_intent=f"pi_{session}", amount=amount, amount_refunded=amount,
                   currency="jpy", refunded=True)
    body = signing.encode(event)
    return Sent("stripe", body, signing.stripe(body, NOW))


def _standard(message: str, kind: str, data: dict[str, Any]) -> Sent:
    body = signing.encode({"type": kind, "timestamp": "2026-01-05T09:00:00Z", "data": data})
    return Sent("standard", body, signing.standard(body, message, NOW))


def stream() -> list[Sent]:
    """The deliveries of 30 orders, in the order the stores sent them."""
    sent: list[Sent] = []
    for n in range(12):
        order_id, email = 5000 + n, EMAILS[n % 5]
        sku = "COURSE-1" if n % 4 == 0 else "SKU2006-001"
        sent.append(_shopify(order_id, email, "pending", "09:00:00", "orders/create", sku=sku))
        sent.append(_shopify(order_id, email, "paid", "09:05:00", "orders/paid", sku=sku,
                             landing_site=f"/products/x?ref=FRIEND{n}"))
        if n % 3 == 1:
            refund = signing.shopify_refund(order_id, 900 + n, "100.00")
            body = signing.encode(refund)
            sent.append(Sent("shopify", body, signing.shopify(body, "refunds/create")))
        if n % 3 == 2:
            sent.append(_shopify(order_id, email, "refunded", "09:30:00", "orders/cancelled", cancelled=True,
                                 sku=sku))
    for n in range(8):
        order_id, email = 700 + n, EMAILS[(n + 2) % 5]
        sent.append(_woo(order_id, email, "pending", "09:00:00"))
        sent.append(_woo(order_id, email, "processing", "09:01:00", sku="COURSE-1" if n == 3 else "Bar3"))
        if n % 2:
            sent.append(_woo(order_id, email, "refunded", "09:40:00",
                             refunds=[{"id": 800 + n, "reason": "", "total": "-29.35"}]))
        else:
            sent.append(_woo(order_id, email, "completed", "09:20:00"))
    for n in range(6):
        email = EMAILS[n % 5]
        sent.append(_stripe("session", "stripe/assembled.checkout.session.completed.json", f"s{n}", email,
                            4500 + n, NOW - 600 + n))
        if n % 2:
            sent.append(_stripe("charge", "stripe/assembled.charge.refunded.json", f"s{n}", email, 4500 + n,
                                NOW - 300 + n))
    for n in range(4):
        data = {"order_id": f"fc-{n}", "order_number": f"FC{n}", "currency": "EUR", "total": "49.90",
                "email": EMAILS[(n + 1) % 5], "referral_code": "PARTNER",
                "items": [{"product_id": "p-course", "sku": "COURSE-1", "title": "Course", "quantity": 1}]}
        sent.append(_standard(f"msg_{n}_a", "order.created", {**data, "updated_at": "2026-01-05T09:00:00Z"}))
        sent.append(_standard(f"msg_{n}_b", "order.paid", {**data, "updated_at": "2026-01-05T09:02:00Z"}))
        if n == 1:
            sent.append(_standard(f"msg_{n}_c", "refund.created",
                                  {"order_id": f"fc-{n}", "currency": "EUR",
                                   "refund": {"refund_id": "r1", "amount": "10.00"}}))
    return sent
