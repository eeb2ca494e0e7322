"""Partners (own code, commission, statements), the monthly shout-out, `hearth export referrals` rows."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.kit.events import PurchaseRecorded, RefundRecorded
from cogs.referrals.cli import count_referral_rows, referral_rows
from cogs.referrals.cog import ReferralsCog
from tests.support.growth import Rig, RigFactory
from tests.support.harness import user

ANA, BOB = user("ana"), user("bob")
JANUARY = datetime(2026, 1, 20, 12, tzinfo=UTC)


def order(code: str, order_id: str, customer: str, amount: int, currency: str = "EUR") -> PurchaseRecorded:
    return PurchaseRecorded(provider="shopify", order_id=order_id, member_id=None, customer_key=customer,
                            amount_minor=amount, currency=currency, product_ids=(), referral_code=code, at=JANUARY)


async def add_ana(rig: Rig) -> str:
    outcome = await rig.mod("/mod partner add @ana 12.5 creator ana15", mentions=(ANA,))
    assert outcome.replies[0].text == "Ana is a creator partner: code ANA15, 12.5% commission on orders using it."
    return "ANA15"


async def test_partners_get_their_own_code_and_a_statement(rig: Rig) -> None:
    code = await add_ana(rig)
    taken = await rig.mod("/mod partner add @bob 10 ambassador ANA15", mentions=(BOB,))
    assert taken.replies[0].text == "The code ANA15 is taken — choose another."
    bad = await rig.mod("/mod partner add @bob 250", mentions=(BOB,))
    assert bad.replies[0].text.startswith("'250' isn't a commission rate")
    bus = rig.hearth.bus
    await bus.publish(order(code, "9001", "cust-1", 10_000))
    await bus.publish(order(code, "9002", "cust-1", 4_000))  # a repeat customer: commission, no new customer
    await bus.publish(order(code, "9003", "cust-2", 8_000))
    await bus.publish(RefundRecorded(provider="shopify", order_id="9003", member_id=None, amount_minor=8_000,
                                     currency="EUR", full=True, at=JANUARY))
    await bus.publish(order(code, "9004", "cust-3", 2_000, "JPY"))
    await rig.command(ANA, "/share my review https://youtu.be/dQw4w9WgXcQ")
    rig.clock.set(JANUARY)
    await rig.mod("/mod ugc approve 1")
    rig.clock.set(datetime(2026, 2, 3, tzinfo=UTC))
    [statement] = (await rig.mod("/mod partner statement")).replies
    assert statement.title == "Partner statement — 2026-01"
    [field] = statement.fields
    assert field.name == "Ana — ANA15 (12.5%)"
    assert field.value == ("4 orders · 220.00 EUR, 2000 JPY gross · 80.00 EUR, 0 JPY refunded\n"
                           "Commission: 17.50 EUR, 250 JPY\nNew customers: 2 · approved posts: 1")
    rows = list(csv.DictReader(io.StringIO(statement.files[0].data.decode())))
    assert [(r["currency"], r["gross"], r["commission"]) for r in rows] == [("EUR", "220.00", "17.50"),
                                                                          ("JPY", "2000", "250")]
    listing = (await rig.mod("/mod partner list")).replies[0].text
    assert listing == "Ana — creator, code ANA15, 12.5%, 4 orders"
    assert (await rig.mod("/mod partner statement 2026-13")).replies[0].text.startswith("'2026-13' isn't a month")
    # The partner sees their partner code in /ref too.
    fields = {f.name: f.value for f in (await rig.chat.command(ANA, "/ref")).replies[0].fields}
    assert fields["Partner code"] == "ANA15"


async def test_the_monthly_shout_out_and_statements_go_out_once(make_rig: RigFactory) -> None:
    rig = await make_rig('[referrals]\nshoutout_place = "memory:wins"\n')
    code = await add_ana(rig)
    bob_code = (await rig.chat.command(BOB, "/ref")).replies[0].fields[0].value
    bus = rig.hearth.bus
    for n in range(3):
        await bus.publish(order(code, f"80{n}", f"ana-cust-{n}", 1000))
    await bus.publish(order(bob_code, "810", "bob-cust", 1000))
    service = rig.cog(ReferralsCog).service
    assert await service.run_monthly(datetime(2026, 2, 1, 8, tzinfo=UTC)) == 0  # before shoutout_hour
    assert await service.run_monthly(datetime(2026, 2, 1, 10, 5, tzinfo=UTC)) == 2
    [shout] = rig.posts("memory:wins")
    assert shout.title == "📣 Top referrers of January"
    assert shout.text == "🥇 Ana — 3 new customers\n🥈 Bob — 1 new customer"
    [statement] = [r for r in rig.dms(ANA) if r.title == "Your partner statement — 2026-01"]
    assert "3 orders" in statement.text and "commission 3.75 EUR" in statement.text
    again = await make_rig('[referrals]\nshoutout_place = "memory:wins"\n')  # a restart: nothing twice
    assert await again.cog(ReferralsCog).service.run_monthly(datetime(2026, 2, 2, tzinfo=UTC)) == 0
    assert await service.run_monthly(datetime(2026, 2, 9, tzinfo=UTC)) == 0
    assert len(rig.posts("memory:wins")) == 1


async def test_export_rows_have_one_line_per_referred_order(rig: Rig) -> None:
    code = await add_ana(rig)
    await rig.hearth.bus.publish(order(code, "7001", "cust-1", 10_000))
    await rig.hearth.bus.publish(RefundRecorded(provider="shopify", order_id="7001", member_id=None,
                                                amount_minor=2_000, currency="EUR", full=False, at=JANUARY))
    rows = [row async for row in referral_rows(rig.hearth.database, None)]
    assert rows == [{"at": JANUARY.isoformat(), "code": "ANA15", "referrer_member_id": await rig.member(ANA),
                     "referrer": "Ana", "partner": "creator", "provider": "shopify", "order_id": "7001",
                     "status": "counted", "new_customer": True, "amount": "100.00", "currency": "EUR",
                     "refunded": "20.00", "commission_rate": "12.5%", "commission": "10.00"}]
    assert [row async for row in referral_rows(rig.hearth.database, datetime(2026, 2, 1, tzinfo=UTC))] == []
    assert await count_referral_rows(rig.hearth.database, None) == 1
    assert await count_referral_rows(rig.hearth.database, datetime(2026, 2, 1, tzinfo=UTC)) == 0
