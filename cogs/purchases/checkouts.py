"""Stripe events, Lemon Squeezy orders and Hearth's documented order schema (Standard Webhooks) → records."""

from __future__ import annotations

from typing import Any

from cogs.purchases import normalise as n
from cogs.purchases.money import currency_code, decimal_to_minor, integer_minor, stripe_to_minor
from cogs.purchases.records import STATUS_RANK, OrderRecord, Record, RecordError, RefundRecord

STRIPE_SESSION_EVENTS = frozenset(("checkout.session.completed", "checkout.session.async_payment_succeeded",
                                   "checkout.session.async_payment_failed"))
LEMON_STATUS = {"pending": "pending", "failed": "pending", "paid": "paid", "refunded": "refunded",
                "partial_refund": "partially_refunded", "fraudulent": "cancelled"}
LEMON_EVENTS = frozenset(("order_created", "order_refunded"))
STANDARD_TYPES = {"order.created": "pending", "order.updated": "pending", "order.paid": "paid",
                  "order.cancelled": "cancelled", "order.refunded": "refunded"}


# --- Stripe ------------------------------------------------------------------------------------


def _stripe_order_id(data: dict[str, Any]) -> str:
    # Sessions and charges of one payment share the PaymentIntent: refunds find their order through it.
    return n.ident(data.get("payment_intent") or data.get("id"), "payment_intent or id")


def stripe(secret: bytes, body: Any) -> Record | None:
    event = n.obj(body, "the body")
    kind = event.get("type")
    data = n.obj(n.opt_obj(event, "data").get("object"), "data.object")
    at = n.when(event.get("created"))
    if kind in STRIPE_SESSION_EVENTS:
        currency = currency_code(data.get("currency"))
        paid = data.get("payment_status") in ("paid", "no_payment_required")
        status = "paid" if paid and kind != "checkout.session.async_payment_failed" else "pending"
        details = n.opt_obj(data, "customer_details")
        metadata = n.opt_obj(data, "metadata")
        product = n.item(metadata.get("product_id"), metadata.get("sku"), metadata.get("product"))
        return OrderRecord(
            provider="stripe", order_id=_stripe_order_id(data), status=status,
            order_number=n.opt_ident(data.get("client_reference_id")) or n.opt_ident(data.get("id")),
            amount_minor=stripe_to_minor(data.get("amount_total") or 0, currency), currency=currency,
            customer_key=n.customer_key(secret, details.get("email") or data.get("customer_email")),
            created_at=n.when(data.get("created")), updated_at=at,
            referral_code=n.ref_from_mapping(metadata),
            items=(product,) if product.product_id or product.sku else (),
        )
    if kind == "charge.refunded":
        currency = currency_code(data.get("currency"))
        charge_id = n.ident(data.get("id"), "charge id")
        # amount_refunded is the charge's running total: the refund row keeps the largest seen.
        return RefundRecord(provider="stripe", order_id=_stripe_order_id(data), refund_id=f"charge:{charge_id}",
                            amount_minor=stripe_to_minor(data.get("amount_refunded") or 0, currency),
                            currency=currency, full=data.get("refunded") is True, at=at)
    return None


# --- Lemon Squeezy (native, or forwarded unchanged through a Standard Webhooks bridge) -----------


def is_lemonsqueezy(body: Any) -> bool:
    return (isinstance(body, dict) and isinstance(body.get("meta"), dict) and isinstance(body.get("data"), dict)
            and body["data"].get("type") == "orders")


