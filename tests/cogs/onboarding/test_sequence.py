"""The welcome sequence (day 0, 2, 5): due steps go out once, done steps are skipped, /dm off stops them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import DmStep
from tests.cogs.onboarding.conftest import INTRO, Rig, discord_user


def step_dms(rig: Rig, user_id: str) -> list[str]:
    return [s.reply.text for s in rig.community.discord.sent
            if s.kind == "dm" and s.target == user_id and s.reply is not None and s.reply.title
            and s.reply.title.endswith("getting started")]


async def statuses(rig: Rig) -> list[tuple[int, str]]:
    async with rig.hearth.database.session() as session:
        rows = await session.execute(select(DmStep.step, DmStep.status).where(DmStep.sequence == "welcome")
                                     .order_by(DmStep.step))
        return [(step, status) for step, status in rows.all()]


async def test_steps_go_out_on_day_0_2_and_5_once(rig: Rig) -> None:
    ann = discord_user("ann", "11")
    await rig.join(ann)
    sequence = rig.onboarding.sequence
    await sequence.run()
    await sequence.run()  # a second pass the same day sends nothing more
    assert step_dms(rig, "11") == ["First step, Ann: say hi in the intro channel — what brought you to Our Community?"]
    rig.clock.advance(timedelta(days=1))
    await sequence.run()
    assert len(step_dms(rig, "11")) == 1
    rig.clock.advance(timedelta(days=1))
    await sequence.run()
    assert "This week's rituals are the easiest way in" in step_dms(rig, "11")[-1]
    rig.clock.advance(timedelta(days=3))
    await sequence.run()
    assert "Link your order with /claim" in step_dms(rig, "11")[-1]
    assert await statuses(rig) == [(0, "sent"), (1, "sent"), (2, "sent")]


async def test_a_step_the_member_already_did_is_skipped(rig: Rig) -> None:
    ann = discord_user("ann", "11")
    await rig.join(ann)
    await rig.say(ann, "Hi, I'm Ann", INTRO)
    member = await rig.hearth.members.find(ann)
    assert member is not None
    await rig.award(member, "ritual_participation", 20, "ritual:1:ann")
    rig.clock.advance(timedelta(days=2))
    await rig.onboarding.sequence.run()
    assert step_dms(rig, "11") == []
    assert await statuses(rig) == [(0, "skipped_done"), (1, "skipped_done")]


async def test_no_dm_to_an_opted_out_member_and_opting_in_does_not_replay(rig: Rig) -> None:
    ann = discord_user("ann", "11")
    await rig.join(ann)
    assert "no more tips" in await rig.text(ann, "/dm off")
    assert "off for you" in await rig.text(ann, "/dm")
    sent_before = len(rig.community.discord.sent)
    for _ in range(3):
        rig.clock.advance(timedelta(days=2))
        await rig.onboarding.sequence.run()
        await rig.lifecycle.service.send_stage_steps()
    assert rig.community.discord.sent[sent_before:] == []
    assert await statuses(rig) == [(0, "skipped_opt_out"), (1, "skipped_opt_out"), (2, "skipped_opt_out")]
    assert "Welcome back" in await rig.text(ann, "/dm on")
    await rig.onboarding.sequence.run()
    assert step_dms(rig, "11") == []


async def test_activation_stops_the_sequence(rig: Rig) -> None:
    """No activation tips for someone who is already past New (here: a first meaningful action)."""
    ann = discord_user("ann", "11")
    await rig.join(ann)
    await rig.onboarding.sequence.run()
    member = await rig.hearth.members.find(ann)
    assert member is not None
    await rig.award(member, "ugc_post", 50, "ugc:1")
    changes = await rig.lifecycle.service.evaluate_pending()
    assert changes[-1].new_stage == "advocate"
    rig.clock.advance(timedelta(days=6))
    await rig.onboarding.sequence.run()
    assert len(step_dms(rig, "11")) == 1  # only day 0, sent before
    assert await statuses(rig) == [(0, "sent"), (1, "skipped_stage"), (2, "skipped_stage")]


async def test_a_step_long_overdue_is_skipped_not_sent_late(rig: Rig) -> None:
    ann = discord_user("ann", "11")
    await rig.join(ann)
    rig.clock.advance(timedelta(days=8))  # Hearth was down for a week
    await rig.onboarding.sequence.run()
    assert step_dms(rig, "11") == []
    assert await statuses(rig) == [(0, "skipped_late"), (1, "skipped_late"), (2, "skipped_late")]
