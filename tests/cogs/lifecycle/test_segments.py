"""Moderators' view: /mod segment (counts, asks, members per stage), /mod member, and the lifecycle measures."""

from __future__ import annotations

from datetime import timedelta

from bot.kit.commands import Permission
from bot.kit.platform import PlatformUser
from cogs.lifecycle.metrics import advocate_conversion_rate, stage_progression_rate
from tests.cogs.onboarding.conftest import Rig, RigFactory, discord_user

MOD = discord_user("mod", "99")


async def mod(rig: Rig, text: str, *mentions: PlatformUser) -> str:
    outcome = await rig.community.chat("discord").command(MOD, text, role=Permission.MODERATOR, mentions=mentions)
    return "\n".join(reply.plain_text() for reply in outcome.replies)


async def cohort(rig: Rig) -> dict[str, int]:
    """Four members joined on day 0: activated on day 3 and day 10, one on day 20 (late), one never."""
    names = ("quick", "steady", "slow", "idle")
    ids = {}
    for index, name in enumerate(names):
        who = discord_user(name, str(100 + index))
        await rig.join(who)
        member = await rig.hearth.members.find(who)
        assert member is not None
        ids[name] = member
    service = rig.lifecycle.service
    await service.evaluate_pending()
    checklist = rig.onboarding.checklist
    everything = [item.key for item in checklist.items]
    rig.clock.advance(timedelta(days=3))
    await checklist.tick(ids["quick"], everything, rig.clock.now())
    await service.evaluate_pending()
    rig.clock.advance(timedelta(days=7))
    await rig.award(ids["steady"], "peer_help", 40, "thanks:x")
    await service.evaluate_pending()
    rig.clock.advance(timedelta(days=10))
    await checklist.tick(ids["slow"], everything, rig.clock.now())
    await rig.award(ids["quick"], "referral_converted", 100, "ref:1")
    await service.evaluate_pending()
    rig.clock.advance(timedelta(days=10))
    return ids


async def test_measures_progression_and_advocate_conversion(make_rig: RigFactory) -> None:
    rig = await make_rig()
    await cohort(rig)
    progression = await stage_progression_rate(rig.hearth.database, now=rig.clock.now(), within_days=14)
    assert (progression.part, progression.whole) == (2, 4) and progression.describe() == "50% (2 of 4)"
    conversion = await advocate_conversion_rate(rig.hearth.database)
    assert (conversion.part, conversion.whole) == (1, 3)
    # Members who joined less than 14 days ago aren't judged yet.
    assert (await stage_progression_rate(rig.hearth.database, now=rig.clock.now() - timedelta(days=20))).whole == 0


async def test_mod_segment_lists_counts_asks_and_members(make_rig: RigFactory) -> None:
    rig = await make_rig()
    await cohort(rig)
    overview = await mod(rig, "/mod segment")
    assert "New (1): Activate: finish the first steps (/checklist)" in overview
    assert "Activated (2): Deepen" in overview and "Advocate (1): Reward and amplify" in overview
    assert "New → Activated within 14 days: 50% (2 of 4)" in overview
    assert "Advocate conversion: 33% (1 of 3)" in overview
    activated = await mod(rig, "/mod segment activated")
    assert activated.startswith("Activated: 2 members")
    assert "Slow (id" in activated and "Steady (id" in activated and "Quick" not in activated
    refused = await rig.community.chat("discord").command(discord_user("idle", "103"), "/mod segment")
    assert refused.status == "refused"


async def test_mod_member_shows_stage_checklist_and_history(make_rig: RigFactory) -> None:
    rig = await make_rig()
    ids = await cohort(rig)
    quick = discord_user("quick", "100")
    await rig.link_order(ids["quick"])
    shown = await mod(rig, "/mod member @quick", quick)
    assert "Orders: 1" in shown  # the purchases feature's lines, in the same record
    assert "Stage: Advocate (since 25 Jan 2026)" in shown
    assert "First steps: all done (8 Jan 2026)" in shown
    assert "Stage history:" in shown
    assert "25 Jan 2026: Activated → Advocate (referral_converted reached)" in shown
    assert "8 Jan 2026: New → Activated (checklist done)" in shown
    assert "5 Jan 2026: joined → New (joined)" in shown
