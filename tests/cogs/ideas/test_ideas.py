"""Filing ideas (with duplicate suggestions), one vote per member, statuses, shipping credit, the roadmap."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.events import ReactionAdded
from bot.kit.platform import MessageRef, Place
from cogs.ideas.similarity import most_similar
from storage.models import LedgerEntry
from tests.support.community import Community, CommunityFactory, text_of, user

ANA, BEN, CAT, DAN = user("ana", "discord"), user("ben", "discord"), user("4003", "telegram"), user("dan", "discord")
MOD = user("mo", "discord")


async def idea(community: Community, who: object, text: str) -> str:
    return text_of(await community.say(who, f"/idea {text}"))  # type: ignore[arg-type]


async def ledger(community: Community) -> list[tuple[int, str, int, str]]:
    await community.hearth.points.flush()
    async with community.hearth.database.session() as session:
        rows = await session.execute(LedgerEntry.__table__.select().order_by(LedgerEntry.id))
        return [(r.member_id, r.rule, r.amount, r.source_key) for r in rows]


def test_token_set_similarity_ignores_order_and_filler() -> None:
    ideas = [(1, "Dark mode for the app"), (2, "Refill subscriptions"), (3, "More colours of the mug")]
    assert most_similar("please add a dark mode", ideas, 0.5) == [(2 / 3, 1)]  # {dark, mode} of {dark, mode, app}
    assert most_similar("mug colours", ideas, 0.5) == [(1.0, 3)]
    assert most_similar("gift cards", ideas, 0.5) == []


async def test_similar_ideas_are_suggested_before_filing_and_file_anyway_works(
        make_community: CommunityFactory) -> None:
    community = await make_community()
    assert "💡 Idea #1 filed" in await idea(community, ANA, "Dark mode for the app")
    suggested = await community.say(BEN, "/idea please add a dark mode")
    reply = suggested.replies[0]
    assert reply.title == "Is it one of these?" and "#1 Dark mode for the app — 0 votes, open" in reply.text
    assert [c.action for c in reply.choices] == ["idea:vote:1", "idea:file:1"]
    assert "Only the member who wrote that idea can file it." in text_of(await community.press(ANA, "idea:file:1"))
    filed = await community.press(BEN, "idea:file:1")
    assert "💡 Idea #2 filed" in text_of(filed)
    assert "already filed it as idea #2" in text_of(await community.press(BEN, "idea:file:1"))
    over = await community.say(BEN, "/idea " + "x" * 201)
    assert over.status == "usage" and "Text is 201 characters; the limit is 200" in text_of(over)


async def test_one_vote_per_member_by_button_or_reaction(make_community: CommunityFactory) -> None:
    community = await make_community('[ideas]\nboard_places = ["telegram:-1001"]\n')
    await idea(community, ANA, "Refill subscriptions")
    card = next(s for s in community.telegram.sent if s.kind == "send")
    assert card.reply.title == "💡 Idea #1" and card.reply.choices[0].action == "idea:vote:1"
    assert "counted (1 now)" in text_of(await community.press(BEN, "idea:vote:1"))
    assert "already voted for #1" in text_of(await community.press(BEN, "idea:vote:1"))
    assert "your own idea" in text_of(await community.press(ANA, "idea:vote:1"))
    # A 👍 on the board card is a vote too; the card is message 1 on the telegram platform.
    ref = MessageRef(Place("telegram", "-1001"), "1")
    for who, emoji in ((CAT, "👍"), (CAT, "👍"), (DAN, "🎉")):
        await community.hearth.bus.publish(ReactionAdded(ref, who, emoji, community.clock.now()))
    listed = text_of(await community.say(DAN, "/ideas top"))
    assert "#1 Refill subscriptions — 2 votes" in listed
    await community.link(BEN, CAT)  # both accounts voted: one member, one vote
    assert "#1 Refill subscriptions — 1 vote" in text_of(await community.say(DAN, "/ideas"))


async def test_status_moves_and_shipping_credits_requester_and_voters_once(make_community: CommunityFactory) -> None:
    community = await make_community('[ideas]\nannounce_places = ["telegram:-1001"]\n')
    await idea(community, ANA, "Travel-size grinder")
    for who in (BEN, CAT):
        await community.press(who, "idea:vote:1")

    async def status(text: str) -> str:
        return text_of(await community.say(MOD, f"/mod idea status {text}", moderator=True))

    assert "is now planned" in await status("1 planned")
    assert "already planned" in await status("1 planned")
    assert "is now in progress" in await status("1 in_progress Prototype on the bench")
    roadmap = text_of(await community.say(BEN, "/roadmap"))
    assert "🔨 In progress: #1 Travel-size grinder (2 votes)" in roadmap and "🗓️ Planned: Nothing here yet." in roadmap
    shipped = await status("1 shipped In stores now")
    assert "Announced, and 3 members credited with points" in shipped
    announcement = next(s.reply for s in community.telegram.sent if s.kind == "send")
    assert announcement.title == "🚀 Shipped: idea #1"
    assert "you asked for this — it's here" in announcement.text
    assert "Thanks to Ana for the idea and to Ben and 4003 for voting for it." in announcement.text
    assert "has shipped — that's final" in await status("1 declined")
    assert "Votes are closed" in text_of(await community.press(DAN, "idea:vote:1")).replace("votes", "Votes")
    ana, ben, cat = [await community.member(w) for w in (ANA, BEN, CAT)]
    assert sorted(await ledger(community)) == sorted([
        (ana, "idea_shipped", 50, f"idea:1:shipped:{ana}"),
        (ben, "idea_backed", 10, f"idea:1:shipped:{ben}"),
        (cat, "idea_backed", 10, f"idea:1:shipped:{cat}"),
    ])
    assert "There's no idea #7" in await status("7 planned")
    assert "is for moderators only" in text_of(await community.say(ANA, "/mod idea status 1 planned"))


async def test_declined_ideas_can_be_reconsidered_and_listings(make_community: CommunityFactory) -> None:
    community = await make_community()
    await idea(community, ANA, "Gift cards")
    await idea(community, BEN, "Engraving service")
    await community.say(MOD, "/mod idea status 1 declined Not this year", moderator=True)
    assert "#1" not in text_of(await community.say(BEN, "/ideas top"))
    assert "#1 Gift cards — 0 votes · declined" in text_of(await community.say(ANA, "/ideas mine"))
    assert "is now planned" in text_of(await community.say(MOD, "/mod idea status 1 planned", moderator=True))
    assert text_of(await community.say(ANA, "/ideas new")).startswith("Newest ideas\n#2 Engraving service")


async def test_quarterly_reveal_posts_once(make_community: CommunityFactory) -> None:
    community = await make_community('[ideas]\nreveal_places = ["discord:500", "telegram:-1001"]\n')
    await idea(community, ANA, "Oat milk option")
    await community.say(MOD, "/mod idea status 1 planned", moderator=True)
    cog = next(c for c in community.hearth.cogs if c.name == "ideas")
    assert await cog.roadmap.reveal(community.clock.now())  # type: ignore[attr-defined]
    assert not await cog.roadmap.reveal(community.clock.now() + timedelta(days=30))  # same quarter
    posted = [s.reply for s in community.discord.sent + community.telegram.sent if s.kind == "send"]
    assert [r.title for r in posted] == ["🗺️ The roadmap for Q1 2026"] * 2
    assert "#1 Oat milk option (0 votes)" in posted[0].plain_text()
    again = await community.say(MOD, "/mod roadmap reveal", moderator=True)
    assert "already revealed" in text_of(again)
    community.clock.advance(timedelta(days=90))
    assert "posted to the reveal channels" in text_of(await community.say(MOD, "/mod roadmap reveal", moderator=True))
