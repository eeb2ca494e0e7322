"""/ref codes and links, join attribution, conversions (once per customer, never self, reversed on refund),
tiered bonuses, the referrers leaderboard and count(referral_converted)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.kit.events import MemberJoined, PurchaseRecorded, RefundRecorded
from bot.kit.platform import Place, PlatformUser
from cogs.privacy.preferences import PreferenceStore
from cogs.referrals.cog import ReferralsCog
from storage.models import PurchaseCustomer, ReferralOrder, RuleCount
from tests.support.growth import Rig, RigFactory
from tests.support.harness import user

ALICE, BOB, CARA = user("alice"), user("bob"), user("cara")
LOBBY = Place("memory", "lobby")
LINKS = ('[referrals]\nstore_url = "https://shop.example.com/?utm=community"\n'
         'discord_invite = "https://discord.gg/brand"\ninvite_places = ["memory:lobby"]\n')


async def code_of(rig: Rig, who: PlatformUser) -> str:
    outcome = await rig.chat.command(who, "/ref")
    return next(f.value for f in outcome.replies[0].fields if f.name == "Your code")


def order(code: str | None, order_id: str, *, customer: str | None = None, member: int | None = None,
          amount: int = 5000, at: datetime | None = None) -> PurchaseRecorded:
    return PurchaseRecorded(provider="shopify", order_id=order_id, member_id=member, customer_key=customer,
                            amount_minor=amount, currency="EUR", product_ids=("p1",), referral_code=code,
                            at=at or datetime(2026, 1, 5, 12, tzinfo=UTC))


def refund(order_id: str, *, full: bool = True, amount: int = 5000) -> RefundRecorded:
    return RefundRecorded(provider="shopify", order_id=order_id, member_id=None, amount_minor=amount, currency="EUR",
                          full=full, at=datetime(2026, 1, 6, tzinfo=UTC))


async def test_ref_gives_one_code_a_store_link_and_one_invite_per_chat(make_rig: RigFactory) -> None:
    rig = await make_rig(LINKS)
    first = (await rig.chat.command(ALICE, "/ref")).replies[0]
    code = next(f.value for f in first.fields if f.name == "Your code")
    assert first.private and len(code) == 7 and code.isupper()
    fields = {f.name: f.value for f in first.fields}
    assert fields["Store link"] == f"https://shop.example.com/?utm=community&ref={code}"
    assert fields["Invite to our Discord"] == "https://discord.gg/brand"
    assert fields["Invite to our Memory group"].startswith("https://invite.memory.test/lobby/")
    assert first.text == ("When someone you referred becomes a customer you get 100 points. Bonus: +50 for your 1st, "
                          "+250 for your 5th, +500 for your 10th referral.")
    assert first.footer is not None and "/leaderboard all referrers" in first.footer
    again = (await rig.chat.command(ALICE, "/ref")).replies[0]
    assert {f.name: f.value for f in again.fields} == fields
    [invite] = [s for s in rig.platform.sent if s.kind == "invite"]
    assert (invite.target, invite.detail) == ("memory:lobby", f"ref {code}")
    assert await code_of(rig, BOB) != code


async def test_a_join_through_a_members_invite_credits_them_once(make_rig: RigFactory) -> None:
    rig = await make_rig(LINKS)
    code = await code_of(rig, ALICE)
    fields = {f.name: f.value for f in (await rig.chat.command(ALICE, "/ref")).replies[0].fields}
    link = fields["Invite to our Memory group"]
    joined = MemberJoined(user=BOB, place=LOBBY, at=rig.clock.now(), invite_link=link, invite_name=f"ref {code}")
    await rig.hearth.bus.publish(joined)
    await rig.hearth.bus.publish(joined)  # a replayed update
    # Telegram hides the end of links other admins made; the name alone is enough.
    await rig.hearth.bus.publish(MemberJoined(user=CARA, place=LOBBY, at=rig.clock.now(), invite_link="https://t.me/+…",
                                              invite_name=f"ref {code}"))
    # Alice's other account joining through her own link is not a referral.
    await rig.hearth.bus.publish(MemberJoined(user=ALICE, place=LOBBY, at=rig.clock.now(), invite_link=link))
    # Someone else's link (not one of ours) credits nobody.
    await rig.hearth.bus.publish(MemberJoined(user=user("dan"), place=LOBBY, at=rig.clock.now(),
                                              invite_link="https://t.me/+other", invite_name="Instagram bio"))
    assert await rig.points(ALICE) == 10
    footer = (await rig.chat.command(ALICE, "/ref")).replies[0].footer
    assert footer is not None and footer.startswith("2 joined through your links · 0 became customers")


async def test_an_order_with_the_code_credits_the_referrer_once_per_customer(rig: Rig) -> None:
    code = await code_of(rig, ALICE)
    bus = rig.hearth.bus
    await bus.publish(order(code.lower(), "1001", customer="cust-bob"))
    await bus.publish(order(code, "1001", customer="cust-bob"))  # the same order again
    await bus.publish(order(code, "1002", customer="cust-bob"))  # Bob buys again: no second credit
    await bus.publish(order("NOSUCH1", "1003", customer="cust-cara"))  # an unknown code credits nobody
    assert await rig.points(ALICE) == 100 + 50  # referral_converted + the first-referral bonus
    [told] = rig.dms(ALICE)
    assert "became a customer: +100 points and a 50-point bonus for referral #1" in told.text
    async with rig.hearth.database.session() as session:
        orders = (await session.execute(select(ReferralOrder.order_id, ReferralOrder.converted)
                                        .order_by(ReferralOrder.order_id))).all()
    assert orders == [("1001", True), ("1002", False)]


async def test_self_referral_is_refused(rig: Rig) -> None:
    code = await code_of(rig, ALICE)
    alice = await rig.member(ALICE)
    async with rig.hearth.database.session() as session, session.begin():
        session.add(PurchaseCustomer(customer_key="cust-alice", member_id=alice, linked_at=rig.clock.now()))
    await rig.hearth.bus.publish(order(code, "2001", member=alice))  # her own claimed order
    await rig.hearth.bus.publish(order(code, "2002", customer="cust-alice"))  # her email, not linked in the event
    assert await rig.points(ALICE) == 0 and rig.dms(ALICE) == []
    async with rig.hearth.database.session() as session:
        statuses = (await session.scalars(select(ReferralOrder.status))).all()
    assert statuses == ["self", "self"]


async def test_a_full_refund_reverses_the_conversion_and_a_partial_one_does_not(rig: Rig) -> None:
    code = await code_of(rig, ALICE)
    bus = rig.hearth.bus
    await bus.publish(order(code, "3001", customer="cust-bob"))
    await bus.publish(order(code, "3002", customer="cust-cara"))
    await bus.publish(refund("3002", full=False, amount=1000))
    assert await rig.points(ALICE) == 250  # two referrals and the first-referral bonus
    await bus.publish(refund("3001"))
    await bus.publish(refund("3001"))  # delivered again
    assert await rig.points(ALICE) == 100
    alice = await rig.member(ALICE)
    async with rig.hearth.database.session() as session:
        count = await session.scalar(select(RuleCount.count).where(RuleCount.member_id == alice,
                                                                   RuleCount.rule == "referral_converted"))
        refunds = dict((await session.execute(select(ReferralOrder.order_id, ReferralOrder.refunded_minor))).all())
    assert count == 1 and refunds == {"3001": 5000, "3002": 1000}
    # Bob's customer stays referred: buying again after the refund credits nobody a second time.
    await bus.publish(order(code, "3003", customer="cust-bob"))
    assert await rig.points(ALICE) == 100


async def test_tiered_bonuses_and_the_referrers_leaderboard(rig: Rig) -> None:
    code = await code_of(rig, ALICE)
    for n in range(5):
        await rig.hearth.bus.publish(order(code, f"40{n}", customer=f"cust-{n}"))
    assert await rig.points(ALICE) == 5 * 100 + 50 + 250
    board = await rig.say(BOB, "/leaderboard all referrers")
    assert "Alice — 5" in board
    alice = await rig.member(ALICE)
    async with rig.hearth.database.session() as session:
        count = await session.scalar(select(RuleCount.count).where(RuleCount.member_id == alice,
                                                                   RuleCount.rule == "referral_converted"))
    assert count == 5  # what the brand_advocate badge reads: count(referral_converted) >= 10


async def test_a_buyer_who_joined_through_an_invite_converts_without_a_code(make_rig: RigFactory) -> None:
    rig = await make_rig(LINKS)
    code = await code_of(rig, ALICE)
    await rig.hearth.bus.publish(MemberJoined(user=BOB, place=LOBBY, at=rig.clock.now(),
                                              invite_name=f"ref {code}"))
    bob = await rig.member(BOB)
    await rig.hearth.bus.publish(order(None, "5001", member=bob, customer="cust-bob"))
    assert await rig.points(ALICE) == 5 + 100 + 50


async def test_asks_come_only_after_activation_and_once_per_period(make_rig: RigFactory) -> None:
    rig = await make_rig('[referrals]\nask_every_days = 30\n[referrals.activation]\nugc_post = 1\n')
    service = rig.cog(ReferralsCog).service
    await rig.hearth.bus.publish(MemberJoined(user=ALICE, place=LOBBY, at=rig.clock.now()))
    await rig.mod("/mod points grant @alice 20 welcome", mentions=(ALICE,))
    assert await service.run_asks() == 0  # joined and got points, but no "aha moment" yet
    await rig.command(ALICE, "/share https://youtu.be/dQw4w9WgXcQ")
    await rig.mod("/mod ugc approve 1")
    await rig.hearth.points.flush()
    assert await service.run_asks() == 1
    ask = next(r for r in rig.dms(ALICE) if r.title == "Know someone who'd love this? 💛")
    assert await code_of(rig, ALICE) in ask.text
    await rig.command(ALICE, "/share https://youtu.be/aaaaaaaaaaa")
    await rig.mod("/mod ugc approve 2")
    assert await service.run_asks() == 0  # asked already this month
    rig.clock.advance(timedelta(days=31))
    await rig.command(ALICE, "/share https://youtu.be/bbbbbbbbbbb")
    await rig.mod("/mod ugc approve 3")
    assert await service.run_asks() == 1
    # After /privacy dms off (the same switch as /dm off) she isn't asked again.
    await PreferenceStore(rig.hearth.database).set(await rig.member(ALICE), rig.clock.now(), dms=False)
    rig.clock.advance(timedelta(days=31))
    await rig.command(ALICE, "/share https://youtu.be/ccccccccccc")
    await rig.mod("/mod ugc approve 4")
    assert await service.run_asks() == 0
