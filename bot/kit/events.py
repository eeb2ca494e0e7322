"""Typed events. Adapters publish platform events; cogs publish domain events; cogs listen.

Every event is a frozen dataclass, so a listener can never change what the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.kit.platform import Attachment, MessageRef, Place, PlatformUser


@dataclass(frozen=True)
class Event:
    """Base class of everything carried by the bus."""


# --- platform events (published by adapters) -------------------------------------------------


@dataclass(frozen=True)
class MessagePosted(Event):
    message: MessageRef
    author: PlatformUser
    text: str
    at: datetime
    reply_to: MessageRef | None = None
    attachments: tuple[Attachment, ...] = ()
    mentions: tuple[PlatformUser, ...] = ()


@dataclass(frozen=True)
class ReactionAdded(Event):
    message: MessageRef
    user: PlatformUser
    emoji: str
    at: datetime
    # The message author when the platform says who it is (Discord does; Telegram does not).
    message_author: PlatformUser | None = None


@dataclass(frozen=True)
class ReactionRemoved(Event):
    message: MessageRef
    user: PlatformUser
    emoji: str
    at: datetime


@dataclass(frozen=True)
class MemberJoined(Event):
    user: PlatformUser
    place: Place
    at: datetime
    invite_link: str | None = None
    # The invite link's name where the platform has one (Telegram): links other admins made arrive
    # with the URL partly hidden, so the name is what identifies them.
    invite_name: str | None = None


@dataclass(frozen=True)
class MemberLeft(Event):
    user: PlatformUser
    place: Place
    at: datetime


@dataclass(frozen=True)
class ThreadCreated(Event):
    place: Place
    parent: MessageRef | None
    title: str
    at: datetime


@dataclass(frozen=True)
class PollAnswered(Event):
    poll_id: str
    user: PlatformUser
    option_ids: tuple[int, ...]
    at: datetime


@dataclass(frozen=True)
class ChoiceClicked(Event):
    """A Reply choice (button) was pressed; ``action`` is the Choice.action string."""

    action: str
    user: PlatformUser
    message: MessageRef | None
    at: datetime


@dataclass(frozen=True)
class BotRemoved(Event):
    """The bot lost access to a chat: scheduled posts must stop going there."""

    place: Place
    at: datetime


@dataclass(frozen=True)
class DeepLinkOpened(Event):
    """``/start <payload>`` in a private chat (Telegram deep link)."""

    user: PlatformUser
    payload: str
    place: Place
    at: datetime


# --- domain events (published by cogs) ---------------------------------------------------------


@dataclass(frozen=True)
class MembersMerged(Event):
    """Two member records turned out to be one person; ``merged`` no longer exists."""

    kept: int
    merged: int
    at: datetime


@dataclass(frozen=True)
class MemberForgotten(Event):
    """A member's personal data was erased (``/forget_me``): drop anything cached about them."""

    member_id: int
    platform_users: tuple[tuple[str, str], ...]
    at: datetime


@dataclass(frozen=True)
class IdentityLinked(Event):
    member_id: int
    platform: str
    platform_user_id: str
    at: datetime


@dataclass(frozen=True)
class PointsAwarded(Event):
    """An award (or, with a negative amount, a reversal) is durable in the ledger."""

    member_id: int
    rule: str
    amount: int
    source_key: str
    at: datetime


@dataclass(frozen=True)
class PurchaseRecorded(Event):
    """A store order counts (paid), once per order. ``member_id`` is None until the buyer claims it.

    Amounts are integer minor units of ``currency`` (ISO 4217: cents, or yen for JPY).
    """

    provider: str
    order_id: str
    member_id: int | None
    customer_key: str | None
    amount_minor: int
    currency: str
    product_ids: tuple[str, ...]
    referral_code: str | None
    at: datetime


@dataclass(frozen=True)
class RefundRecorded(Event):
    """Part or all of a recorded order was refunded or cancelled; ``full`` means it no longer counts."""

    provider: str
    order_id: str
    member_id: int | None
    amount_minor: int
    currency: str
    full: bool
    at: datetime


@dataclass(frozen=True)
class BadgeEarned(Event):
    member_id: int
    badge: str
    at: datetime


@dataclass(frozen=True)
class TierChanged(Event):
    member_id: int
    old_tier: str | None
    new_tier: str
    at: datetime


@dataclass(frozen=True)
class MemberActivated(Event):
    """A member finished the onboarding checklist (``via`` says how they got there)."""

    member_id: int
    at: datetime
    via: str = "checklist"


@dataclass(frozen=True)
class StageChanged(Event):
    """A member moved lifecycle stage (new, activated, power_user, advocate); ``old_stage`` None = first seen."""

    member_id: int
    old_stage: str | None
    new_stage: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True)
class SeasonEnded(Event):
    season_id: int
    name: str
    winner_member_id: int | None
    at: datetime


@dataclass(frozen=True)
class CommandRefused(Event):
    """A command was refused for lack of permission (kept for audit and metrics)."""

    command: str
    user: PlatformUser
    at: datetime
    reason: str = field(default="permission")
