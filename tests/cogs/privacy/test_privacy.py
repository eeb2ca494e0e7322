"""/my_data exports what Hearth holds; /forget_me erases it from every table (walked generically).

The member gets data in every feature (points, ritual answers, a claimed order, a poll vote, an idea, a
question and an answer, shared content, a referral code, privacy choices, daily activity, a badge), and the
walk over every table proves nothing about them remains — while what the community's figures need (orders,
others' answers, rituals they co-hosted) stays, anonymised.
"""

from __future__ import annotations

import json

from sqlalchemy import String, Text, func, select

from bot.app import Hearth
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place
from storage.models import (
    Answer,
    Base,
    FaqEntry,
    LedgerEntry,
    MemberBadge,
    Poll,
    PollVote,
    Purchase,
    PurchaseClaim,
    PurchaseCustomer,
    Question,
    RitualEntry,
    RitualOccurrence,
    RitualParticipant,
    RitualStreak,
)
from storage.personal import member_tables
from tests.support import insights as seed
from tests.support.harness import Chat, user


async def give_alice_a_history(chat: Chat) -> int:
    hearth = chat.hearth
    alice_discord, alice_tg, bob, mod = user("alice", "discord"), user("alice_tg", "telegram"), user("bob"), user("mod")
    code = (await chat.text(alice_discord, "/link")).splitlines()[1].strip()
    await chat.text(alice_tg, f"/link {code}")
    await chat.text(mod, "/mod points grant @alice 30 welcome gift for alice", role=Permission.MODERATOR,
                    mentions=(alice_discord,))
    await chat.text(alice_discord, "/thanks @bob thanks for the alice-approved grinder tip", mentions=(bob,))
    place = Place("memory", "general", guild_id="g1")
    message = MessageRef(place, "m-alice-1")
    text = "alice here: my first latte art"
    await hearth.bus.publish(MessagePosted(message, alice_discord, text, hearth.clock.now()))
    await hearth.bus.publish(ReactionAdded(MessageRef(place, "m-bob-1"), alice_discord, "🔥", hearth.clock.now(),
                                           message_author=bob))
    await hearth.points.flush()
    member_id = await hearth.members.find(alice_discord)
    assert member_id is not None
    return member_id


async def give_alice_data_everywhere(chat: Chat) -> int:
    """The history above, plus a row in every feature: through commands where that's how members do it."""
    member_id = await give_alice_a_history(chat)
    hearth, alice, bob, mod = chat.hearth, user("alice", "discord"), user("bob"), user("mod")
    bob_id, mod_id = await hearth.members.resolve(bob), await hearth.members.resolve(mod)
    assert "#" in await chat.text(alice, "/idea a bigger grinder, says alice")
    await chat.text(alice, "/ask alice asks: how do I descale the alice machine?")
    await chat.text(alice, "/share alice's latte art https://www.youtube.com/watch?v=dQw4w9WgXcQ")
    await chat.text(alice, "/ref")
    await chat.text(alice, "/privacy proof on")
    await chat.text(alice, "/privacy leaderboard off")
    now = hearth.clock.now()
    async with hearth.database.session() as session, session.begin():
        # A claimed order: the customer key (an email hash) identifies her; the claim links it.
        seed.order(session, "2026-01-04 10:00", 4_200, member_id=member_id, customer="hash-of-alice@example.com",
                   order_id="order-7001")
        seed.link_customer(session, "hash-of-alice@example.com", member_id)
        session.add(PurchaseClaim(claim_hash="pending-claim-1", member_id=member_id, created_at=now))
        # A ritual she answered (and co-hosted), with her streak.
        occurrence = RitualOccurrence(ritual_id=1, scheduled_at=now, status="open", number=1, week="w2026-02",
                                      cohost_member_id=member_id, claimed_at=now, participants=1, posts=1)
        session.add(occurrence)
        await session.flush()
        session.add_all([RitualEntry(post_key="memory:general:win-1", occurrence_id=occurrence.id,
                                     member_id=member_id, at=now, excerpt="alice: shipped my first latte"),
                         RitualParticipant(occurrence_id=occurrence.id, member_id=member_id, at=now),
                         RitualStreak(ritual_id=1, member_id=member_id, current=1, best=1, last_number=1)])
        # A poll vote, Bob's question she answered (with an FAQ entry on her own question), a badge.
        poll = Poll(question="Next flavour?", created_by=mod_id, created_at=now, closes_at=now, voters=1)
        bobs = Question(asker_member_id=bob_id, text="Bob wonders about grind size", platform="memory",
                        chat_id="general", thread_key="memory:general/t-bob", asked_at=now)
        session.add_all([poll, bobs])
        await session.flush()
        session.add_all([PollVote(poll_id=poll.id, member_id=member_id, options="0", platform="memory", voted_at=now),
                         Answer(question_id=bobs.id, member_id=member_id, message_key="memory:general:answer-1",
                                answered_at=now),
                         MemberBadge(member_id=member_id, badge="founding_member", earned_at=now)])
        own = await session.scalar(select(Question.id).where(Question.asker_member_id == member_id))
        assert own is not None
        session.add_all([Answer(question_id=own, member_id=bob_id, message_key="memory:general:bob-answer",
                                answered_at=now),
                         FaqEntry(question_id=own, title="Descaling", body="Run the cycle twice.",
                                  author_member_id=mod_id, created_at=now, updated_at=now)])
    metrics = next(cog for cog in hearth.cogs if cog.name == "metrics")
    await metrics.recorder.flush()  # type: ignore[attr-defined]
    return member_id


