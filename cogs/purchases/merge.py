"""Merging records into an order's state so that arrival order and duplicates never matter.

The state is a join of three commutative, idempotent parts:
- the provider status only climbs ``STATUS_RANK`` (a stale "pending" can't un-pay an order);
- the content (amount, items, buyer, number) comes from the *latest* full snapshot, by a total order
  on (updated_at, status rank, digest), so two snapshots always agree on which one wins;
- refunds are a set keyed by refund id whose amounts only grow.
So any permutation of any multiset of deliveries ends in the state one orderly pass gives.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime

from cogs.purchases.records import STATUS_RANK, OrderRecord, RefundRecord
from storage.models import Purchase, PurchaseRefund


def digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def winner_key(record: OrderRecord, payload_digest: str) -> str:
    # Fixed-width UTC text sorts like the datetimes it holds; a missing time sorts before any time.
    stamp = record.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if record.updated_at else ""
    return f"{stamp}|{STATUS_RANK[record.status]}|{payload_digest}"


def higher(first: str, second: str) -> str:
    return first if STATUS_RANK[first] >= STATUS_RANK[second] else second


def new_purchase(provider: str, order_id: str, claim_hash: str, now: datetime) -> Purchase:
    return Purchase(provider=provider, order_id=order_id, status="pending", provider_status="pending",
                    refunded_minor=0, claim_hash=claim_hash, items="[]", first_seen_at=now, version=0,
                    effects_version=0, counted=False, reversal_announced=False, announced_refund_minor=0,
                    points=0, points_reversed=False)


def apply_order(purchase: Purchase, record: OrderRecord, payload_digest: str) -> None:
    purchase.provider_status = higher(purchase.provider_status, record.status)
    if record.created_at is not None and (purchase.created_at is None or record.created_at < purchase.created_at):
        purchase.created_at = record.created_at
    if not record.full:
        return
    key = winner_key(record, payload_digest)
    if purchase.winner_key is not None and key <= purchase.winner_key:
        return
    purchase.winner_key = key
    purchase.order_number = record.order_number
    purchase.amount_minor = record.amount_minor
    purchase.currency = record.currency
    purchase.customer_key = record.customer_key
    purchase.referral_code = record.referral_code
    purchase.items = json.dumps([asdict(item) for item in record.items], sort_keys=True, separators=(",", ":"))


def apply_refund(refunds: dict[str, PurchaseRefund], record: RefundRecord) -> PurchaseRefund | None:
    """Add or grow one refund; returns a new row to insert (existing rows are updated in place)."""
    existing = refunds.get(record.refund_id)
    if existing is None:
        row = PurchaseRefund(provider=record.provider, order_id=record.order_id, refund_id=record.refund_id,
                             amount_minor=max(record.amount_minor, 0), full=record.full)
        refunds[record.refund_id] = row
        return row
    existing.amount_minor = max(existing.amount_minor, record.amount_minor)
    existing.full = existing.full or record.full
    return None


def derive(purchase: Purchase, refunds: Iterable[PurchaseRefund]) -> None:
    """The status Hearth acts on, from the provider's status and the refunds seen."""
    rows = list(refunds)
    refunded = sum(row.amount_minor for row in rows)
    amount = purchase.amount_minor
    fully = any(row.full for row in rows) or (amount is not None and 0 < amount <= refunded)
    provider = purchase.provider_status
    if provider == "cancelled":
        status = "cancelled"
    elif provider == "refunded" or fully:
        status = "refunded"
    elif refunded > 0 or provider == "partially_refunded":
        # A refund proves a payment, even when the paid snapshot hasn't arrived yet.
        status = "partially_refunded"
    else:
        status = provider
    purchase.status = status
    purchase.refunded_minor = refunded


def fingerprint(purchase: Purchase) -> tuple[object, ...]:
    """What effects depend on: a change here bumps ``version`` so effects run again."""
    return (purchase.status, purchase.provider_status, purchase.amount_minor, purchase.currency,
            purchase.refunded_minor, purchase.customer_key, purchase.member_id, purchase.items,
            purchase.order_number, purchase.referral_code, purchase.created_at, purchase.winner_key)
