"""Growth: member content (UGC) and its moderation, referral codes and conversions, partners, launch campaigns.

Every side effect is guarded by a row written first: a submission is unique per member and content, a
referred customer converts once (``referral_customers``), an order counts once (``referral_orders``), a
launch phase posts once per place (``launch_posts``) and an early-access DM goes once per member
(``launch_dms``). Restarts, retries and a second process therefore never repeat one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime

# --- UGC ---------------------------------------------------------------------------------------------


class UgcSubmission(Base):
    """A photo, video or link a member shared (``/share`` or a post in a showcase channel).

    ``consent`` is the member's answer to "may this appear on the store" (pending | yes | no); only
    approved items with consent ``yes`` are in the public feed.
    """

    __tablename__ = "ugc_submissions"
    __table_args__ = (
        # The same link or upload shared twice by one member is one submission.
        UniqueConstraint("member_id", "content_key"),
        Index("ix_ugc_submissions_status", "status", "created_at"),
        Index("ix_ugc_submissions_feed", "consent", "status", "reviewed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(12))
    content_key: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="", info={"personal": True})
    link_url: Mapped[str | None] = mapped_column(String(500), nullable=True, info={"personal": True})
    link_platform: Mapped[str | None] = mapped_column(String(20), nullable=True)
    media_url: Mapped[str | None] = mapped_column(String(500), nullable=True, info={"personal": True})
    media_type: Mapped[str | None] = mapped_column(String(100), nullable=True)
    place_key: Mapped[str] = mapped_column(String(120))
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent: Mapped[str] = mapped_column(String(8), default="pending")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    featured: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    # A moderator's member id, deliberately not a foreign key: a moderator forgetting themselves (/forget_me)
    # must not take the submissions they reviewed with them.
    reviewed_by: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    featured_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UgcMilestoneRequest(Base):
    """The one "show us how you use it" DM a buyer gets some days after their first order (the row is the claim)."""

    __tablename__ = "ugc_milestone_requests"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    first_order_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)


# --- referrals ---------------------------------------------------------------------------------------


class ReferralCode(Base):
    """A member's personal code (``kind = "member"``) or a partner's own code (``"partner"``), stored upper-case."""

    __tablename__ = "referral_codes"
    __table_args__ = (UniqueConstraint("member_id", "kind"),)

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The store discount code created for it through the provider's API, and the provider's id for it.
    discount_code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    discount_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ReferralInvite(Base):
    """A named invite link made for one member in one chat (Telegram reports the link a joiner used)."""

    __tablename__ = "referral_invites"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    place_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(32), index=True)
    link: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferralPartner(Base):
    """A creator or ambassador: their own code, a commission rate (basis points) and a monthly statement."""

    __tablename__ = "referral_partners"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    commission_bp: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    added_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the moderator (not a foreign key)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferralJoin(Base):
    """Someone joined through a member's invite link: credited to that referrer once per person."""

    __tablename__ = "referral_joins"

    referred_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    referrer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    place_key: Mapped[str] = mapped_column(String(120))
    points: Mapped[int] = mapped_column(Integer, default=0)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReferralOrder(Base):
    """A store order that carried a referral code (one row per order): the partner commission base."""

    __tablename__ = "referral_orders"
    # A forgotten referrer's orders stay, anonymised: partner statements and totals must still add up.
    __table_args__ = (UniqueConstraint("provider", "order_id"), {"info": {"on_forget": "anonymise"}})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str] = mapped_column(String(100))
    # A partner's code may be their name: replaced by a stand-in when they are forgotten.
    code: Mapped[str] = mapped_column(String(64), info={"personal": "unique"})
    referrer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    customer_ref: Mapped[str] = mapped_column(String(140))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    commission_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # counted | self (the referrer bought through their own code: no credit) | refunded
    status: Mapped[str] = mapped_column(String(10))
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ReferralCustomer(Base):
    """A referred customer: the primary key is the claim, so a customer converts (and credits) once."""

    __tablename__ = "referral_customers"
    __table_args__ = {"info": {"on_forget": "anonymise"}}

    customer_ref: Mapped[str] = mapped_column(String(140), primary_key=True)
    referrer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    order_id: Mapped[str] = mapped_column(String(100))
    points: Mapped[int] = mapped_column(Integer, default=0)
    # The tiered bonus this conversion unlocked (the Nth referral), reversed with it.
    bonus: Mapped[int] = mapped_column(Integer, default=0)
    converted_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    reversed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ReferralAsk(Base):
    """When a member was last asked to share their referral link (at most one ask per N days)."""

    __tablename__ = "referral_asks"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    last_asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    asks: Mapped[int] = mapped_column(Integer, default=1)


class GrowthNotice(Base):
    """A one-off post or DM already sent (``referrals:shoutout:2026-01``, a partner's monthly statement)."""

    __tablename__ = "growth_notices"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- launch campaigns --------------------------------------------------------------------------------


class Launch(Base):
    """A product launch: preview → waitlist → early access → public launch → recap, each at its time."""

    __tablename__ = "launches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(48), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    product_ids: Mapped[list[str]] = mapped_column(JSON)
    places: Mapped[list[str]] = mapped_column(JSON)
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Only members at this tier or above may join the waitlist; None: everyone.
    tier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    preview_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    waitlist_at: Mapped[datetime] = mapped_column(UTCDateTime())
    early_at: Mapped[datetime] = mapped_column(UTCDateTime())
    public_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recap_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # scheduled | cancelled | done
    status: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the moderator (not a foreign key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LaunchPost(Base):
    """One phase's post in one place; inserted before sending (the claim), so it is never sent twice."""

    __tablename__ = "launch_posts"

    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), primary_key=True)
    phase: Mapped[str] = mapped_column(String(10), primary_key=True)
    place_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # sending | sent | failed | missed
    status: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_key: Mapped[str | None] = mapped_column(String(120), nullable=True)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LaunchWaitlist(Base):
    __tablename__ = "launch_waitlist"

    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True, index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LaunchDm(Base):
    """The early-access DM to one waitlisted member (the row is the claim)."""

    __tablename__ = "launch_dms"

    launch_id: Mapped[int] = mapped_column(ForeignKey("launches.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
