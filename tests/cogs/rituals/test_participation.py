"""Taking part: counted once per member per occurrence, points, streaks, recaps and the measures."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.kit.events import MembersMerged, MessagePosted
from bot.kit.platform import MessageRef, Place
from cogs.rituals.service import member_streak, posts_per_ritual, streak_distribution
from storage.models import LedgerEntry, RitualEntry, RitualOccurrence, RitualParticipant
from tests.cogs.rituals.conftest import GENERAL, Rig
from tests.support.harness import user

ALICE, BOB, CAROL, DAVE = user("alice"), user("bob"), user("carol"), user("dave")


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


async def open_round(rig: Rig, day: int) -> tuple[MessageRef, Place]:
    """Post the occurrence due on ``day``; returns the post and its thread."""
    before = len(rig.sent("thread"))
    assert len((await rig.tick(at(day))).posted) == 1
    post_id = rig.sent("thread")[before].target
    return MessageRef(GENERAL, post_id), Place("memory", "general", thread_id=f"t{post_id}")


async def participation_awards(rig: Rig) -> dict[str, int]:
    await rig.hearth.points.flush()
    async with rig.hearth.database.session() as session:
        rows = await session.execute(select(LedgerEntry.source_key, LedgerEntry.amount)
                                     .where(LedgerEntry.rule == "ritual_participation"))
        return {key: value for key, value in rows.all()}


async def test_participation_counts_once_per_member_and_earns_points_once(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here Share a win! Last week:\n{top_posts}')
    post, thread = await open_round(rig, 5)
    first = await rig.say(ALICE, "Shipped the new espresso blend page", place=thread)
    await rig.say(ALICE, "And fixed the checkout bug too", place=thread)
    await rig.say(BOB, "Ran my first 10k", reply_to=post)  # a reply to the post counts (Telegram groups)
    await rig.say(CAROL, "Unrelated chatter in the channel")
    await rig.say(user("robot", bot=True), "Beep, a bot answering", place=thread)
    await rig.say(DAVE, "/rituals", place=thread)  # a command typed in the thread isn't an answer
    # A replayed gateway event is the same message: nothing more.
    await rig.hearth.bus.publish(MessagePosted(message=first, author=ALICE, text="Shipped the new espresso blend page",
                                               at=rig.clock.now()))
    awards = await participation_awards(rig)
    assert sorted(awards.values()) == [20, 20] and all(key.startswith("ritual:") for key in awards)
    async with rig.hearth.database.session() as session:
        occurrence = await session.scalar(select(RitualOccurrence))
        assert occurrence is not None and (occurrence.participants, occurrence.posts) == (2, 3)


async def test_recap_streaks_measures_and_profile(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here Share a win! Last week:\n{top_posts}')
    post, thread = await open_round(rig, 5)
    alice_win = await rig.say(ALICE, "Shipped the new espresso blend page", place=thread)
    bob_win = await rig.say(BOB, "Ran my first 10k", place=thread)
    await rig.say(BOB, "Also baked bread", place=thread)
    await rig.say(CAROL, "Morning all, lovely weather for it")
    await rig.react(CAROL, alice_win, ALICE)
    await rig.react(DAVE, alice_win, ALICE)
    await rig.react(CAROL, bob_win, BOB)
    assert (await rig.tick(at(6, 9, 59))).closed == []
    report = await rig.tick(at(6))  # open for one day
    assert len(report.closed) == 1
    recap = [s for s in rig.sent("reply") if s.target == post.message_id]
    assert len(recap) == 1
    text = recap[0].reply.plain_text()
    assert "Weekly Wins — recap, week 2" in text and "2 members took part with 3 posts. Thank you!" in text
    assert "1. Alice: “Shipped the new espresso blend page” (2 reactions)" in text
    assert "2. Bob: “Ran my first 10k” (1 reaction)" in text
    assert "Taking part: Alice, Bob" in text and "Streaks" not in text  # nobody has a run of two yet
    # Closed: later answers don't count.
    await rig.say(DAVE, "Late to the party with my win", place=thread)
    assert len(await participation_awards(rig)) == 2

    # Week 2: the prompt carries last week's top posts; Alice keeps her streak, Bob breaks his.
    post2, thread2 = await open_round(rig, 12)
    prompt = rig.prompts("Weekly Wins")[-1].reply
    assert prompt is not None and "1. Alice: “Shipped the new espresso blend page” (2 reactions)" in prompt.text
    await rig.say(ALICE, "Launched the referral programme", place=thread2)
    dave_win = await rig.say(DAVE, "Finished the pottery course", place=thread2)
    await rig.say(CAROL, "Congrats Dave, that mug looks great", reply_to=dave_win)  # answers an answer
    await rig.tick(at(13))
    recap2 = next(s for s in rig.sent("reply") if s.target == post2.message_id).reply.plain_text()
    assert "3 members took part" in recap2 and "Streaks: Alice 🔥2" in recap2

    database = rig.hearth.database
    alice = await member_streak(database, await rig.hearth.members.resolve(ALICE), "weekly_wins")
    bob = await member_streak(database, await rig.hearth.members.resolve(BOB), "weekly_wins")
    assert alice is not None and (alice.current, alice.best) == (2, 2)
    assert bob is not None and (bob.current, bob.best) == (0, 1)
    assert await streak_distribution(database, "weekly_wins") == {1: 2, 2: 1}
    assert (await posts_per_ritual(database))["weekly_wins"] == 6
    async with database.session() as session:
        first_id = await session.scalar(select(func.min(RitualOccurrence.id)))
    attendance = await rig.service.attendance(first_id)
    # Week 2 of 2026: Alice, Bob and Carol posted, Dave reacted (the late answer was also week 2) → 2 of 4.
    assert attendance is not None and (attendance.participants, attendance.active_members) == (2, 4)
    assert attendance.rate == 0.5
    profile = await rig.chat.text(ALICE, "/profile")
    assert "Ritual streaks:" in profile and "Weekly Wins: 🔥 2 (best 2)" in profile
    assert "Weekly Wins" not in await rig.chat.text(user("erin"), "/profile")


async def test_streak_is_alive_while_the_latest_is_open(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here')
    _, thread = await open_round(rig, 5)
    await rig.say(ALICE, "Week one win is here", place=thread)
    await rig.tick(at(6))
    await open_round(rig, 12)
    alice_id = await rig.hearth.members.resolve(ALICE)
    streak = await rig.service.streak(alice_id, "weekly_wins")
    assert streak is not None and streak.current == 1  # she can still answer this week
    await rig.tick(at(13))
    streak = await rig.service.streak(alice_id, "weekly_wins")
    assert streak is not None and (streak.current, streak.best) == (0, 1)
    assert await rig.service.streak(alice_id, "no_such_ritual") is None


async def test_linking_accounts_moves_ritual_rows_to_one_member(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here')
    _, thread = await open_round(rig, 5)
    await rig.say(ALICE, "Alice's win on the first account", place=thread)
    await rig.say(BOB, "The same person on a second account", place=thread)
    await rig.chat.text(BOB, "/rituals tz Europe/Paris")
    kept, merged = await rig.hearth.members.resolve(ALICE), await rig.hearth.members.resolve(BOB)
    await rig.hearth.bus.publish(MembersMerged(kept=kept, merged=merged, at=rig.clock.now()))
    async with rig.hearth.database.session() as session:
        assert set(await session.scalars(select(RitualParticipant.member_id))) == {kept}
        assert set(await session.scalars(select(RitualEntry.member_id))) == {kept}
    streak = await rig.service.streak(kept, "weekly_wins")
    assert streak is not None and streak.current == 1
    assert await rig.service.participation.member_timezone(kept) == "Europe/Paris"
