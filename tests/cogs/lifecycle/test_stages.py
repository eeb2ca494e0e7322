"""Stage transitions from a scripted history, with the injectable clock; and the pure stage rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.kit.bus import EventBus
from bot.kit.events import PurchaseRecorded, StageChanged
from cogs.lifecycle.config import LifecycleConfig
from cogs.lifecycle.stages import Facts, decide, earned
from storage.models import StageHistory
from tests.cogs.onboarding.conftest import INTRO, RigFactory, discord_user

JOINED = datetime(2026, 1, 5, 9, tzinfo=UTC)


def stage_events(bus: EventBus) -> list[StageChanged]:
    seen: list[StageChanged] = []

    async def record(event: StageChanged) -> None:
        seen.append(event)

    bus.subscribe(StageChanged, record)
    return seen


async def test_new_activated_power_user_advocate_demoted_and_back(make_rig: RigFactory) -> None:
    rig = await make_rig()
    seen = stage_events(rig.hearth.bus)
    service = rig.lifecycle.service
    ann = discord_user("ann", "11")
    await rig.join(ann)
    member = await rig.hearth.members.find(ann)
    assert member is not None
    await service.evaluate_pending()
    # Day 3: the checklist is done (the onboarding feature publishes MemberActivated).
    rig.clock.advance(timedelta(days=3))
    await rig.say(ann, "Hi, I'm Ann", INTRO)
    await rig.onboarding.checklist.tick(member, [i.key for i in rig.onboarding.checklist.items], rig.clock.now())
    await service.evaluate_pending()
    # Active in a second and a third week: a Power User (3 of the last 4 weeks).
    for day in (8, 15):
        rig.clock.set(JOINED + timedelta(days=day))
        await rig.say(ann, "another post", INTRO)
        await service.evaluate_pending()
    # An approved UGC post: an Advocate.
    await rig.award(member, "ugc_post", 50, "ugc:ann:1")
    await service.evaluate_pending()
    # Two quiet months: the nightly run demotes to Activated; one message and the rules lift her again.
    rig.clock.advance(timedelta(days=61))
    await service.recompute_all()
    await rig.say(ann, "I'm back!", INTRO)
    await service.evaluate_pending()
    assert [(e.old_stage, e.new_stage, e.reason) for e in seen] == [
        (None, "new", "joined"),
        ("new", "activated", "checklist done"),
        ("activated", "power_user", "active 3 of the last 4 weeks"),
        ("power_user", "advocate", "ugc_post reached"),
        ("advocate", "activated", "inactive for 60 days"),
        ("activated", "advocate", "ugc_post reached"),
    ]
    assert [e.at for e in seen[:4]] == [JOINED, JOINED + timedelta(days=3), JOINED + timedelta(days=15),
                                        JOINED + timedelta(days=15)]
    async with rig.hearth.database.session() as session:
        history = (await session.scalars(select(StageHistory.new_stage).order_by(StageHistory.id))).all()
    assert history == ["new", "activated", "power_user", "advocate", "activated", "advocate"]


async def test_first_meaningful_action_activates_only_within_14_days(make_rig: RigFactory) -> None:
    rig = await make_rig()
    service = rig.lifecycle.service
    early, late = discord_user("early", "21"), discord_user("late", "22")
    for who in (early, late):
        await rig.join(who)
    await service.evaluate_pending()
    rig.clock.advance(timedelta(days=13))
    early_id = await rig.hearth.members.find(early)
    late_id = await rig.hearth.members.find(late)
    assert early_id is not None and late_id is not None
    await rig.award(early_id, "comment", 10, "c:1")
    rig.clock.advance(timedelta(days=2))
    await rig.award(late_id, "comment", 10, "c:2")
    changes = await service.evaluate_pending()
    assert [(c.member_id, c.new_stage) for c in changes] == [(early_id, "activated")]
    assert "first meaningful action within 14 days" in changes[0].reason
    # A message alone is chatter, not a meaningful action.
    assert (await service.recompute([late_id])) == []


async def test_a_buyer_is_new_and_segments_count_members(make_rig: RigFactory) -> None:
    rig = await make_rig()
    buyer = await rig.hearth.members.resolve(discord_user("buyer", "31"))
    await rig.hearth.bus.publish(PurchaseRecorded("shopify", "1", buyer, None, 4200, "EUR", (), None,
                                                  rig.clock.now()))
    [change] = await rig.lifecycle.service.evaluate_pending()
    assert (change.member_id, change.old_stage, change.new_stage) == (buyer, None, "new")


def test_rules_pick_the_highest_stage_and_keep_what_was_reached() -> None:
    config = LifecycleConfig()
    now = JOINED + timedelta(days=30)
    base = Facts(joined_at=JOINED, last_active_at=now)
    assert earned(base, config).stage == "new"
    assert earned(Facts(JOINED, checklist_done=True), config).stage == "activated"
    assert earned(Facts(JOINED, active_weeks=3), config).stage == "power_user"
    assert earned(Facts(JOINED, rule_counts={"referral_converted": 1}), config).reason == "referral_converted reached"
    # One quiet week doesn't take Power User away; only inactivity does.
    assert decide("power_user", base, config, now).stage == "power_user"
    quiet = Facts(JOINED, last_active_at=now - timedelta(days=61))
    assert decide("power_user", quiet, config, now).stage == "activated"
    never = LifecycleConfig.model_validate({"demotion": {"inactive_days": 0}})
    assert decide("power_user", quiet, never, now).stage == "power_user"
