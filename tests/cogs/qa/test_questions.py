"""/ask opens a thread, replies are answers, /accept rewards the answerer once; unanswered ones are surfaced."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.events import MessagePosted
from bot.kit.platform import Capabilities, MessageRef, Place, PlatformUser
from storage.models import LedgerEntry
from tests.support.community import Community, CommunityFactory, text_of, user
from tests.support.harness import Chat

ANA, BEN, CAT, MOD = user("ana", "discord"), user("ben", "discord"), user("cat", "discord"), user("mo", "discord")
THREAD = Place("discord", "500", thread_id="t1", guild_id="g1")  # the memory platform's thread on message 1


async def post(community: Community, who: PlatformUser, place: Place, text: str, *, message_id: str,
               reply_to: MessageRef | None = None) -> None:
    await community.hearth.bus.publish(MessagePosted(MessageRef(place, message_id), who, text,
                                                     community.clock.now(), reply_to=reply_to))


async def accepted_awards(community: Community) -> list[tuple[int, int, str]]:
    await community.hearth.points.flush()
    async with community.hearth.database.session() as session:
        rows = await session.execute(LedgerEntry.__table__.select().where(LedgerEntry.rule == "answer_accepted"))
        return [(r.member_id, r.amount, r.source_key) for r in rows]


async def test_ask_opens_a_thread_and_accepting_awards_the_answerer_once(make_community: CommunityFactory) -> None:
    community = await make_community()
    asked = await community.say(ANA, "/ask How do I descale the kettle?")
    assert "Your question is #1" in text_of(asked) and asked.replies[0].private
    question = community.discord.sent[0]
    assert (question.kind, question.target, question.reply.title) == ("send", "discord:500",
                                                                       "❓ Question #1 from Ana")
    assert community.discord.sent[1].kind == "thread" and community.discord.sent[1].detail == \
        "How do I descale the kettle?"
    assert "Answers here, please" in community.discord.sent[2].reply.text
    await post(community, BEN, THREAD, "Citric acid, two cycles.", message_id="m1")
    await post(community, ANA, THREAD, "Thanks, which brand?", message_id="m2")  # the asker: not an answer
    await post(community, user("hearth", "discord", bot=True), THREAD, "bot chatter", message_id="m3")
    in_thread = Chat(community.hearth, community.discord, THREAD)
    refused = await in_thread.command(CAT, "/accept @ben", mentions=(BEN,))
    assert "Only the asker or a moderator can accept an answer to #1." in text_of(refused)
    own = await in_thread.command(ANA, "/accept @ana", mentions=(ANA,))
    assert "can't accept your own reply" in text_of(own)
    nobody = await in_thread.command(ANA, "/accept @cat", mentions=(CAT,))
    assert "That member hasn't answered #1 in its thread yet." in text_of(nobody)
    accepted = await in_thread.command(ANA, "/accept @ben", mentions=(BEN,))
    assert text_of(accepted) == "✅ Solved\nBen's answer to #1 is accepted — +35 points to Ben. Thank you for helping!"
    again = await in_thread.command(MOD, "/accept @ben", role=Permission.MODERATOR, mentions=(BEN,))
    assert "already has an accepted answer" in text_of(again)
    ben = await community.member(BEN)
    assert await accepted_awards(community) == [(ben, 35, "qa:accepted:1")]


async def test_accept_without_a_name_offers_buttons_and_a_moderator_may_accept(
        make_community: CommunityFactory) -> None:
    community = await make_community()
    await community.say(ANA, "/ask Which grinder setting for espresso?")
    await post(community, BEN, THREAD, "Setting 4", message_id="m1")
    await post(community, CAT, THREAD, "Setting 3, then adjust", message_id="m2")
    await post(community, BEN, THREAD, "Actually 3.5", message_id="m3")
    offered = await Chat(community.hearth, community.discord, THREAD).command(ANA, "/accept")
    assert [c.label for c in offered.replies[0].choices] == ["✅ Ben", "✅ Cat"]
    action = offered.replies[0].choices[1].action
    assert "Only the asker or a moderator" in text_of(await community.press(BEN, action))
    done = await community.press(MOD, action, moderator=True)
    assert "Cat's answer to #1 is accepted — +35 points to Cat" in text_of(done)
    assert "already has an accepted answer" in text_of(await community.press(ANA, action))
    assert len(await accepted_awards(community)) == 1


async def test_telegram_reply_chains_without_topics(make_community: CommunityFactory) -> None:
    community = await make_community()
    community.telegram.capabilities = Capabilities(threads=False, buttons=True)
    await community.say(ANA, "/ask Is the lid dishwasher safe?", platform="telegram")
    place = Place("telegram", "-1001")
    question = MessageRef(place, "1")
    await post(community, BEN, place, "Top rack only.", message_id="10", reply_to=question)
    await post(community, CAT, place, "Agree with Ben, mine survived a year", message_id="11",
               reply_to=MessageRef(place, "10"))
    await post(community, CAT, place, "unrelated chat", message_id="12")
    invocation = Invocation(platform=community.telegram, actor=ANA, place=place, role=Permission.MEMBER,
                            text="accept", reply_to_user=CAT)  # /accept sent as a reply to Cat's answer
    outcome = await community.hearth.dispatcher.dispatch(invocation)
    assert "Cat's answer to #1 is accepted" in text_of(outcome)
    by_number = await community.chat("telegram").command(ANA, "/accept @ben 1", mentions=(BEN,))
    assert "already has an accepted answer" in text_of(by_number)


async def test_unanswered_questions_are_surfaced_to_moderators_once(make_community: CommunityFactory) -> None:
    community = await make_community('[qa]\nmoderator_place = "discord:999"\nunanswered_hours = 24\n')
    await community.say(ANA, "/ask Where is my order?")
    await community.say(CAT, "/ask Can I change the colour?")
    await post(community, BEN, Place("discord", "500", thread_id="t3", guild_id="g1"), "Yes, email us",
               message_id="m1")  # the second question's thread (its card is message 3, after #1's card and intro)
    qa = next(c for c in community.hearth.cogs if c.name == "qa").service  # type: ignore[attr-defined]
    community.clock.advance(timedelta(hours=23))
    assert await qa.surface_unanswered() == 0
    community.clock.advance(timedelta(hours=2))
    assert await qa.surface_unanswered() == 1
    digest = [s for s in community.discord.sent if s.target == "discord:999"]
    assert digest[0].reply.title == "🕯️ 1 question waiting over 24h"
    assert digest[0].reply.text == "#1 “Where is my order?” — Ana, 25h ago, in discord:500/t1"
    assert await qa.surface_unanswered() == 0


async def test_bad_input_gets_clear_limits(make_community: CommunityFactory) -> None:
    community = await make_community()
    long = await community.say(ANA, "/ask " + "?" * 501)
    assert long.status == "usage" and "Question is 501 characters; the limit is 500" in text_of(long)
    outside = await community.chat().command(ANA, "/accept @ben", mentions=(BEN,))
    assert "Run /accept inside the question's thread, or give the question number" in text_of(outside)
    assert "There's no question #4" in text_of(await community.chat().command(ANA, "/accept @ben 4", mentions=(BEN,)))
    bot = await community.chat().command(ANA, "/accept @hearth", mentions=(user("hearth", "discord", bot=True),))
    assert "Bots don't answer questions" in text_of(bot)
    dm = Chat(community.hearth, community.discord, Place("discord", "dm1", is_private=True))
    assert "works in the community chat" in text_of(await dm.command(ANA, "/ask Hello?"))