async def test_my_data_exports_every_kind_of_record(chat: Chat) -> None:
    member_id = await give_alice_a_history(chat)
    outcome = await chat.command(user("alice", "discord"), "/my_data")
    reply = outcome.replies[0]
    assert reply.private and reply.files[0].filename == "hearth-my-data.json"
    data = json.loads(reply.files[0].data)
    assert data["member_id"] == member_id
    assert {i["platform"] for i in data["identities"]} == {"discord", "telegram"}
    assert any(row["note"] == "welcome gift for alice" for row in data["points_ledger"])
    assert data["member_points"][0]["lifetime"] >= 30


async def test_forget_me_needs_confirmation(chat: Chat) -> None:
    alice = user("alice", "discord")
    await give_alice_a_history(chat)
    refused = await chat.text(alice, "/forget_me confirm")
    assert "Run /forget_me first" in refused
    warning = await chat.command(alice, "/forget_me")
    assert "can't be undone" in warning.replies[0].text and warning.replies[0].choices


async def test_my_data_covers_every_feature(chat: Chat) -> None:
    member_id = await give_alice_data_everywhere(chat)
    data = json.loads((await chat.command(user("alice", "discord"), "/my_data")).replies[0].files[0].data)
    assert data["member_id"] == member_id
    for table in ("ideas", "qa_questions", "qa_answers", "ugc_submissions", "referral_codes", "member_preferences",
                  "purchases", "purchase_customers", "ritual_entries", "poll_votes", "member_badges",
                  "metrics_member_days"):
        assert data.get(table), f"/my_data has nothing from {table}"
    assert data["member_preferences"][0]["show_on_proof"] is True


async def test_forget_me_leaves_no_row_holding_the_members_data(chat: Chat, hearth: Hearth) -> None:
    member_id = await give_alice_data_everywhere(chat)
    bob_id = await hearth.members.resolve(user("bob"))
    alice = user("alice", "discord")
    traces = {"alice", "Alice", "alice_tg", "Alice_Tg"}
    async with hearth.database.session() as session:
        orders_before = await session.scalar(select(func.count()).select_from(Purchase))
    await chat.text(alice, "/forget_me")
    done = await chat.text(alice, "/forget_me confirm")
    assert "everything Hearth held about you is erased" in done

    async with hearth.database.session() as session:
        for table, columns in member_tables():
            for column in columns:
                holding = (await session.execute(select(table).where(column == member_id))).all()
                assert holding == [], f"{table.name}.{column.name} still holds the member"
        for table in Base.metadata.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in (await session.execute(select(*text_columns))).all() if text_columns else []:
                for value in row:
                    if isinstance(value, str):
                        assert not any(trace in value for trace in traces), f"{table.name} still says {value!r}"
        # The community's totals keep adding up: the awards stay, anonymised.
        kept = (await session.scalars(select(LedgerEntry.amount).where(LedgerEntry.note.is_(None)))).all()
        assert sum(kept) >= 30
        # The thanks she gave Bob is still Bob's award; only who gave it is anonymised.
        thanks = (await session.execute(select(LedgerEntry.member_id, LedgerEntry.actor_member_id)
                                        .where(LedgerEntry.rule == "peer_help"))).all()
        assert [bob for bob, _ in thanks] == [bob_id] and thanks[0][1] not in (None, member_id, bob_id)
        # Her order still counts in revenue, with nothing left that points to her.
        assert await session.scalar(select(func.count()).select_from(Purchase)) == orders_before
        order = await session.scalar(select(Purchase).where(Purchase.order_id == "order-7001"))
        assert order is not None and order.customer_key is None and order.member_id != member_id
        assert await session.scalar(select(func.count()).select_from(PurchaseCustomer)) == 0
        # Bob's answer to her question and the FAQ built on it stay; so does the ritual she co-hosted.
        assert await session.scalar(select(Answer.member_id).where(Answer.message_key == "memory:general:bob-answer"))
        assert await session.scalar(select(func.count()).select_from(FaqEntry)) == 1
        assert await session.scalar(select(func.count()).select_from(RitualOccurrence)
                                    .where(RitualOccurrence.cohost_member_id.is_not(None))) == 1
    assert hearth.points.ranks.rank(member_id) is None
    # Talking again starts a brand-new member.
    again = await hearth.members.resolve(alice)
    assert again != member_id
