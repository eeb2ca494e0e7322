"""Shopify and WooCommerce orders (webhook bodies and REST API objects share one shape) → records."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cogs.purchases import normalise as n
from cogs.purchases.money import currency_code, decimal_to_minor
from cogs.purchases.records import STATUS_RANK, OrderRecord, Record, RecordError, RefundRecord

SHOPIFY_ORDER_TOPICS = frozenset(("orders/create", "orders/paid", "orders/updated", "orders/cancelled",
                                  "orders/edited", "orders/fulfilled", "orders/partially_fulfilled", "sync"))
SHOPIFY_FINANCIAL = {
    "pending": "pending", "authorized": "pending", "partially_paid": "pending", "expired": "cancelled",
    "paid": "paid", "partially_refunded": "partially_refunded", "refunded": "refunded", "voided": "cancelled",
}
WOO_STATUS = {
    "pending": "pending", "on-hold": "pending", "failed": "pending", "checkout-draft": "pending",
    "processing": "paid", "completed": "paid", "refunded": "refunded", "cancelled": "cancelled",
    "trash": "cancelled",
}
WOO_ORDER_TOPICS = frozenset(("order.created", "order.updated", "order.deleted", "order.restored", "sync"))


def _max_status(*statuses: str) -> str:
    return max(statuses, key=STATUS_RANK.__getitem__)


def _minor(value: Any, currency: str | None) -> int:
    # A refund without a currency (Shopify's abridged samples) is read with two decimals, the common case.
    return decimal_to_minor(value, currency or "USD")


def _shopify_refund(data: dict[str, Any], order_id: str, currency: str | None) -> RefundRecord:
    refund_id = n.ident(data.get("id"), "refund id")
    total = Decimal(0)
    refund_currency = currency
    for transaction in n.opt_list(data, "transactions"):
        if not isinstance(transaction, dict):
            continue
        if transaction.get("kind", "refund") != "refund" or transaction.get("status", "success") != "success":
            continue
        refund_currency = refund_currency or _opt_currency(transaction.get("currency"))
        total += Decimal(_minor(transaction.get("amount", "0"), refund_currency))
    return RefundRecord(provider="shopify", order_id=order_id, refund_id=refund_id, amount_minor=int(total),
                        currency=refund_currency, at=n.when(data.get("created_at")))


def _opt_currency(value: Any) -> str | None:
    try:
        return currency_code(value)
    except ValueError:
        return None


def shopify_order(secret: bytes, topic: str, data: dict[str, Any]) -> OrderRecord:
    order_id = n.ident(data.get("id"), "order id")
    currency = currency_code(data.get("currency"))
    financial = SHOPIFY_FINANCIAL.get(str(data.get("financial_status") or "pending"), "pending")
    status = "cancelled" if data.get("cancelled_at") or topic == "orders/cancelled" else financial
    if topic == "orders/paid":
        status = _max_status(status, "paid")
    customer = n.opt_obj(data, "customer")
    email = data.get("email") or data.get("contact_email") or customer.get("email")
    codes = [c.get("code") for c in n.opt_list(data, "discount_codes") if isinstance(c, dict)]
    return OrderRecord(
        provider="shopify", order_id=order_id, status=status,
        order_number=n.text(data.get("name"), 64) or n.opt_ident(data.get("order_number")),
        amount_minor=decimal_to_minor(data.get("total_price", "0"), currency), currency=currency,
        customer_key=n.customer_key(secret, email),
        created_at=n.when(data.get("created_at")), updated_at=n.when(data.get("updated_at")),
        referral_code=(n.ref_from_pairs(n.opt_list(data, "note_attributes"), "name", "value")
                       or n.ref_from_url(data.get("landing_site")) or n.referral(*codes)),
        items=n.items(n.item(line.get("product_id"), line.get("sku"), line.get("title") or line.get("name"),
                             line.get("quantity"))
                      for line in n.opt_list(data, "line_items") if isinstance(line, dict)),
        refunds=tuple(_shopify_refund(refund, order_id, currency)
                      for refund in n.opt_list(data, "refunds") if isinstance(refund, dict)),
    )


def shopify(secret: bytes, topic: str, body: Any) -> Record | None:
    """An ``X-Shopify-Topic`` delivery; None for topics Hearth doesn't use (answered 200, not stored)."""
    data = n.obj(body, "the body")
    if topic == "refunds/create":
        return _shopify_refund(data, n.ident(data.get("order_id"), "order_id"), None)
    if topic in SHOPIFY_ORDER_TOPICS:
        return shopify_order(secret, topic, data)
    return None


def woocommerce_order(secret: bytes, data: dict[str, Any]) -> OrderRecord:
    order_id = n.ident(data.get("id"), "order id")
    currency = currency_code(data.get("currency"))
    billing = n.opt_obj(data, "billing")
    refunds = []
    for refund in n.opt_list(data, "refunds"):
        if isinstance(refund, dict) and refund.get("id") is not None:
            amount = abs(decimal_to_minor(refund.get("total", "0"), currency))
            refunds.append(RefundRecord(provider="woocommerce", order_id=order_id,
                                        refund_id=n.ident(refund.get("id"), "refund id"), amount_minor=amount,
                                        currency=currency))
    codes = [c.get("code") for c in n.opt_list(data, "coupon_lines") if isinstance(c, dict)]
    return OrderRecord(
        provider="woocommerce", order_id=order_id, status=WOO_STATUS.get(str(data.get("status")), "pending"),
        order_number=n.opt_ident(data.get("number")),
        amount_minor=decimal_to_minor(data.get("total", "0"), currency), currency=currency,
        customer_key=n.customer_key(secret, billing.get("email")),
        created_at=n.when(data.get("date_created_gmt")) or n.when(data.get("date_created")),
        updated_at=n.when(data.get("date_modified_gmt")) or n.when(data.get("date_modified")),
        referral_code=n.ref_from_pairs(n.opt_list(data, "meta_data"), "key", "value") or n.referral(*codes),
        items=n.items(n.item(line.get("product_id"), line.get("sku"), line.get("name"), line.get("quantity"))
                      for line in n.opt_list(data, "line_items") if isinstance(line, dict)),
        refunds=tuple(refunds),
    )


def woocommerce(secret: bytes, topic: str, body: Any) -> Record | None:
    """An ``X-WC-Webhook-Topic`` delivery; deleted orders arrive as ``{"id": …}`` and count as cancelled."""
    data = n.obj(body, "the body")
    if topic not in WOO_ORDER_TOPICS:
        return None
    if topic == "order.deleted" or set(data) == {"id"}:
        return OrderRecord(provider="woocommerce", order_id=n.ident(data.get("id"), "order id"), status="cancelled")
    if "currency" not in data:
        raise RecordError("an order needs a currency")
    return woocommerce_order(secret, data)
