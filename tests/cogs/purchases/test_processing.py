"""From the inbox to orders: normalised fields, out-of-order streams, duplicates, and exactly-once merging."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.kit.events import PurchaseRecorded, RefundRecorded
from cogs.purchases.claims import ClaimCodes
from storage.models import MemberPoints, PurchaseCustomer, PurchaseDelivery, PurchaseRoleGrant
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import RigFactory, StoreRig
from tests.cogs.purchases.streams import EMAILS, Sent, stream
from tests.support.harness import user

ROLES = """
[purchases]
buyer_roles = { memory = "buyers" }
repeat_buyer_roles = { memory = "repeat" }
[[purchases.products]]
name = "Course"
skus = ["COURSE-1"]
roles = { memory = "course" }
"""


async def test_the_shopify_sample_normalises_to_the_documented_purchase(store: StoreRig) -> None:
    body = signing.raw("shopify/sample.orders-create.payload.json")
    await store.post("shopify", body, signing.shopify(body, "orders/create"))
    await store.settle()
    [order] = await store.purchases()
    assert (order.provider, order.order_id, order.order_number) == ("shopify", "820982911946154508", "#9999")
    # The sample is cancelled and voided: recorded, but it never counts.
    assert (order.status, order.amount_minor, order.currency) == ("cancelled", 40495, "USD")
    assert order.customer_key == signing.customer_key("jon@example.com")
    assert json.loads(order.items) == [{"product_id": "788032119674292922", "quantity": 1, "sku": "SKU2006-001",
                                        "title": "Aviator sunglasses"}]
    assert store.of(PurchaseRecorded) == []


async def test_woocommerce_stripe_and_lemonsqueezy_fixtures_normalise(store: StoreRig) -> None:
    now = int(store.clock.now().timestamp())
    woo = signing.raw("woocommerce/order.created.raw-body.php-json_encode.txt")
    await store.post("woocommerce", woo, signing.woocommerce(woo, "order.created"))
    session = signing.raw("stripe/ruby-mock.checkout.session.completed.payment_mode.json")
    await store.post("stripe", session, signing.stripe(session, now))
    lemon = signing.raw("lemonsqueezy/order_created.payload.json")
    await store.post("lemonsqueezy", lemon, signing.lemonsqueezy(lemon, "order_created"))
    await store.settle()
    found = {o.provider: o for o in await store.purchases()}
    assert (found["woocommerce"].order_id, found["woocommerce"].status, found["woocommerce"].amount_minor) == (
        "727", "paid", 2935)
    assert found["woocommerce"].customer_key == signing.customer_key("john.doe@example.com")
    assert json.loads(found["woocommerce"].items)[1]["title"] == "Ship Your Idea – Color: Black, Size: M Test"
    assert (found["stripe"].order_id, found["stripe"].amount_minor, found["stripe"].currency) == (
        "pi_00000000000000", 25000, "USD")
    assert (found["lemonsqueezy"].order_id, found["lemonsqueezy"].amount_minor, found["lemonsqueezy"].status) == (
        "1", 1199, "paid")
    recorded = {e.provider: e for e in store.of(PurchaseRecorded)}
    assert set(recorded) == {"woocommerce", "stripe", "lemonsqueezy"}
    assert recorded["stripe"].member_id is None


async def test_stripe_zero_decimal_currencies_keep_their_units(store: StoreRig) -> None:
    event = signing.payload("stripe/assembled.checkout.session.completed.json")
    event["data"]["object"].update(currency="jpy", amount_total=5000)
    body = signing.encode(event)
    await store.post("stripe", body, signing.stripe(body, int(store.clock.now().timestamp())))
    await store.settle()
    [order] = await store.purchases()
    assert (order.amount_minor, order.currency) == (5000, "JPY")  # ¥5,000, not ¥50


async def test_referral_codes_come_from_landing_site_notes_and_discounts(store: StoreRig) -> None:
    orders = [signing.shopify_order(1, landing_site="/?utm=x&ref=ALICE"), signing.shopify_order(2),
              signing.shopify_order(3)]
    orders[1]["note_attributes"] = [{"name": "referral_code", "value": "BOB7"}]
    orders[2]["discount_codes"] = [{"code": "CLEO10", "amount": "5.00", "type": "fixed_amount"}]
    for order in orders:
        body = signing.encode(order)
        await store.post("shopify", body, signing.shopify(body, "orders/paid"))
    await store.settle()
    assert [o.referral_code for o in await store.purchases()] == ["ALICE", "BOB7", "CLEO10"]


async def test_refund_before_paid_and_updated_before_created_end_like_an_orderly_stream(store: StoreRig) -> None:
    refund = signing.encode(signing.shopify_refund(42, 7, "404.95"))
    await store.post("shopify", refund, signing.shopify(refund, "refunds/create"))
    updated = signing.encode(signing.shopify_order(42, updated_at="2026-01-05T10:10:00+00:00"))
    await store.post("shopify", updated, signing.shopify(updated, "orders/updated"))
    await store.settle()
    created = signing.encode(signing.shopify_order(42, status="pending", total="999.00",
                                                   updated_at="2026-01-05T10:00:00+00:00"))
    await store.post("shopify", created, signing.shopify(created, "orders/create"))
    await store.settle()
    [order] = await store.purchases()
    # The older "create" neither un-paid the order nor overwrote the newer total.
    assert (order.status, order.amount_minor, order.refunded_minor) == ("refunded", 40495, 40495)


async def link_customers(rig: StoreRig, emails: tuple[str, ...]) -> list[int]:
    """Members who claimed earlier orders: their customer keys are linked before the stream starts."""
    members = [await rig.hearth.members.resolve(user(f"buyer{n}")) for n in range(len(emails))]
    async with rig.hearth.database.session() as session, session.begin():
        for member_id, email in zip(members, emails, strict=True):
            session.add(PurchaseCustomer(customer_key=signing.customer_key(email), member_id=member_id,
                                         linked_at=rig.clock.now()))
    return members


async def state(rig: StoreRig) -> dict[str, Any]:
    orders = [(o.provider, o.order_id, o.status, o.provider_status, o.amount_minor, o.currency, o.refunded_minor,
               o.member_id, o.customer_key, o.referral_code, o.items, o.order_number, o.created_at,
               0 if o.points_reversed else o.points) for o in await rig.purchases()]
    async with rig.hearth.database.session() as session:
        points = dict((await session.execute(select(MemberPoints.member_id, MemberPoints.lifetime))).all())
        grants = set((await session.execute(select(PurchaseRoleGrant.platform_user_id, PurchaseRoleGrant.role_id)
                                            .where(PurchaseRoleGrant.revoked_at.is_(None)))).all())
        pending = (await session.scalars(select(PurchaseDelivery.id)
                                         .where(PurchaseDelivery.processed_at.is_(None)))).all()
    held: set[tuple[str, str]] = set()
    for action in rig.platform.sent:
        if action.kind == "grant":
            held.add((action.target, action.detail))
        elif action.kind == "revoke":
            held.discard((action.target, action.detail))
    return {"orders": orders, "points": {m: p for m, p in points.items() if p}, "grants": grants, "held": held,
            "pending": pending}


async def test_1000_duplicate_and_shuffled_deliveries_give_the_state_of_one_orderly_pass(
        make_store: RigFactory) -> None:
    deliveries = stream()
    orderly = await make_store(ROLES, name="orderly")
    await link_customers(orderly, EMAILS[:3])
    for sent in deliveries:
        status, _ = await orderly.post(sent.provider, sent.body, sent.headers)
        assert status == 200
        await orderly.settle()
    expected = await state(orderly)
    assert len(expected["orders"]) == 30 and expected["points"] and expected["grants"]
    assert {role for _, role in expected["grants"]} == {"buyers", "repeat", "course"}

    chaotic = await make_store(ROLES, name="chaotic")
    await link_customers(chaotic, EMAILS[:3])
    copies = [deliveries[i % len(deliveries)] for i in range(1000)]
    random.Random(7).shuffle(copies)
    gate = asyncio.Semaphore(32)

    async def send(sent: Sent) -> int:
        async with gate:
            return (await chaotic.post(sent.provider, sent.body, sent.headers))[0]

    # Processing runs while deliveries keep arriving, as it would in production.
    statuses = await asyncio.gather(*(send(sent) for sent in copies), chaotic.cog.worker.run_once())
    assert set(statuses[:-1]) == {200}
    await chaotic.settle()
    assert await state(chaotic) == expected
    assert chaotic.cog.worker.processor.processed == len(deliveries)  # each distinct delivery merged once


async def test_refund_reverses_points_and_removes_only_that_orders_roles(make_store: RigFactory) -> None:
    rig = await make_store(ROLES)
    alice = user("alice")
    for order_id, sku in ((1, "COURSE-1"), (2, "SKU2006-001")):
        body = signing.encode(signing.shopify_order(order_id, email="alice@example.com", sku=sku))
        await rig.post("shopify", body, signing.shopify(body, "orders/paid"))
    await rig.settle()
    code = ClaimCodes(signing.INSTANCE_SECRET).code("shopify", "1")
    assert "2 orders in total" in await rig.chat.text(alice, f"/claim {code}")
    assert {(s.kind, s.detail) for s in rig.platform.sent if s.kind == "grant"} == {
        ("grant", "buyers"), ("grant", "repeat"), ("grant", "course")}
    assert "Points: 808" in await rig.chat.text(alice, "/profile")
    refund = signing.encode(signing.shopify_refund(1, 11, "404.95"))
    await rig.post("shopify", refund, signing.shopify(refund, "refunds/create"))
    await rig.settle()
    # Order 2 still justifies "buyers"; the course and the repeat-buyer role went with order 1.
    assert sorted(s.detail for s in rig.platform.sent if s.kind == "revoke") == ["course", "repeat"]
    assert "Points: 404" in await rig.chat.text(alice, "/profile")
    [refunded] = rig.of(RefundRecorded)
    assert (refunded.order_id, refunded.amount_minor, refunded.full) == ("1", 40495, True)


async def test_time_limited_product_roles_expire(make_store: RigFactory) -> None:
    rig = await make_store(ROLES.replace('roles = { memory = "course" }', 'roles = { memory = "course" }\ndays = 30'))
    order = {**signing.shopify_order(1, email="a@example.com", sku="COURSE-1"),
             "created_at": "2026-01-05T08:00:00+00:00"}
    body = signing.encode(order)
    await rig.post("shopify", body, signing.shopify(body, "orders/paid"))
    await rig.settle()
    await rig.chat.text(user("alice"), f"/claim {ClaimCodes(signing.INSTANCE_SECRET).code('shopify', '1')}")
    assert sorted(s.detail for s in rig.platform.sent if s.kind == "grant") == ["buyers", "course"]
    rig.clock.advance(timedelta(days=29))
    await rig.settle()
    assert [s.detail for s in rig.platform.sent if s.kind == "revoke"] == []
    rig.clock.advance(timedelta(days=2))
    await rig.settle()
    # The course access ran out; being a buyer doesn't.
    assert [s.detail for s in rig.platform.sent if s.kind == "revoke"] == ["course"]
