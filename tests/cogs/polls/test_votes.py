"""Poll votes from Discord and Telegram count in one tally: one vote per member, the last one wins."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.events import PollAnswered
from bot.kit.platform import PlatformUser
from tests.support.community import BOTH, Community, CommunityFactory, text_of, user

ANA_DISCORD, ANA_TELEGRAM = user("ana", "discord"), user("4001", "telegram")
BEN_DISCORD, CAT_TELEGRAM = user("ben", "discord"), user("4002", "telegram")
MOD = user("mo", "discord")
FLAVOURS = "/mod poll create 2d single public Next flavour? | Mango | Yuzu | Plum"


async def start_poll(make_community: CommunityFactory, command: str = FLAVOURS) -> Community:
    community = await make_community(f"[polls]\nplaces = [{BOTH}]\n")
    outcome = await community.say(MOD, command, moderator=True)
    assert outcome.status == "ok" and "Poll #1 is up" in text_of(outcome), text_of(outcome)
    return community


def discord_message(community: Community) -> str:
    """The Discord poll's message id: what Discord's answers carry as the poll id."""
    return next(str(n) for n, sent in enumerate(community.discord.sent, start=1) if sent.kind == "poll")


async def answer(community: Community, poll_id: str, who: PlatformUser, *options: int) -> None:
    await community.hearth.bus.publish(PollAnswered(poll_id, who, tuple(options), community.clock.now()))


async def tally(community: Community, poll_id: int = 1) -> tuple[tuple[int, ...], int]:
    service = community.hearth.cogs[[c.name for c in community.hearth.cogs].index("polls")].service  # type: ignore
    poll = await service.store.get(poll_id)
    return poll.counts, poll.voters


async def test_a_poll_goes_native_to_both_platforms(make_community: CommunityFactory) -> None:
    community = await start_poll(make_community)
    discord_poll = next(s.poll for s in community.discord.sent if s.kind == "poll")
    telegram_poll = next(s.poll for s in community.telegram.sent if s.kind == "poll")
    assert discord_poll.options == telegram_poll.options == ("Mango", "Yuzu", "Plum")
    assert discord_poll.question == "Next flavour?" and discord_poll.duration_hours == 48
    # Telegram answers arrive only for non-anonymous polls; each post carries its own key.
    assert not telegram_poll.anonymous and (discord_poll.poll_key, telegram_poll.poll_key) == ("poll:1:1", "poll:1:2")


async def test_a_linked_member_voting_on_both_platforms_counts_once_last_vote_wins(
        make_community: CommunityFactory) -> None:
    community = await start_poll(make_community)
    await community.link(ANA_DISCORD, ANA_TELEGRAM)
    await answer(community, discord_message(community), ANA_DISCORD, 0)
    assert await tally(community) == ((1, 0, 0), 1)
    await answer(community, "poll:1:2", ANA_TELEGRAM, 1)  # the Telegram adapter maps its poll id to our key
    assert await tally(community) == ((0, 1, 0), 1)
    await answer(community, "poll:1:2", CAT_TELEGRAM, 1)
    await answer(community, discord_message(community), BEN_DISCORD, 2)
    assert await tally(community) == ((0, 2, 1), 3)


async def test_withdrawing_on_one_platform_keeps_a_newer_vote_from_the_other(make_community: CommunityFactory) -> None:
    community = await start_poll(make_community)
    await community.link(ANA_DISCORD, ANA_TELEGRAM)
    await answer(community, discord_message(community), ANA_DISCORD, 0)
    await answer(community, "poll:1:2", ANA_TELEGRAM, 2)
    await answer(community, discord_message(community), ANA_DISCORD)  # Discord: vote removed (no options)
    assert await tally(community) == ((0, 0, 1), 1)
    await answer(community, "poll:1:2", ANA_TELEGRAM)  # withdrawn where it was cast: gone
    assert await tally(community) == ((0, 0, 0), 0)


async def test_double_votes_count_once(make_community: CommunityFactory) -> None:
    community = await start_poll(make_community, "/mod poll create 1d single anonymous Best day? | Sat | Sun")
    await answer(community, "poll:1:1", BEN_DISCORD, 0)  # anonymous polls aren't native: ignored...
    assert await tally(community) == ((0, 0), 0)
    first = await community.press(BEN_DISCORD, "poll:vote:1:1:0")
    again = await community.press(BEN_DISCORD, "poll:vote:1:1:0")
    assert "Your vote on poll #1: Sat." in text_of(first)
    assert "You already voted for Sat — one vote per member." in text_of(again)
    assert await tally(community) == ((1, 0), 1)
    changed = await community.press(CAT_TELEGRAM, "poll:vote:1:2:1", platform="telegram")
    assert "Sun" in text_of(changed) and await tally(community) == ((1, 1), 2)  # a different member on Telegram


async def test_anonymous_polls_use_buttons_and_multiple_choice_toggles(make_community: CommunityFactory) -> None:
    community = await start_poll(make_community,
                                 "/mod poll create 1d multiple anonymous Which events? | AMA | Meetup | Workshop")
    sent = [s for s in community.discord.sent + community.telegram.sent if s.kind == "send"]
    assert len(sent) == 2 and not [s for s in community.discord.sent if s.kind == "poll"]
    actions = [c.action for c in sent[0].reply.choices]
    assert actions == ["poll:vote:1:1:0", "poll:vote:1:1:1", "poll:vote:1:1:2", "poll:results:1"]
    assert "anonymous" in sent[0].reply.footer
    await community.press(ANA_DISCORD, "poll:vote:1:1:0")
    both = await community.press(ANA_DISCORD, "poll:vote:1:1:2")
    assert "Your vote on poll #1: AMA, Workshop." in text_of(both)
    withdrawn = await community.press(ANA_DISCORD, "poll:vote:1:1:0")
    assert await tally(community) == ((0, 0, 1), 1) and "Workshop" in text_of(withdrawn)
    await community.press(ANA_DISCORD, "poll:vote:1:1:2")
    assert await tally(community) == ((0, 0, 0), 0)


async def test_votes_after_close_are_refused_and_told_why(make_community: CommunityFactory) -> None:
    community = await start_poll(make_community)
    await answer(community, discord_message(community), BEN_DISCORD, 1)
    community.clock.advance(timedelta(days=2, minutes=1))
    late = await community.press(ANA_DISCORD, "poll:vote:1:1:0")
    assert late.replies[0].tone == "error"
    assert "Poll #1 closed Wed 07 Jan 09:00 UTC — votes after that don't count. Results: /poll results 1" \
        in text_of(late)
    await answer(community, "poll:1:2", CAT_TELEGRAM, 0)  # a native poll can't refuse: the voter gets a DM
    dm = [s for s in community.telegram.sent if s.kind == "dm"]
    assert dm and dm[0].target == "4002" and "votes after that don't count" in dm[0].reply.plain_text()
    assert await tally(community) == ((0, 1, 0), 1)


async def test_bad_poll_input_gets_one_clear_line(make_community: CommunityFactory) -> None:
    community = await make_community()
    cases = {
        "/mod poll create 2d single public Only one? | Yes": "A poll needs 2 to 10 options",
        "/mod poll create 2d single public Q? | " + " | ".join(str(n) for n in range(11)): "at most 10",
        "/mod poll create 2d single public Q? | a | " + "x" * 81: "Option 2 is 81 characters; the limit is 80",
        "/mod poll create 2d single public Q? | Same | same": "Option 2 repeats option 1",
        "/mod poll create 2025-12-01 single public Q? | a | b": "is in the past",
        "/mod poll create soon single public Q? | a | b": "neither a duration",
        "/mod poll create 100d single public Q? | a | b": "at most 90 days",
        "/mod poll create 400d single public Q? | a | b": "between 1 minute and 366 days",
        "/mod poll create 2d maybe public Q? | a | b": "Choice must be one of: single, multiple",
        "/mod poll create 2d single public " + "x" * 1201: "Text is 1201 characters; the limit is 1200",
    }
    for command, expected in cases.items():
        outcome = await community.say(MOD, command, moderator=True)
        assert expected in text_of(outcome), (command, text_of(outcome))
        assert "Usage: /mod poll create <closes> <single|multiple> <public|anonymous> <text>" in text_of(outcome)
    refused = await community.say(ANA_DISCORD, FLAVOURS)
    assert refused.status == "refused" and "for moderators only" in text_of(refused)
