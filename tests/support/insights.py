"""Rows for the metrics and proof tests, written straight into the database (set-up, not what is tested).

Each helper adds one recognisable thing (a member, an order, a day of activity) with only the columns that
matter, so a test's dataset reads like the hand-computed expectations beside it.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Member,
    MemberActivityDay,
    MemberPoints,
    MemberPreference,
    Purchase,
    PurchaseCustomer,
    Question,
    ReferralOrder,
    Ritual,
    RitualOccurrence,
    UgcSubmission,
)

_ids = itertools.count(1)
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def at(text: str) -> datetime:
    """``"2026-03-02 10:00"`` (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def member(session: AsyncSession, member_id: int, name: str = "", joined: datetime = EPOCH) -> None:
    session.add(Member(id=member_id, display_name=name or f"Member {member_id}", joined_at=joined))


def day(session: AsyncSession, member_id: int, when: str, posts: int = 0, reactions: int = 0,
        interactions: int = 0) -> None:
    session.add(MemberActivityDay(day=when, member_id=member_id, posts=posts, reactions=reactions,
                                  interactions=interactions))


def order(session: AsyncSession, when: str, amount: int, *, member_id: int | None = None, customer: str | None = None,
          status: str = "paid", currency: str = "EUR", refunded: int = 0, order_id: str | None = None) -> str:
    order_id = order_id or f"o{next(_ids)}"
    session.add(Purchase(provider="shopify", order_id=order_id, status=status, provider_status=status,
                         amount_minor=amount, currency=currency, refunded_minor=refunded, customer_key=customer,
                         member_id=member_id, claim_hash=f"claim-{order_id}", created_at=at(when),
                         first_seen_at=at(when), counted=status in ("paid", "partially_refunded")))
    return order_id


def link_customer(session: AsyncSession, customer: str, member_id: int) -> None:
    session.add(PurchaseCustomer(customer_key=customer, member_id=member_id, linked_at=EPOCH))


def referral(session: AsyncSession, order_id: str, referrer: int, amount: int, when: str, status: str = "counted"
             ) -> None:
    session.add(ReferralOrder(provider="shopify", order_id=order_id, code=f"REF{referrer}",
                              referrer_member_id=referrer, customer_ref=f"shopify:{order_id}", amount_minor=amount,
                              currency="EUR", status=status, converted=True, at=at(when)))


def ritual(session: AsyncSession, ritual_id: int, key: str, name: str) -> None:
    session.add(Ritual(id=ritual_id, key=key, name=name, source="config", enabled=True, paused=False,
                       schedule="mon 09:00", timezone="UTC", channels=[], prompt="", open_minutes=60, cohosts=[],
                       active_since=EPOCH, held_count=0, created_at=EPOCH))


def occurrence(session: AsyncSession, occurrence_id: int, ritual_id: int, when: str, week: str,
               number: int | None, participants: int) -> None:
    session.add(RitualOccurrence(id=occurrence_id, ritual_id=ritual_id, scheduled_at=at(when),
                                 status="closed" if number else "missed", number=number, week=week,
                                 claimed_at=at(when), participants=participants))


def question(session: AsyncSession, asker: int, asked: str, answered: str | None) -> None:
    session.add(Question(asker_member_id=asker, text="How do I descale it?", platform="memory", chat_id="general",
                         thread_key=f"memory:general/{next(_ids)}", asked_at=at(asked),
                         first_answer_at=at(answered) if answered else None,
                         first_answer_by_staff=False if answered else None))


def ugc(session: AsyncSession, member_id: int, when: str, status: str = "approved", *, consent: str = "yes",
        featured: bool = False, text: str = "", media_url: str | None = None, **extra: Any) -> None:
    session.add(UgcSubmission(member_id=member_id, kind="photo" if media_url else "link", source="share",
                              content_key=f"k{next(_ids)}", text=text, media_url=media_url,
                              media_type="image/png" if media_url else None, place_key="memory:general",
                              consent=consent, status=status, featured=featured, created_at=at(when),
                              reviewed_at=at(when) if status != "pending" else None, **extra))


def points(session: AsyncSession, member_id: int, lifetime: int) -> None:
    session.add(MemberPoints(member_id=member_id, lifetime=lifetime))


def preference(session: AsyncSession, member_id: int, *, proof: bool = False, leaderboard: bool = True,
               dms: bool = True) -> None:
    session.add(MemberPreference(member_id=member_id, show_on_proof=proof, show_on_leaderboard=leaderboard,
                                 allow_dms=dms, changed_at=EPOCH))
