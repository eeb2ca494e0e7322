"""Store purchases: the webhook inbox, orders merged from it, buyer links, claims, role grants, sync cursors.

No personal data lives here: customers are keyed by an HMAC of their email (``customer_key``), and the
inbox holds a redacted, normalised form of each delivery, never the raw body.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class PurchaseDelivery(Base):
    """One accepted webhook delivery (or one backfilled order), waiting for or done with processing."""

    __tablename__ = "purchase_inbox"
    __table_args__ = (
        # The processor only ever asks for what is left: a partial index keeps that cheap forever.
        Index("ix_purchase_inbox_pending", "id", sqlite_where=text("processed_at IS NULL"),
              postgresql_where=text("processed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    # provider + the provider's own delivery/event id (or a body digest): retries land on the same key.
    delivery_key: Mapped[str] = mapped_column(String(200), unique=True)
    provider: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Purchase(Base):
    """An order as merged from every delivery about it, whatever order they arrived in.

    ``version`` moves whenever the merged state changes; ``effects_version`` says which state points,
    roles and events were last brought in line with, so pending effects survive a crash.
    """

    __tablename__ = "purchases"
    __table_args__ = (
        UniqueConstraint("provider", "order_id"),
        Index("ix_purchases_pending_effects", "id", sqlite_where=text("version > effects_version"),
              postgresql_where=text("version > effects_version")),
        # A forgotten buyer's orders stay, anonymised: revenue and repeat-purchase figures must still add up.
        {"info": {"on_forget": "anonymise"}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str] = mapped_column(String(100))
    # As long as an id (normalise.MAX_ID): Stripe's is the 66-character Checkout Session id.
    order_number: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20))
    provider_status: Mapped[str] = mapped_column(String(20))
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # The keyed hash of the buyer's email identifies them: cleared when they are forgotten.
    customer_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True, info={"personal": True})
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), nullable=True, index=True)
    claim_hash: Mapped[str] = mapped_column(String(64), unique=True)
    referral_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    items: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    created_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # The sort key of the snapshot the content fields came from: the latest full snapshot wins.
    winner_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    effects_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    counted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    reversal_announced: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    announced_refund_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    points_reversed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PurchaseRefund(Base):
    """One refund of an order; the amount only grows (Stripe reports a charge's refunded total)."""

    __tablename__ = "purchase_refunds"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    refund_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    full: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PurchaseCustomer(Base):
    """A store customer (keyed email hash) linked to a member: their past and future orders count for them."""

    __tablename__ = "purchase_customers"

    customer_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PurchaseClaim(Base):
    """A claim for an order Hearth hasn't seen yet (the buyer was faster than the webhook)."""

    __tablename__ = "purchase_claims"

    claim_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PurchaseRoleGrant(Base):
    """A role (Telegram: gated chat) Hearth granted to one account because of purchases."""

    __tablename__ = "purchase_role_grants"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id", "role_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    platform_user_id: Mapped[str] = mapped_column(String(64))
    role_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(140))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class PurchaseSyncCursor(Base):
    """Where a `hearth sync` backfill got to, so an interrupted run resumes instead of starting over."""

    __tablename__ = "purchase_sync_cursors"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    since: Mapped[str] = mapped_column(String(40))
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    fetched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    done: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
