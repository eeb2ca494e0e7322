"""The growth tables take part in /forget_me (erased or anonymised, figures kept) and in /link merges."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.kit.events import MemberJoined, PurchaseRecorded
from bot.kit.platform import Place
from storage.models import ReferralCode, ReferralCustomer, ReferralOrder
from storage.personal import member_tables
from tests.support.growth import RigFactory
from tests.support.harness import user

COGS = '[cogs]\nenabled = ["help", "profile", "link", "points", "privacy", "ugc", "referrals", "launches"]\n'
ALICE, BOB = user("alice"), user("bob")
LOBBY = Place("memory", "lobby")


def sale(code: str, order_id: str, customer: str) -> PurchaseRecorded:
    return PurchaseRecorded(provider="shopify", order_id=order_id, member_id=None, customer_key=customer,
                            amount_minor=1000, currency="EUR", product_ids=(), referral_code=code,
                            at=datetime(2026, 1, 5, tzinfo=UTC))


async def test_forget_me_erases_or_anonymises_every_growth_row(make_rig: RigFactory) -> None:
    rig = await make_rig('[referrals]\ninvite_places = ["memory:lobby"]\n', cogs=COGS)
    await rig.mod("/mod partner add @alice 10 creator ALICEPARTNER", mentions=(ALICE,))
    ref = (await rig.chat.command(ALICE, "/ref")).replies[0]
    code = next(f.value for f in ref.fields if f.name == "Your code")
    await rig.hearth.bus.publish(MemberJoined(user=BOB, place=LOBBY, at=rig.clock.now(), invite_name=f"ref {code}"))
    await rig.hearth.bus.publish(sale("ALICEPARTNER", "1", "cust-1"))
    await rig.command(ALICE, "/share alice's latte https://youtu.be/dQw4w9WgXcQ")
    await rig.mod('/mod launch create "Mango" - - 3d')
    await rig.say(ALICE, "/waitlist join")
    alice = await rig.member(ALICE)
    await rig.say(ALICE, "/forget_me")
    assert "erased" in await rig.say(ALICE, "/forget_me confirm")
    async with rig.hearth.database.session() as session:
        for table, columns in member_tables():
            for column in columns:
                assert (await session.execute(select(table).where(column == alice))).all() == [], table.name
        # The partner's sale still counts in the brand's figures, without her code (it was her name).
        [(order_code, referrer)] = (await session.execute(select(ReferralOrder.code,
                                                                 ReferralOrder.referrer_member_id))).all()
        assert order_code.startswith("forgotten:") and referrer != alice
        assert (await session.scalar(select(ReferralCustomer.referrer_member_id))) == referrer


async def test_a_merge_moves_codes_and_conversions_and_old_codes_keep_working(make_rig: RigFactory) -> None:
    rig = await make_rig()
    alice_tg = user("alice_tg", "telegram")
    codes = {}
    for who in (ALICE, alice_tg):
        reply = (await rig.chat.command(who, "/ref")).replies[0]
        codes[who.user_id] = next(f.value for f in reply.fields if f.name == "Your code")
    await rig.hearth.bus.publish(sale(codes["alice_tg"], "1", "cust-1"))
    kept, merged = await rig.member(ALICE), await rig.member(alice_tg)
    link = (await rig.say(ALICE, "/link")).splitlines()[1].strip()
    await rig.say(alice_tg, f"/link {link}")  # the newer record is merged into the older one
    await rig.hearth.bus.publish(sale(codes["alice_tg"], "2", "cust-2"))
    async with rig.hearth.database.session() as session:
        referrers = set((await session.scalars(select(ReferralCustomer.referrer_member_id))).all())
        owners = dict((await session.execute(select(ReferralCode.code, ReferralCode.member_id))).all())
    assert referrers == {kept}
    # Both codes keep working, for the one person: the merged record's stays on its row, lookups follow the merge.
    assert owners == {codes["alice"]: kept, codes["alice_tg"]: merged}
    assert await rig.points(ALICE) == 2 * 100 + 50
