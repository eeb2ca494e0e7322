"""Solution summaries become a full-text-searchable FAQ (SQLite FTS5, PostgreSQL tsvector); Q&A measures."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.kit.events import MessagePosted
from bot.kit.platform import MessageRef, Place
from cogs.qa.faq import FaqStore
from cogs.qa.measures import answer_counts, community_answer_rate, median_time_to_first_answer
from storage.database import Database
from storage.migrate import upgrade
from storage.models import Member, Question
from tests.support.community import Community, CommunityFactory, text_of, user
from tests.support.harness import Chat

ANA, BEN, STAFF, MOD = user("ana", "discord"), user("ben", "discord"), user("sam", "discord"), user("mo", "discord")


def latest_thread(community: Community) -> Place:
    """The thread the memory platform opened last (named after the question card's message id)."""
    card = next(s.target for s in reversed(community.discord.sent) if s.kind == "thread")
    return Place("discord", "500", thread_id=f"t{card}", guild_id="g1")


async def solved(community: Community, question: str, answerer: object = BEN) -> int:
    """Ask, answer in the thread, accept: returns the question number."""
    asked = text_of(await community.say(ANA, f"/ask {question}"))
    number = int(asked.split("#")[1].split(" ")[0])
    thread = latest_thread(community)
    await community.hearth.bus.publish(MessagePosted(MessageRef(thread, f"a{number}"), answerer, "the answer",
                                                     community.clock.now()))
    await Chat(community.hearth, community.discord, thread).command(ANA, f"/accept @{answerer.username}",
                                                                    mentions=(answerer,))
    return number


async def test_faq_entries_are_published_from_resolved_questions_and_found(make_community: CommunityFactory) -> None:
    community = await make_community()
    await community.say(ANA, "/ask Why does my kettle click?")
    unresolved = await community.say(MOD, "/mod faq add 1 It's the thermostat.", moderator=True)
    assert "isn't resolved yet" in text_of(unresolved)
    descale = await solved(community, "How do I descale the kettle?")
    grind = await solved(community, "Which grind size for a French press?")
    added = await community.say(MOD, f"/mod faq add {descale} Run two cycles with citric acid, then rinse.",
                                moderator=True)
    assert f"Question #{descale} is added to the FAQ" in text_of(added)
    await community.say(MOD, f"/mod faq add {grind} Coarse, like sea salt.", moderator=True)

    async def search(query: str) -> str:
        return text_of(await community.say(BEN, f"/faq search {query}"))

    assert f"Q{descale}: How do I descale the kettle?\n→ Run two cycles with citric acid" in await search("descaling")
    assert "French press" in await search("grind") and "descale" not in await search("grind")
    assert "FAQ — 2 answers" in await search("kettle coarse")  # no entry has both: any word, ranked
    assert "Nothing in the FAQ matches" in await search("warranty")
    for hostile in ('"', "NEAR(a b)", "kettle*", "AND OR NOT", "title:kettle", "-"):
        assert (await community.say(BEN, f"/faq search {hostile}")).status == "ok"  # words, never FTS syntax
    updated = await community.say(MOD, f"/mod faq add {descale} Use the descaling programme.", moderator=True)
    assert "is updated in the FAQ" in text_of(updated)
    assert "citric" not in await search("descale") and "descaling programme" in await search("programme")
    too_long = await community.say(MOD, "/mod faq add 1 " + "x" * 2001, moderator=True)
    assert "Summary is 2001 characters; the limit is 2000" in text_of(too_long)


async def test_community_answer_rate_and_median_time_to_first_answer(make_community: CommunityFactory) -> None:
    community = await make_community('[qa]\nstaff = ["discord:sam"]\n')
    start = community.clock.now()
    await solved(community, "Community answers this one")  # Ben answers at once
    community.clock.advance(timedelta(hours=1))
    await community.say(ANA, "/ask Staff answers this one")
    community.clock.advance(timedelta(hours=3))
    thread = latest_thread(community)
    await community.hearth.bus.publish(MessagePosted(MessageRef(thread, "s1"), STAFF, "official answer",
                                                     community.clock.now()))
    await community.say(ANA, "/ask Nobody answers this one")
    database, end = community.hearth.database, community.clock.now() + timedelta(seconds=1)
    counts = await answer_counts(database, start, end)
    assert (counts.asked, counts.answered, counts.community_answered) == (3, 2, 1)
    assert await community_answer_rate(database, start, end) == pytest.approx(1 / 3)
    assert await median_time_to_first_answer(database, start, end) == timedelta(hours=1, minutes=30)
    assert await community_answer_rate(database, end, end + timedelta(days=1)) is None
    assert await median_time_to_first_answer(database, end, end + timedelta(days=1)) is None


@pytest.mark.postgres
async def test_faq_search_on_postgresql(postgres_url: str) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    database = Database(postgres_url)
    now = datetime(2026, 1, 5, tzinfo=UTC)
    try:
        async with database.session() as session, session.begin():
            member = Member(display_name="Mo", joined_at=now)
            session.add(member)
            await session.flush()
            questions = [Question(asker_member_id=member.id, text=text, platform="discord", chat_id="1",
                                  thread_key=f"discord:{n}", asked_at=now) for n, text in
                         enumerate(("How do I descale the kettle?", "Which grind for a French press?"))]
            session.add_all(questions)
            await session.flush()
            ids = [q.id for q in questions]
        faq = FaqStore(database)
        await faq.publish(ids[0], "How do I descale the kettle?", "Two cycles with citric acid.", member.id, now)
        await faq.publish(ids[1], "Which grind for a French press?", "Coarse, like sea salt.", member.id, now)
        assert [hit.question_id for hit in await faq.search("descaling kettles")] == [ids[0]]
        assert {hit.question_id for hit in await faq.search("kettle coarse")} == set(ids)  # any word, ranked
        assert await faq.search("warranty") == [] and await faq.search("&|!") == []
    finally:
        await database.close()
