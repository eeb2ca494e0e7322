"""Fixtures from ../shared/fixtures and signing exactly as each provider signs (see SOURCES.md there)."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT.parent / "shared" / "fixtures"
SECRETS = {
    "shopify": "test_shopify_client_secret",
    "woocommerce": "test_wc_secret",
    "stripe": "whsec_test_secret",
    "standard": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "lemonsqueezy": "test_ls_secret",
}
INSTANCE_SECRET = b"test-instance-secret"


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def payload(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads(raw(name)))


def vectors() -> list[dict[str, Any]]:
    return json.loads(raw("signature-vectors.computed.json"))["vectors"]


def customer_key(email: str) -> str:
    return hmac.new(INSTANCE_SECRET, email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()


def shopify(body: bytes, topic: str, secret: str = SECRETS["shopify"]) -> dict[str, str]:
    return {"X-Shopify-Hmac-Sha256": base64.b64encode(_mac(secret.encode(), body)).decode(),
            "X-Shopify-Topic": topic, "X-Shopify-Shop-Domain": "jsmith.myshopify.com",
            "X-Shopify-API-Version": "2026-04", "Content-Type": "application/json"}


def woocommerce(body: bytes, topic: str, secret: str = SECRETS["woocommerce"]) -> dict[str, str]:
    return {"X-WC-Webhook-Signature": base64.b64encode(_mac(secret.encode(), body)).decode(),
            "X-WC-Webhook-Topic": topic, "X-WC-Webhook-Source": "https://example.com/",
            "Content-Type": "application/json"}


def stripe(body: bytes, timestamp: int, secret: str = SECRETS["stripe"]) -> dict[str, str]:
    signature = _mac(secret.encode(), f"{timestamp}.".encode() + body).hex()
    return {"Stripe-Signature": f"t={timestamp},v1={signature}", "Content-Type": "application/json"}


def standard(body: bytes, message_id: str, timestamp: int, secret: str = SECRETS["standard"]) -> dict[str, str]:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signature = base64.b64encode(_mac(key, f"{message_id}.{timestamp}.".encode() + body)).decode()
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": f"v1,{signature}",
            "Content-Type": "application/json"}


def lemonsqueezy(body: bytes, event: str, secret: str = SECRETS["lemonsqueezy"]) -> dict[str, str]:
    return {"X-Signature": _mac(secret.encode(), body).hex(), "X-Event-Name": event,
            "Content-Type": "application/json"}


def encode(data: Any) -> bytes:
    return json.dumps(data).encode()


def shopify_order(order_id: int, *, email: str = "jon@example.com", status: str = "paid", total: str = "404.95",
                  updated_at: str = "2026-01-05T10:00:00+00:00", cancelled: bool = False,
                  refunds: list[dict[str, Any]] | None = None, sku: str = "SKU2006-001",
                  landing_site: str | None = None) -> dict[str, Any]:
    """The Shopify sample order, re-numbered and made paid (the sample itself is cancelled and voided)."""
    order = payload("shopify/sample.orders-create.payload.json")
    order.update(id=order_id, name=f"#{order_id}", email=email, contact_email=email, financial_status=status,
                 total_price=total, updated_at=updated_at, cancelled_at="2026-01-05T11:00:00+00:00" if cancelled
                 else None, cancel_reason="customer" if cancelled else None, refunds=refunds or [],
                 landing_site=landing_site)
    order["customer"]["email"] = email
    order["line_items"][0]["sku"] = sku
    return order


def shopify_refund(order_id: int, refund_id: int, amount: str) -> dict[str, Any]:
    refund = payload("shopify/third-party.refunds-create.abridged.json")
    refund.update(id=refund_id, order_id=order_id)
    refund["transactions"][0]["amount"] = amount
    return refund
