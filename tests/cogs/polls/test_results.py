"""Closing on time with results and a chart, /poll results, beta-group polls, and merged members' votes."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.events import PollAnswered
from cogs.polls.service import PollService
from storage.models import MemberTier
from tests.support.community import BOTH, Community, CommunityFactory, text_of, user

ANA, BEN, CAT = user("ana", "discord"), user("ben", "discord"), user("4003", "telegram")
MOD = user("mo", "discord")
PNG = b"\x89PNG\r\n\x1a\n"


def polls(community: Community) -> PollService:
    return next(cog for cog in community.hearth.cogs if cog.name == "polls").service  # type: ignore[attr-defined]


async def test_a_poll_closes_on_time_with_results_and_a_chart_everywhere(make_community: CommunityFactory) -> None:
    community = await make_community(f"[polls]\nplaces = [{BOTH}]\n")
    await community.say(MOD, "/mod poll create 3h single anonymous Best time? | Morning | Evening", moderator=True)
    for who, option in ((ANA, 0), (BEN, 1)):
        await community.press(who, f"poll:vote:1:1:{option}")
    await community.press(CAT, "poll:vote:1:2:1", platform="telegram")
    assert await polls(community).close_due() == 0  # not yet
    community.clock.advance(timedelta(hours=3))
    assert await polls(community).close_due() == 1
    assert await polls(community).close_due() == 0  # closed once, results posted once
    for platform in (community.discord, community.telegram):
        results = [s.reply for s in platform.sent if s.kind == "reply"]
        assert len(results) == 1
        assert results[0].title == "📊 Results — Poll #1"
        assert "Evening 🏆\n████████ 2 (67%)" in results[0].text and "3 voters" in results[0].footer
        chart = results[0].files[0]
        assert chart.filename == "poll-1.png" and chart.content_type == "image/png" and chart.data.startswith(PNG)
        edited = [s.reply for s in platform.sent if s.kind == "edit"]
        assert edited and edited[0].choices == ()  # the buttons are gone from the poll message


async def test_results_command_and_list(make_community: CommunityFactory) -> None:
    community = await make_community()
    await community.say(MOD, "/mod poll create 1d single public Tea or coffee? | Tea | Coffee", moderator=True)
    listed = await community.say(ANA, "/poll list")
    assert "#1 Tea or coffee? — 0 voted, closes Tue 06 Jan 09:00 UTC" in text_of(listed)
    empty = await community.say(ANA, "/poll results 1")
    assert "Results so far" in text_of(empty) and empty.replies[0].files == ()  # no chart of nothing
    message = next(n for n, s in enumerate(community.discord.sent, start=1) if s.kind == "poll")
    await community.hearth.bus.publish(PollAnswered(str(message), ANA, (1,), community.clock.now()))
    shown = await community.say(BEN, "/poll results 1")
    assert "Coffee 🏆" in text_of(shown) and shown.replies[0].files[0].data.startswith(PNG)
    assert "There's no poll #9" in text_of(await community.say(BEN, "/poll results 9"))
    closed = await community.say(MOD, "/mod poll close 1", moderator=True)
    assert "Poll #1 is closed" in text_of(closed)
    assert "already closed" in text_of(await community.say(MOD, "/mod poll close 1", moderator=True))
    assert "No poll is open" in text_of(await community.say(ANA, "/poll list"))


async def test_beta_poll_counts_only_the_groups_tiers(make_community: CommunityFactory) -> None:
    community = await make_community('[polls.groups.insiders]\nname = "Insiders"\ntiers = ["insider"]\n')
    outcome = await community.say(MOD, "/mod poll beta insiders 1d single anonymous Ship it? | Yes | Not yet",
                                  moderator=True)
    assert "Poll #1 is up" in text_of(outcome)
    message = next(s.reply for s in community.discord.sent if s.kind == "send")
    assert "For Insiders only." in message.text
    async with community.hearth.database.session() as session, session.begin():
        session.add(MemberTier(member_id=await community.member(ANA), tier="insider", since=community.clock.now()))
        session.add(MemberTier(member_id=await community.member(BEN), tier="member", since=community.clock.now()))
    assert "Your vote on poll #1: Yes." in text_of(await community.press(ANA, "poll:vote:1:1:0"))
    refused = await community.press(BEN, "poll:vote:1:1:0")
    assert text_of(refused) == "Poll #1 is for Insiders (Insider) only — your tier: Member."
    unknown = await community.say(MOD, "/mod poll beta testers 1d single public Q? | a | b", moderator=True)
    assert "There's no beta group 'testers'. Groups: insiders." in text_of(unknown)


async def test_beta_poll_for_a_role_posts_only_to_its_gated_places(make_community: CommunityFactory) -> None:
    community = await make_community(f"[polls]\nplaces = [{BOTH}]\n[polls.groups.vip]\nname = \"VIPs\"\n"
                                     'places = ["telegram:-1009"]\n')
    await community.say(MOD, "/mod poll beta vip 1d single public Early access? | Yes | No", moderator=True)
    assert [s.target for s in community.telegram.sent if s.kind == "poll"] == ["telegram:-1009"]
    assert not [s for s in community.discord.sent if s.kind in ("poll", "send")]
    await community.hearth.bus.publish(PollAnswered("poll:1:1", CAT, (0,), community.clock.now()))
    assert (await polls(community).store.get(1)).counts == (1, 0)


async def test_linking_two_accounts_that_both_voted_keeps_one_vote(make_community: CommunityFactory) -> None:
    community = await make_community(f"[polls]\nplaces = [{BOTH}]\n")
    await community.say(MOD, "/mod poll create 1d single anonymous Colour? | Red | Blue", moderator=True)
    await community.press(ANA, "poll:vote:1:1:0")
    community.clock.advance(timedelta(minutes=5))
    await community.press(CAT, "poll:vote:1:2:1", platform="telegram")
    assert (await polls(community).store.get(1)).voters == 2
    await community.link(ANA, CAT)
    poll = await polls(community).store.get(1)
    assert (poll.counts, poll.voters) == ((0, 1), 1)  # the newer vote (Blue, on Telegram) is the member's
