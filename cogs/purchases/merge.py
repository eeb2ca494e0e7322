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
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from cogs.purchases.records import STATUS_RANK, OrderRecord, RefundRecord


@dataclass
class RefundState:
    refund_id: str
    amount_minor: int
    full: bool
    stored: bool = False  # already a row in purchase_refunds
    changed: bool = False


@dataclass
class OrderState:
    """A ``purchases`` row as plain data (the ORM's bookkeeping costs more than the merge itself)."""

    provider: str
    order_id: str
    claim_hash: str
    first_seen_at: datetime
    id: int | None = None
    order_number: str | None = None
    status: str = "pending"
    provider_status: str = "pending"
    amount_minor: int | None = None
    currency: str | None = None
    refunded_minor: int = 0
    customer_key: str | None = None
    member_id: int | None = None
    referral_code: str | None = None
    items: str = "[]"
    created_at: datetime | None = None
    winner_key: str | None = None
    version: int = 0
    refunds: dict[str, RefundState] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The columns the merge owns (effects' columns are left to the effects runner)."""
        return {name: getattr(self, name) for name in MERGED_COLUMNS}


MERGED_COLUMNS = tuple(f.name for f in fields(OrderState) if f.name not in ("id", "refunds"))


def digest(payload: str) -> str:
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def winner_key(record: OrderRecord, payload_digest: str) -> str:
    # Fixed-width UTC text sorts like the datetimes it holds; a missing time sorts before any time.
    stamp = record.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") if record.updated_at else ""
    return f"{stamp}|{STATUS_RANK[record.status]}|{payload_digest}"


def higher(first: str, second: str) -> str:
    return first if STATUS_RANK[first] >= STATUS_RANK[second] else second


def apply_order(state: OrderState, record: OrderRecord, payload_digest: str) -> None:
    state.provider_status = higher(state.provider_status, record.status)
    if record.created_at is not None and (state.created_at is None or record.created_at < state.created_at):
        state.created_at = record.created_at
    for refund in record.refunds:
        apply_refund(state, refund)
    if not record.full:
        return
    key = winner_key(record, payload_digest)
    if state.winner_key is not None and key <= state.winner_key:
        return
    state.winner_key = key
    state.order_number = record.order_number
    state.amount_minor = record.amount_minor
    state.currency = record.currency
    state.customer_key = record.customer_key
    state.referral_code = record.referral_code
    state.items = json.dumps([{"product_id": i.product_id, "quantity": i.quantity, "sku": i.sku, "title": i.title}
                              for i in record.items], sort_keys=True, separators=(",", ":"))


def apply_refund(state: OrderState, record: RefundRecord) -> None:
    """Add or grow one refund."""
    amount = max(record.amount_minor, 0)
    existing = state.refunds.get(record.refund_id)
    if existing is None:
        state.refunds[record.refund_id] = RefundState(record.refund_id, amount, record.full, changed=True)
    elif amount > existing.amount_minor or (record.full and not existing.full):
        existing.amount_minor = max(existing.amount_minor, amount)
        existing.full = existing.full or record.full
        existing.changed = True


def derive(state: OrderState) -> None:
    """The status Hearth acts on, from the provider's status and the refunds seen."""
    refunds: Iterable[RefundState] = state.refunds.values()
    refunded = sum(r.amount_minor for r in refunds)
    amount = state.amount_minor
    fully = any(r.full for r in state.refunds.values()) or (amount is not None and 0 < amount <= refunded)
    provider = state.provider_status
    if provider == "cancelled":
        status = "cancelled"
    elif provider == "refunded" or fully:
        status = "refunded"
    elif refunded > 0 or provider == "partially_refunded":
        # A refund proves a payment, even when the paid snapshot hasn't arrived yet.
        status = "partially_refunded"
    else:
        status = provider
    state.status = status
    state.refunded_minor = refunded


def fingerprint(state: OrderState) -> tuple[object, ...]:
    """What effects depend on: a change here bumps ``version`` so effects run again."""
    return (state.status, state.provider_status, state.amount_minor, state.currency, state.refunded_minor,
            state.customer_key, state.member_id, state.items, state.order_number, state.referral_code,
            state.created_at, state.winner_key)


def apply(state: OrderState, record: OrderRecord | RefundRecord, payload_digest: str) -> None:
    if isinstance(record, OrderRecord):
        apply_order(state, record, payload_digest)
    else:
        apply_refund(state, record)
