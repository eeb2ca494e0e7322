"""Each stage's own DMs: sent days after entering the stage, never a step aimed at a stage the member left."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import DmStep
from tests.cogs.onboarding.conftest import INTRO, Rig, RigFactory, discord_user


def stage_dms(rig: Rig, user_id: str) -> list[str]:
    return [s.reply.plain_text() for s in rig.community.discord.sent if s.kind == "dm" and s.target == user_id
            and s.reply is not None and s.reply.title and " — " in s.reply.title
            and not s.reply.title.endswith("getting started")]


async def activate(rig: Rig, name: str, user_id: str) -> int:
    who = discord_user(name, user_id)
    await rig.join(who)
    member = await rig.hearth.members.find(who)
    assert member is not None
    await rig.onboarding.checklist.tick(member, [i.key for i in rig.onboarding.checklist.items], rig.clock.now())
    await rig.lifecycle.service.evaluate_pending()
    return member


async def test_activated_members_get_their_stage_steps_on_time_and_once(make_rig: RigFactory) -> None:
    rig = await make_rig()
    await activate(rig, "ann", "11")
    service = rig.lifecycle.service
    await service.send_stage_steps()
    rig.clock.advance(timedelta(days=2))
    await service.send_stage_steps()
    assert stage_dms(rig, "11") == []
    rig.clock.advance(timedelta(days=1))
    await service.send_stage_steps()
    await service.send_stage_steps()
    [first] = stage_dms(rig, "11")
    assert first.startswith("Our Community — Activated\nGood to have you with us, Ann!")
    assert "/dm off stops them" in first


async def test_a_step_for_a_stage_the_member_left_is_never_sent(make_rig: RigFactory) -> None:
    rig = await make_rig()
    ann = await activate(rig, "ann", "11")
    service = rig.lifecycle.service
    # Two days later (before the Activated step is due), an approved UGC post makes Ann an Advocate.
    rig.clock.advance(timedelta(days=2))
    await rig.award(ann, "ugc_post", 50, "ugc:ann:1")
    await service.evaluate_pending()
    for _ in range(12):
        rig.clock.advance(timedelta(days=1))
        await service.send_stage_steps()
    sent = stage_dms(rig, "11")
    assert len(sent) == 1 and sent[0].startswith("Our Community — Advocate\nYou're bringing people to Our Community")
    async with rig.hearth.database.session() as session:
        sequences = set(await session.scalars(select(DmStep.sequence).where(DmStep.member_id == ann)))
    assert "stage:activated" not in sequences


async def test_power_users_are_recognised_and_opted_out_members_hear_nothing(make_rig: RigFactory) -> None:
    rig = await make_rig()
    service = rig.lifecycle.service
    ann, bob = discord_user("ann", "11"), discord_user("bob", "12")
    await rig.text(bob, "/dm off")
    for day in (0, 7, 14):
        for who in (ann, bob):
            await rig.say(who, "weekly check-in post", INTRO)
        await service.evaluate_pending()
        if day < 14:
            rig.clock.advance(timedelta(days=7))
    await service.send_stage_steps()
    [recognised] = stage_dms(rig, "11")
    assert recognised.startswith("Our Community — Power User\nYou've been here week after week, Ann")
    assert [s for s in rig.community.discord.sent if s.kind == "dm" and s.target == "12"] == []
