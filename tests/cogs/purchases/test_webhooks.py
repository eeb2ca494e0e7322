"""Every fixture signed as its provider signs it is accepted; anything else is refused with the right status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.kit.clock import ManualClock
from storage.models import PurchaseDelivery
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import RigFactory, StoreRig

VECTOR_HEADERS = {v["provider"] + ":" + v["file"].split(" ")[0]: v["header"] for v in signing.vectors()}


def at(timestamp: int) -> ManualClock:
    return ManualClock(datetime.fromtimestamp(timestamp, UTC))


async def inbox_count(rig: StoreRig) -> int:
    async with rig.hearth.database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(PurchaseDelivery)) or 0)


async def test_shopify_woocommerce_and_lemonsqueezy_vectors_are_accepted_byte_for_byte(store: StoreRig) -> None:
    cases = [
        ("shopify", "shopify/sample.orders-create.payload.json", {"X-Shopify-Topic": "orders/create"}),
        ("woocommerce", "woocommerce/order.created.raw-body.php-json_encode.txt",
         {"X-WC-Webhook-Topic": "order.created"}),
        ("lemonsqueezy", "lemonsqueezy/order_created.payload.json", {}),
    ]
    for provider, name, extra in cases:
        headers = {**VECTOR_HEADERS[f"{provider}:{name}"], **extra}
        status, data = await store.post(provider, signing.raw(name), headers)
        assert (status, data) == (200, {"status": "accepted"}), name
    assert await inbox_count(store) == 3


@pytest.mark.parametrize("name", ["stripe/assembled.checkout.session.completed.json",
                                  "stripe/ruby-mock.charge.refunded.json"])
async def test_stripe_vectors_pass_with_a_clock_inside_the_tolerance(make_store: RigFactory, name: str) -> None:
    rig = await make_store(clock=at(1_700_000_000 + 120))
    status, data = await rig.post("stripe", signing.raw(name), VECTOR_HEADERS[f"stripe:{name}"])
    assert (status, data) == (200, {"status": "accepted"})


@pytest.mark.parametrize("name", ["stripe/assembled.checkout.session.completed.json",
                                  "stripe/ruby-mock.charge.refunded.json"])
async def test_replayed_stripe_timestamp_outside_the_tolerance_is_401(store: StoreRig, name: str) -> None:
    status, data = await store.post("stripe", signing.raw(name), VECTOR_HEADERS[f"stripe:{name}"])
    assert (status, data) == (401, {"error": "invalid signature"})
    assert await inbox_count(store) == 0


async def test_stripe_tolerance_edges_and_future_timestamps(store: StoreRig) -> None:
    body = signing.raw("stripe/ruby-mock.checkout.session.completed.payment_mode.json")
    now = int(store.clock.now().timestamp())
    assert (await store.post("stripe", body, signing.stripe(body, now - 301)))[0] == 401
    assert (await store.post("stripe", body, signing.stripe(body, now - 299)))[0] == 200
    # Like Stripe's SDKs: only old timestamps are replays.
    assert (await store.post("stripe", body, signing.stripe(body, now + 3600)))[1] == {"status": "duplicate"}


async def test_stripe_accepts_any_v1_during_secret_rotation(make_store: RigFactory) -> None:
    rig = await make_store(secrets={**signing.SECRETS, "stripe": "whsec_new_secret whsec_test_secret"})
    body = signing.raw("stripe/assembled.charge.refunded.json")
    now = int(rig.clock.now().timestamp())
    old = signing.stripe(body, now, "whsec_old_secret")["Stripe-Signature"].split(",")[1]
    current = signing.stripe(body, now)["Stripe-Signature"].split(",")[1]
    header = {"Stripe-Signature": f"t={now},{old},{current},v0=ignored"}
    assert await rig.post("stripe", body, header) == (200, {"status": "accepted"})
    only_old = {"Stripe-Signature": f"t={now},{old}"}
    assert (await rig.post("stripe", body, only_old))[0] == 401


async def test_standard_webhooks_official_vector(make_store: RigFactory) -> None:
    vector = signing.payload("standard-webhooks/test-vector.json")
    rig = await make_store(clock=at(int(vector["headers"]["webhook-timestamp"]) + 60))
    body = vector["raw_body"].encode()
    # Not an order (no "type"): answered 200 so the sender stops, and nothing is stored.
    assert await rig.post("standard", body, vector["headers"]) == (200, {"status": "ignored", "topic": "-"})
    negative = vector["negative_cases_from_same_test_file"]
    several = {**vector["headers"], "webhook-signature": negative[
        "multi_signature_header_is_space_separated_and_any_valid_v1_passes"].replace(
        "<valid v1 sig>", vector["expected_signature"])}
    assert (await rig.post("standard", body, several))[0] == 200
    tampered = {**vector["headers"], "webhook-signature": negative["tampered_signature_must_fail"]}
    assert (await rig.post("standard", body, tampered))[0] == 401


async def test_standard_refuses_old_and_future_timestamps(store: StoreRig) -> None:
    body = signing.raw("standard-webhooks/spec-thin-payload.json")
    now = int(store.clock.now().timestamp())
    for skew in (-301, 301):
        assert (await store.post("standard", body, signing.standard(body, "msg_1", now + skew)))[0] == 401
    assert (await store.post("standard", body, signing.standard(body, "msg_1", now + 299)))[0] == 200


async def test_other_fixtures_signed_as_their_provider_signs_them_are_accepted(store: StoreRig) -> None:
    now = int(store.clock.now().timestamp())
    cases = [
        ("shopify", "shopify/third-party.refunds-create.abridged.json",
         lambda b: signing.shopify(b, "refunds/create")),
        ("woocommerce", "woocommerce/order.created.json", lambda b: signing.woocommerce(b, "order.created")),
        ("woocommerce", "woocommerce/order.updated.json", lambda b: signing.woocommerce(b, "order.updated")),
        ("stripe", "stripe/assembled.checkout.session.completed.json", lambda b: signing.stripe(b, now)),
        ("stripe", "stripe/assembled.charge.refunded.json", lambda b: signing.stripe(b, now)),
        ("stripe", "stripe/ruby-mock.checkout.session.completed.payment_mode.json", lambda b: signing.stripe(b, now)),
        ("stripe", "stripe/ruby-mock.charge.refunded.json", lambda b: signing.stripe(b, now)),
        # A Lemon Squeezy order forwarded unchanged by a Standard Webhooks bridge.
        ("standard", "lemonsqueezy/order_created.payload.json", lambda b: signing.standard(b, "msg_ls_1", now)),
    ]
    for provider, name, sign in cases:
        body = signing.raw(name)
        assert await store.post(provider, body, sign(body)) == (200, {"status": "accepted"}), name
    event = signing.raw("stripe/openapi-fixtures3.event.json")  # payment_intent.created: not an order event
    assert (await store.post("stripe", event, signing.stripe(event, now)))[1]["status"] == "ignored"


def _flip(body: bytes, index: int) -> bytes:
    return body[:index] + bytes([body[index] ^ 0x01]) + body[index + 1:]


async def test_a_one_byte_change_is_401_for_every_provider(store: StoreRig) -> None:
    now = int(store.clock.now().timestamp())
    cases = [
        ("shopify", "shopify/sample.orders-create.payload.json", lambda b: signing.shopify(b, "orders/create")),
        ("woocommerce", "woocommerce/order.created.raw-body.php-json_encode.txt",
         lambda b: signing.woocommerce(b, "order.created")),
        ("stripe", "stripe/assembled.checkout.session.completed.json", lambda b: signing.stripe(b, now)),
        ("standard", "lemonsqueezy/order_created.payload.json", lambda b: signing.standard(b, "msg_2", now)),
        ("lemonsqueezy", "lemonsqueezy/order_created.payload.json",
         lambda b: signing.lemonsqueezy(b, "order_created")),
    ]
    for provider, name, sign in cases:
        body = signing.raw(name)
        headers = sign(body)
        for index in (0, len(body) // 2, len(body) - 1):
            status, data = await store.post(provider, _flip(body, index), headers)
            assert (status, data) == (401, {"error": "invalid signature"}), (name, index)
    assert await inbox_count(store) == 0


async def test_woocommerce_creation_ping_is_answered_200_without_a_signature(store: StoreRig) -> None:
    body = signing.raw("woocommerce/ping.body.txt")
    headers = {"User-Agent": "WooCommerce/9.8.0 Hookshot (WordPress/6.8)",
               "Content-Type": "application/x-www-form-urlencoded"}
    assert await store.post("woocommerce", body, headers) == (200, {"status": "ping"})
    unsigned_order = signing.raw("woocommerce/order.created.json")
    assert (await store.post("woocommerce", unsigned_order, {"X-WC-Webhook-Topic": "order.created"}))[0] == 401
    assert await inbox_count(store) == 0


async def test_oversized_body_is_413_before_anything_else(store: StoreRig) -> None:
    body = b"{" + b" " * (1024 * 1024) + b"}"
    assert (await store.post("shopify", body, signing.shopify(body, "orders/create")))[0] == 413
    assert (await store.post("woocommerce", body, {}))[0] == 413


async def test_signed_but_unreadable_payloads_are_400_with_a_reason(store: StoreRig) -> None:
    bad_json = b'{"id": 1,'
    status, data = await store.post("shopify", bad_json, signing.shopify(bad_json, "orders/create"))
    assert status == 400 and "not valid JSON" in data["error"]
    no_currency = signing.encode({"id": 5, "total_price": "1.00"})
    status, data = await store.post("shopify", no_currency, signing.shopify(no_currency, "orders/paid"))
    assert status == 400 and "currency" in data["error"]
    no_id = signing.encode({"type": "order.paid", "data": {"currency": "EUR", "total": "1"}})
    now = int(store.clock.now().timestamp())
    status, data = await store.post("standard", no_id, signing.standard(no_id, "msg_3", now))
    assert status == 400 and "data.order_id" in data["error"]


async def test_unused_topics_are_200_and_not_stored(store: StoreRig) -> None:
    body = signing.encode({"id": 1, "title": "A product"})
    assert await store.post("shopify", body, signing.shopify(body, "products/create")) == (
        200, {"status": "ignored", "topic": "products/create"})
    assert await inbox_count(store) == 0


async def test_missing_secret_is_503_so_the_store_retries_later(make_store: RigFactory) -> None:
    rig = await make_store(secrets={})
    body = signing.raw("shopify/sample.orders-create.payload.json")
    status, data = await rig.post("shopify", body, signing.shopify(body, "orders/create"))
    assert status == 503 and "HEARTH_SHOPIFY_WEBHOOK_SECRET" in data["error"]


async def test_duplicates_are_acknowledged_once_stored_once(store: StoreRig) -> None:
    body = signing.raw("shopify/sample.orders-create.payload.json")
    headers = signing.shopify(body, "orders/create")
    answers = [await store.post("shopify", body, headers) for _ in range(3)]
    assert [a[1]["status"] for a in answers] == ["accepted", "duplicate", "duplicate"]
    assert await inbox_count(store) == 1