def lemonsqueezy(secret: bytes, event_name: str | None, body: Any) -> Record | None:
    payload = n.obj(body, "the body")
    meta = n.opt_obj(payload, "meta")
    name = event_name or meta.get("event_name")
    if name not in LEMON_EVENTS:
        return None
    data = n.obj(payload.get("data"), "data")
    attributes = n.obj(data.get("attributes"), "data.attributes")
    order_id = n.ident(data.get("id"), "data.id")
    currency = currency_code(attributes.get("currency"))
    status = LEMON_STATUS.get(str(attributes.get("status")), "pending")
    if name == "order_refunded" or attributes.get("refunded") is True:
        status = max(status, "refunded", key=STATUS_RANK.__getitem__)
    refunded = attributes.get("refunded_amount")
    refunds = ()
    if isinstance(refunded, int) and not isinstance(refunded, bool) and refunded > 0:
        refunds = (RefundRecord(provider="lemonsqueezy", order_id=order_id, refund_id="refunded_amount",
                                amount_minor=stripe_to_minor(refunded, currency), currency=currency),)
    first = n.opt_obj(attributes, "first_order_item")
    product = n.item(first.get("product_id"), first.get("variant_id"), first.get("product_name"), first.get("quantity"))
    return OrderRecord(
        provider="lemonsqueezy", order_id=order_id, status=status,
        order_number=n.opt_ident(attributes.get("order_number")),
        # Lemon Squeezy amounts are integers in the smallest unit, like Stripe's.
        amount_minor=stripe_to_minor(attributes.get("total") or 0, currency), currency=currency,
        customer_key=n.customer_key(secret, attributes.get("user_email")),
        created_at=n.when(attributes.get("created_at")), updated_at=n.when(attributes.get("updated_at")),
        referral_code=n.ref_from_mapping(n.opt_obj(meta, "custom_data")),
        items=(product,) if product.product_id or product.sku else (), refunds=refunds,
    )


# --- Hearth's order schema, signed per the Standard Webhooks spec ------------------------------


def _standard_amount(data: dict[str, Any], prefix: str, currency: str | None) -> int:
    if data.get(f"{prefix}_minor") is not None:
        return integer_minor(data[f"{prefix}_minor"])
    if data.get(prefix) is not None:
        return decimal_to_minor(data[prefix], currency or "USD")
    raise RecordError(f"data.{prefix} (decimal string) or data.{prefix}_minor (integer) is required")


def _standard_refund(data: dict[str, Any], order_id: str, currency: str | None, at: Any) -> RefundRecord:
    refund = n.obj(data.get("refund"), "data.refund")
    return RefundRecord(provider="standard", order_id=order_id, refund_id=n.ident(refund.get("refund_id"),
                                                                                  "data.refund.refund_id"),
                        amount_minor=_standard_amount(refund, "amount", currency), currency=currency,
                        full=refund.get("full") is True, at=n.when(at))


def standard(secret: bytes, body: Any) -> Record | None:
    """The documented schema (README, "Store webhooks and purchases"); Lemon Squeezy payloads pass through."""
    if is_lemonsqueezy(body):
        return lemonsqueezy(secret, None, body)
    payload = n.obj(body, "the body")
    kind = payload.get("type")
    if kind != "refund.created" and kind not in STANDARD_TYPES:
        return None
    data = n.obj(payload.get("data"), "data")
    order_id = n.ident(data.get("order_id"), "data.order_id")
    currency = currency_code(data["currency"]) if data.get("currency") is not None else None
    if kind == "refund.created":
        return _standard_refund(data, order_id, currency, payload.get("timestamp"))
    if currency is None:
        raise RecordError("data.currency is required for orders")
    status = str(data.get("status") or STANDARD_TYPES[kind])
    if status not in STATUS_RANK:
        raise RecordError(f"data.status must be one of {', '.join(STATUS_RANK)}")
    status = max(status, STANDARD_TYPES[kind], key=STATUS_RANK.__getitem__)
    return OrderRecord(
        provider="standard", order_id=order_id, status=status, order_number=n.opt_ident(data.get("order_number")),
        amount_minor=_standard_amount(data, "total", currency), currency=currency,
        customer_key=n.customer_key(secret, data.get("email")),
        created_at=n.when(data.get("created_at")),
        updated_at=n.when(data.get("updated_at")) or n.when(payload.get("timestamp")),
        referral_code=n.referral(data.get("referral_code")),
        items=n.items(n.item(entry.get("product_id"), entry.get("sku"), entry.get("title"), entry.get("quantity"))
                      for entry in n.opt_list(data, "items") if isinstance(entry, dict)),
        refunds=(_standard_refund(data, order_id, currency, payload.get("timestamp")),) if data.get("refund") else (),
    )
