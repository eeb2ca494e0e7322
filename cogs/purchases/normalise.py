"""Provider payload → normalised record: the shared reading helpers, redaction and the customer key.

Redaction is by construction: a record is built field by field from what Hearth needs, so names,
addresses, phone numbers and IPs are never copied, and the email only survives as a keyed hash.
"""

from __future__ import annotations

import hmac
import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cogs.purchases.records import Item, RecordError

MAX_ID = 100
MAX_TITLE = 200
MAX_ITEMS = 200
REFERRAL = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
REFERRAL_KEYS = ("ref", "referral", "referral_code", "hearth_ref", "_hearth_ref")


def customer_key(secret: bytes, email: object) -> str | None:
    """HMAC-SHA256 of the trimmed, lowercased email with the instance secret; the only trace of an email."""
    if not isinstance(email, str) or not email.strip():
        return None
    return hmac.digest(secret, email.strip().lower().encode("utf-8"), "sha256").hex()


def parse_json(body: bytes) -> Any:
    """The body as JSON; floats as Decimal so "19.99" and 19.99 give the same cents."""
    try:
        return json.loads(body, parse_float=Decimal, parse_constant=_no_constants)
    except RecursionError:
        raise RecordError("JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise RecordError(f"body is not valid JSON ({type(error).__name__})") from None


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RecordError(f"{where} must be a JSON object")
    return value


def opt_obj(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def opt_list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return value if isinstance(value, list) else []


def ident(value: Any, what: str) -> str:
    """An id as text: Shopify's are integers above 2**53 (exact here: Python ints don't round)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RecordError(f"{what} is missing or not a string/integer")
    text = str(value).strip()
    if not text or len(text) > MAX_ID or not text.isprintable():
        raise RecordError(f"{what} must be 1-{MAX_ID} printable characters")
    return text


def opt_ident(value: Any) -> str | None:
    try:
        return ident(value, "id") if value not in (None, "", 0) else None
    except RecordError:
        return None


def text(value: Any, limit: int = MAX_TITLE) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return html.unescape(value.strip())[:limit]


def when(value: Any) -> datetime | None:
    """ISO 8601 (offset or Z; naive means UTC, as WooCommerce's *_gmt fields) or unix seconds; else None."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | Decimal) and 0 <= value < 10**11:
            return datetime.fromtimestamp(int(value), UTC)
        if isinstance(value, str) and 10 <= len(value) <= 40:
            parsed = datetime.fromisoformat(value.strip())
            return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def quantity(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**6 else 1


def item(product_id: Any, sku: Any, title: Any, count: Any = 1) -> Item:
    return Item(product_id=opt_ident(product_id), sku=text(sku, MAX_ID), title=text(title), quantity=quantity(count))


def items(entries: Iterable[Item]) -> tuple[Item, ...]:
    return tuple(entries)[:MAX_ITEMS]


def referral(*candidates: Any) -> str | None:
    """The first candidate that looks like a referral code."""
    for candidate in candidates:
        if isinstance(candidate, int) and not isinstance(candidate, bool):
            candidate = str(candidate)
        if isinstance(candidate, str) and REFERRAL.match(candidate.strip()):
            return candidate.strip()
    return None


def ref_from_url(url: Any) -> str | None:
    """The ``ref`` query parameter of a landing-site URL ("/products/x?ref=ALICE")."""
    if not isinstance(url, str) or len(url) > 2000:
        return None
    try:
        query = parse_qs(urlsplit(url).query)
    except ValueError:
        return None
    for key in REFERRAL_KEYS:
        if query.get(key):
            return referral(query[key][0])
    return None


def ref_from_pairs(pairs: list[Any], name_key: str, value_key: str) -> str | None:
    """A referral code from name/value pairs (Shopify note_attributes, WooCommerce meta_data)."""
    for pair in pairs:
        if isinstance(pair, dict) and str(pair.get(name_key, "")).strip().lower() in REFERRAL_KEYS:
            found = referral(pair.get(value_key))
            if found:
                return found
    return None


def ref_from_mapping(mapping: dict[str, Any]) -> str | None:
    """A referral code from a metadata object (Stripe metadata, Lemon Squeezy custom_data)."""
    for key in REFERRAL_KEYS:
        found = referral(mapping.get(key))
        if found:
            return found
    return None
