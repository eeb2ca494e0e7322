"""Signature checks, each exactly as its provider signs (see ../shared/fixtures/SOURCES.md).

Every check works on the raw request bytes (never re-serialised JSON) and compares in constant time.
Failures raise ``SignatureError``; the message is for logs and the 401 body and never echoes a secret.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from datetime import datetime

MAX_SIGNATURES = 20  # a header listing more candidates than this is an attack on our CPU, not a rotation


class SignatureError(Exception):
    """The delivery is not provably from the store: answer 401."""


def _equal(expected: bytes, given: str) -> bool:
    return hmac.compare_digest(expected, given.strip().encode("utf-8", "replace"))


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.digest(key, message, "sha256")


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise SignatureError(f"missing {name} header")
    return value


def shopify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the body with the app's client secret."""
    given = _header(headers, "X-Shopify-Hmac-Sha256")
    if not _equal(base64.b64encode(_mac(secret.encode(), body)), given):
        raise SignatureError("X-Shopify-Hmac-Sha256 does not match the body")


def woocommerce(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """``X-WC-Webhook-Signature``: base64 HMAC-SHA256 of the (trimmed, as sent) body with the webhook secret."""
    given = _header(headers, "X-WC-Webhook-Signature")
    if not _equal(base64.b64encode(_mac(secret.encode(), body)), given):
        raise SignatureError("X-WC-Webhook-Signature does not match the body")


def lemonsqueezy(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """``X-Signature``: hex HMAC-SHA256 of the body with the signing secret."""
    given = _header(headers, "X-Signature").lower()
    if not _equal(_mac(secret.encode(), body).hex().encode(), given):
        raise SignatureError("X-Signature does not match the body")


def _timestamp(value: str, what: str) -> int:
    value = value.strip()
    if not value.isdigit() or len(value) > 12:
        raise SignatureError(f"{what} is not a unix timestamp")
    return int(value)


def stripe(body: bytes, headers: Mapping[str, str], secrets: list[str], now: datetime, tolerance: int) -> None:
    """``Stripe-Signature: t=…,v1=…[,v1=…]``: hex HMAC of ``t.body`` keyed with the whole ``whsec_…`` string.

    Any v1 matching any configured secret passes (Stripe signs with old and new secret while rolling);
    other schemes (v0) are ignored. Like Stripe's SDKs, only timestamps older than the tolerance fail.
    """
    timestamp: str | None = None
    candidates: list[str] = []
    for part in _header(headers, "Stripe-Signature").split(",")[: MAX_SIGNATURES * 2]:
        scheme, _, value = part.strip().partition("=")
        if scheme == "t":
            timestamp = value
        elif scheme == "v1" and value:
            candidates.append(value.lower())
    if timestamp is None:
        raise SignatureError("Stripe-Signature has no timestamp")
    if not candidates:
        raise SignatureError("Stripe-Signature has no v1 signature")
    signed_at = _timestamp(timestamp, "Stripe-Signature t")
    message = timestamp.strip().encode() + b"." + body
    expected = [_mac(secret.encode(), message).hex().encode() for secret in secrets]
    if not any(_equal(mac, given) for mac in expected for given in candidates[:MAX_SIGNATURES]):
        raise SignatureError("no Stripe-Signature v1 matches the body")
    # Checked after the signature, so the timestamp is known to be Stripe's and not an attacker's.
    if signed_at < now.timestamp() - tolerance:
        raise SignatureError("Stripe-Signature timestamp is outside the tolerance (a replay?)")


def standard_key(secret: str) -> bytes:
    """A Standard Webhooks secret is base64, optionally prefixed ``whsec_``; the HMAC key is its bytes."""
    try:
        return base64.b64decode(secret.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("HEARTH_STANDARD_WEBHOOK_SECRET must be base64 (optionally prefixed whsec_)") from None


def standard(body: bytes, headers: Mapping[str, str], keys: list[bytes], now: datetime, tolerance: int) -> None:
    """``webhook-id``/``-timestamp``/``-signature`` (space-separated ``v1,<base64>``) over ``id.timestamp.body``.

    Timestamps too old *or* too far in the future fail, as in the spec's reference libraries.
    """
    message_id = _header(headers, "webhook-id").strip()
    timestamp = _header(headers, "webhook-timestamp").strip()
    signed_at = _timestamp(timestamp, "webhook-timestamp")
    given = [value for version, _, value in (part.partition(",") for part in
                                             _header(headers, "webhook-signature").split()[:MAX_SIGNATURES])
             if version == "v1" and value]
    if not given:
        raise SignatureError("webhook-signature has no v1 signature")
    message = f"{message_id}.{timestamp}.".encode() + body
    expected = [base64.b64encode(_mac(key, message)) for key in keys]
    if not any(_equal(mac, value) for mac in expected for value in given):
        raise SignatureError("no webhook-signature v1 matches the body")
    if abs(now.timestamp() - signed_at) > tolerance:
        raise SignatureError("webhook-timestamp is outside the tolerance (a replay?)")
