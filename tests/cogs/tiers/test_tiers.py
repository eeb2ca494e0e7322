"""Tiers through the kit: promotion with roles and a welcome, demotion, purchases, start-up reconcile, /tiers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.kit.events import MemberForgotten, PurchaseRecorded, TierChanged
from storage.database import Database
from storage.models import MemberTier, Purchase, TierRoleGrant
from tests.cogs.badges.rig import Rig, RigFactory
from tests.support.harness import user

LADDER = '''
[badges]
disabled = ["founding_member"]
[tiers]
announce_channel = "memory:general"
[[tiers.levels]]
key = "member"
name = "Member"
when = "points >= 0"
roles = {memory = "role-member"}
[[tiers.levels]]
key = "insider"
name = "Insider"
when = "points >= 500"
description = "Early looks and the Insider channel."
message = "Welcome to the Insiders, {member}!"
roles = {memory = "role-insider"}
[[tiers.levels]]
key = "inner_circle"
name = "Inner Circle"
when = "points >= 2000 or purchases >= 2"
description = "Our closest community."
message = "Welcome to the {tier}, {member} — here's what that means: previews and a private space."
roles = {memory = "role-inner", telegram = "-1005550001111"}
'''


async def tier_of(database: Database, member_id: int) -> str | None:
    async with database.session() as session:
        row = await session.get(MemberTier, member_id)
        return row.tier if row else None


def grants(rig: Rig, kind: str = "grant") -> list[tuple[str, str]]:
    return [(s.target, s.detail) for s in rig.platform.sent if s.kind == kind]


async def test_promotion_changes_the_tier_grants_roles_welcomes_and_announces(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice = user("alice")
    alice_id = await rig.award(alice, "message", 120)
    await rig.settle()
    assert await tier_of(rig.hearth.database, alice_id) == "member"
    assert grants(rig) == [("alice", "role-member")]
    assert rig.platform.texts("dm") == []  # Member has no message: joining it isn't announced
    profile = await rig.say(alice, "/profile")
    assert "Tier: Member (since 5 Jan 2026)" in profile and "Next tier: 120 / 500 points to Insider" in profile

    await rig.award(alice, "message", 400)
    assert await tier_of(rig.hearth.database, alice_id) == "member"  # only marked: the batch decides
    await rig.settle()
    assert await tier_of(rig.hearth.database, alice_id) == "insider"
    assert [(e.old_tier, e.new_tier) for e in rig.of(TierChanged)] == [(None, "member"), ("member", "insider")]
    assert grants(rig) == [("alice", "role-member"), ("alice", "role-insider")]
    assert rig.platform.texts("dm") == ["Welcome to Insider\nWelcome to the Insiders, Alice!"]
    assert "Alice reached the Insider tier! Early looks and the Insider channel." in rig.platform.texts("send")[0]
    async with rig.hearth.database.session() as session:
        rows = (await session.execute(select(TierRoleGrant.role_id, TierRoleGrant.tier))).all()
    assert sorted(rows) == [("role-insider", "insider"), ("role-member", "member")]
    profile = await rig.say(alice, "/profile")
    assert "Tier: Insider" in profile and "Next tier: 520 / 2,000 points or 0 / 2 purchases to Inner Circle" in profile
    await rig.settle()
    assert len(grants(rig)) == 2 and len(rig.platform.texts("dm")) == 1  # nothing twice


async def test_tiers_explains_the_ladder(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice = user("alice")
    await rig.award(alice, "message", 600)
    await rig.settle()
    text = await rig.say(alice, "/tiers")
    assert text.index("Inner Circle") < text.index("Insider ← you") < text.index("\nMember: How: everyone")
    assert "Our closest community.\n  How: 2,000 points or 2 purchases" in text
    assert "Next: 600 / 2,000 points or 0 / 2 purchases to Inner Circle" in text


async def test_demotion_takes_roles_back_only_when_configured(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice, bob = user("alice"), user("bob")
    await rig.award(alice, "message", 600)
    await rig.award(bob, "message", 600)
    await rig.settle()
    await rig.mod("/mod points revoke @alice 300 spam", mentions=(alice,))
    await rig.settle()
    assert await tier_of(rig.hearth.database, await rig.member(alice)) == "member"
    assert grants(rig, "revoke") == []  # roles stay by default
    assert len(rig.platform.texts("dm")) == 2  # the two promotions; a demotion isn't announced

    rig = await make_rig(LADDER.replace("[tiers]\n", "[tiers]\nremove_on_demotion = true\n"))
    # Turned on: the start-up reconcile takes back the role Alice no longer qualifies for ...
    assert grants(rig, "revoke") == [("alice", "role-insider")]
    await rig.mod("/mod points revoke @bob 300 spam", mentions=(bob,))
    await rig.settle()
    # ... and from then on a demotion takes it back at once.
    assert grants(rig, "revoke") == [("alice", "role-insider"), ("bob", "role-insider")]
    async with rig.hearth.database.session() as session:
        assert set(await session.scalars(select(TierRoleGrant.role_id))) == {"role-member"}


async def test_only_the_current_tiers_roles_without_keep_lower_roles(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER.replace("[tiers]\n", "[tiers]\nkeep_lower_roles = false\n"
                                                     "remove_on_demotion = true\n"))
    alice = user("alice")
    await rig.award(alice, "message", 100)
    await rig.settle()
    await rig.award(alice, "message", 500)
    await rig.settle()
    assert grants(rig) == [("alice", "role-member"), ("alice", "role-insider")]
    assert grants(rig, "revoke") == [("alice", "role-member")]


async def test_purchases_count_towards_a_tier(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice = user("alice")
    alice_id = await rig.award(alice, "message", 10)
    await rig.settle()
    now = rig.hearth.clock.now()
    async with rig.hearth.database.session() as session, session.begin():
        for n, status in enumerate(("paid", "partially_refunded", "refunded", "pending")):
            session.add(Purchase(provider="shopify", order_id=f"o{n}", status=status, provider_status=status,
                                 amount_minor=1000, currency="EUR", member_id=alice_id, claim_hash=f"h{n}",
                                 first_seen_at=now))
    # The purchases feature publishes this once an order counts: the member is re-checked.
    await rig.hearth.bus.publish(PurchaseRecorded(provider="shopify", order_id="o1", member_id=alice_id,
                                                  customer_key=None, amount_minor=1000, currency="EUR",
                                                  product_ids=(), referral_code=None, at=now))
    await rig.settle()
    assert await tier_of(rig.hearth.database, alice_id) == "inner_circle"
    assert rig.platform.texts("dm") == ["Welcome to Inner Circle\nWelcome to the Inner Circle, Alice — here's what "
                                        "that means: previews and a private space."]
    # Roles of every tier met: Member and Inner Circle, not Insider (10 points).
    assert grants(rig) == [("alice", "role-member"), ("alice", "role-inner")]


async def test_start_up_reconcile_applies_rule_changes_quietly_and_waits_for_platforms(
        make_rig: RigFactory, caplog: pytest.LogCaptureFixture) -> None:
    rig = await make_rig(LADDER)
    alice, bob = user("alice"), user("bob")
    alice_id = await rig.award(alice, "message", 300)
    bob_id = await rig.award(bob, "message", 50)
    await rig.settle()
    # The brand lowers Insider to 200 points and restarts; the chat platform connects only after the cogs.
    rig = await make_rig(LADDER.replace("points >= 500", "points >= 200"), connect=False)
    assert await tier_of(rig.hearth.database, alice_id) == "insider"
    assert await tier_of(rig.hearth.database, bob_id) == "member"
    assert [(e.member_id, e.new_tier) for e in rig.of(TierChanged)] == [(alice_id, "insider")]
    assert "tier reconcile done in" in caplog.text and "1 tier changes, 0 roles granted, 1 waiting" in caplog.text
    assert rig.platform.sent == []  # quiet, and nothing reaches a platform that isn't connected
    rig.hearth.platforms.add(rig.platform)
    await rig.tiers.evaluate_pending()
    assert grants(rig) == [("alice", "role-insider")]
    assert rig.platform.texts("dm") == []


async def test_linking_keeps_one_tier_and_the_grants(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice, alice_tg = user("alice"), user("alice", platform="telegram")
    alice_id = await rig.award(alice, "message", 300)
    other_id = await rig.award(alice_tg, "message", 300)
    await rig.settle()
    code, _ = await rig.hearth.members.issue_link_code(alice_id)
    await rig.hearth.members.redeem_link_code(other_id, code)
    await rig.settle()
    assert await tier_of(rig.hearth.database, alice_id) == "insider"
    assert await tier_of(rig.hearth.database, other_id) is None
    async with rig.hearth.database.session() as session:
        assert set(await session.scalars(select(TierRoleGrant.member_id))) == {alice_id}


async def test_a_forgotten_member_is_dropped_from_pending_evaluations(make_rig: RigFactory) -> None:
    rig = await make_rig(LADDER)
    alice_id = await rig.award(user("alice"), "message", 600)
    assert alice_id in rig.tiers.dirty and alice_id in rig.badges.dirty
    await rig.hearth.bus.publish(MemberForgotten(member_id=alice_id, platform_users=(("memory", "alice"),),
                                                 at=rig.hearth.clock.now()))
    await rig.settle()
    assert await tier_of(rig.hearth.database, alice_id) is None and grants(rig) == []
