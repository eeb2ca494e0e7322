"""Rituals through the kit: create → post at the right instant, threads, pause/skip, failing channels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.kit.events import BotRemoved
from bot.kit.platform import Place
from storage.models import Ritual, RitualOccurrence, RitualPost
from tests.cogs.rituals.conftest import Rig, RigFactory


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


async def statuses(rig: Rig) -> list[str]:
    async with rig.hearth.database.session() as session:
        return list(await session.scalars(select(RitualOccurrence.status).order_by(RitualOccurrence.scheduled_at)))


async def test_create_fires_at_the_right_instant_in_the_rituals_timezone(rig: Rig) -> None:
    # The clock starts on Monday 5 January 2026, 09:00 UTC: 04:00 in New York.
    answer = await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00 America/New_York" here Wins of week {week}!')
    assert "Created Weekly Wins (weekly_wins): Mondays at 09:00 (America/New_York)" in answer
    assert "first post Mon 5 Jan, 09:00" in answer and "memory:general" in answer
    assert (await rig.tick(utc(2026, 1, 5, 13, 59))).posted == []
    assert rig.sent() == []
    report = await rig.tick(utc(2026, 1, 5, 14))
    assert len(report.posted) == 1
    prompt = rig.prompts("Weekly Wins")
    assert len(prompt) == 1 and prompt[0].target == "memory:general"
    assert prompt[0].reply is not None and prompt[0].reply.text == "Wins of week 2!"
    assert "Reply in the thread to take part (+20 points)" in (prompt[0].reply.footer or "")
    # A thread is opened on the post, with a first line saying how to take part.
    thread = rig.sent("thread")
    assert len(thread) == 1 and thread[0].detail == "Weekly Wins — week 2"
    assert any(s.target.startswith("memory:general/t") and "Answer Weekly Wins here" in s.reply.plain_text()
               for s in rig.sent() if s.reply)
    # Ticking again (or later the same day) never posts twice.
    assert (await rig.tick(utc(2026, 1, 5, 14, 30))).posted == []
    assert len(rig.prompts("Weekly Wins")) == 1


async def test_a_dst_week_keeps_the_local_time(rig: Rig) -> None:
    rig.clock.set(utc(2026, 3, 20))
    await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00 Europe/Berlin" here')
    assert (await rig.tick(utc(2026, 3, 23, 7, 59))).posted == []
    assert len((await rig.tick(utc(2026, 3, 23, 8))).posted) == 1  # 09:00 CET
    # Summer time from 29 March: 09:00 CEST is 07:00 UTC, an hour earlier in UTC.
    assert (await rig.tick(utc(2026, 3, 30, 6, 59))).posted == []
    assert len((await rig.tick(utc(2026, 3, 30, 7))).posted) == 1
    assert len(rig.prompts("Weekly Wins")) == 2


async def test_pause_resume_and_skip(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Critique Corner" "fri 15:00" here')
    assert "Critique Corner is paused" in await rig.mod("/mod ritual pause critique_corner")
    assert "already paused" in await rig.mod("/mod ritual pause Critique Corner")
    assert (await rig.tick(utc(2026, 1, 9, 15))).posted == []
    answer = await rig.mod("/mod ritual resume critique_corner")
    assert "Critique Corner is back on. Next: Fri 16 Jan, 15:00." in answer
    # Resuming at 15:10 doesn't post the 15:00 that passed while paused, though it's within the grace.
    assert (await rig.tick(utc(2026, 1, 9, 15, 10))).posted == []
    answer = await rig.mod("/mod ritual skip critique_corner")
    assert "Skipped Critique Corner on Fri 16 Jan, 15:00. The one after is Fri 23 Jan, 15:00." in answer
    assert (await rig.tick(utc(2026, 1, 16, 15))).posted == []
    assert len((await rig.tick(utc(2026, 1, 23, 15))).posted) == 1
    assert await statuses(rig) == ["skipped", "open"]


async def test_default_rituals_ship_disabled_and_a_moderator_can_switch_one_on(rig: Rig) -> None:
    listing = await rig.mod("/mod ritual list")
    for name in ("Monday Wins (monday_wins)", "Feedback Friday (feedback_friday)", "Office Hours (office_hours)",
                 "Monthly Community Drop (community_drop)"):
        assert name in listing
    assert listing.count("disabled ·") == 4
    assert "the first Thursday of the month at 18:00" in listing and "RSVP" in listing
    assert (await rig.tick(utc(2026, 1, 12, 9))).posted == []
    assert "has no channels yet" in await rig.mod("/mod ritual resume monday_wins")
    assert "channels updated" in await rig.mod("/mod ritual edit monday_wins channels here")
    answer = await rig.mod("/mod ritual resume monday_wins")
    assert "Monday Wins is back on" in answer
    assert len((await rig.tick(utc(2026, 1, 19, 9))).posted) == 1
    assert "it's managed here from now on" in await rig.mod("/mod ritual edit office_hours open 2h")


async def test_a_channel_the_bot_cant_post_in_tells_moderators_marks_failing_and_backs_off(
        make_rig: RigFactory) -> None:
    rig = await make_rig('[rituals]\nmoderator_channel = "memory:mods"\n')
    rig.platform.refused.add("memory:locked")
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" memory:general,memory:locked')
    report = await rig.tick(utc(2026, 1, 5, 10))
    assert len(report.posted) == 1
    assert len(rig.prompts("Weekly Wins")) == 1  # the good channel still got its post
    notices = [s for s in rig.sent() if s.target == "memory:mods"]
    assert len(notices) == 1 and "memory:locked: the post was refused" in notices[0].reply.plain_text()
    assert "failing" in await rig.mod("/mod ritual list")
    # Retries back off: nothing for 5 minutes, then one try, then 10 minutes, never a loop.
    for minute in range(1, 5):
        await rig.tick(utc(2026, 1, 5, 10, minute))
    assert len([s for s in rig.sent("refused")]) == 1
    await rig.tick(utc(2026, 1, 5, 10, 5))
    await rig.tick(utc(2026, 1, 5, 10, 6))
    assert len(rig.sent("refused")) == 2
    await rig.tick(utc(2026, 1, 5, 10, 15))
    assert len(rig.sent("refused")) == 3
    assert len([s for s in rig.sent() if s.target == "memory:mods"]) == 1  # told once per occurrence
    # Permission fixed: the next retry posts there and the ritual is healthy again.
    rig.platform.refused.clear()
    await rig.tick(utc(2026, 1, 5, 10, 35))
    assert [s.target for s in rig.prompts("Weekly Wins")] == ["memory:general", "memory:locked"]
    async with rig.hearth.database.session() as session:
        ritual = await session.scalar(select(Ritual).where(Ritual.key == "weekly_wins"))
        assert ritual is not None and not ritual.failing
        assert set(await session.scalars(select(RitualPost.status))) == {"sent"}


async def test_failure_without_a_moderator_channel_dms_the_creator(rig: Rig) -> None:
    rig.platform.refused.add("memory:locked")
    await rig.mod('/mod ritual create "Wins" "mon 10:00" memory:locked')
    await rig.tick(utc(2026, 1, 5, 10))
    dms = rig.sent("dm")
    assert len(dms) == 1 and dms[0].target == "mod" and "can't post everywhere" in dms[0].reply.plain_text()
    # Never posted anywhere: no occurrence number, so nobody's streak breaks because of it.
    async with rig.hearth.database.session() as session:
        assert await session.scalar(select(RitualOccurrence.number)) is None


async def test_a_platform_that_isnt_connected_defers_then_fails(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Wins" "mon 10:00" discord:123456')
    assert (await rig.tick(utc(2026, 1, 5, 10))).deferred == 1  # adapters connect after the cogs start
    assert (await rig.tick(utc(2026, 1, 5, 10, 1))).deferred == 1
    report = await rig.tick(utc(2026, 1, 5, 10, 5))
    assert len(report.posted) == 1
    assert "discord isn't connected" in rig.sent("dm")[0].reply.plain_text()


async def test_bot_removed_from_a_chat_marks_the_ritual_failing(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Wins" "mon 10:00" here')
    await rig.hearth.bus.publish(BotRemoved(Place("memory", "general"), rig.clock.now()))
    assert "the bot was removed from this chat" in await rig.mod("/mod ritual list")
    assert "the bot was removed" in rig.sent("dm")[0].reply.plain_text()


async def test_the_wake_up_job_is_set_for_the_next_post(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Wins" "mon 10:00" here')
    await rig.tick(utc(2026, 1, 5, 9))
    job = rig.hearth.scheduler.get_job("rituals:wake")
    assert job is not None
    # One hour of the injectable clock ahead, on the scheduler's wall clock.
    delay = job.next_run_time - datetime.now(UTC)
    assert timedelta(minutes=59) < delay <= timedelta(hours=1)
    assert rig.hearth.scheduler.get_job("rituals:heartbeat") is not None
    assert rig.clock.now() + timedelta(hours=1) == utc(2026, 1, 5, 10)
