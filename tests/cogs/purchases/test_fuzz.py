"""Hypothesis: no body, header or correctly signed mutation of a real payload makes a webhook endpoint 5xx."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import StoreRig

PROVIDERS = ("shopify", "woocommerce", "stripe", "standard", "lemonsqueezy")
HEADER_NAMES = ("X-Shopify-Hmac-Sha256", "X-Shopify-Topic", "X-WC-Webhook-Signature", "X-WC-Webhook-Topic",
                "Stripe-Signature", "webhook-id", "webhook-timestamp", "webhook-signature", "X-Signature",
                "X-Event-Name", "Content-Type", "Content-Length")
FIXTURES = {
    "shopify": ("shopify/sample.orders-create.payload.json", "shopify/third-party.refunds-create.abridged.json"),
    "woocommerce": ("woocommerce/order.created.json", "woocommerce/order.updated.json"),
    "stripe": ("stripe/assembled.checkout.session.completed.json", "stripe/assembled.charge.refunded.json",
               "stripe/ruby-mock.charge.refunded.json"),
    "standard": ("lemonsqueezy/order_created.payload.json", "standard-webhooks/spec-thin-payload.json"),
    "lemonsqueezy": ("lemonsqueezy/order_created.payload.json",),
}
TOPICS = {"shopify": ("orders/create", "orders/paid", "orders/updated", "orders/cancelled", "refunds/create"),
          "woocommerce": ("order.created", "order.updated", "order.deleted")}
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

header_value = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12)


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, (*prefix, index))
    return found


def replace(node: Any, path: tuple[Any, ...], value: Any) -> None:
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


def sign(rig: StoreRig, provider: str, body: bytes, topic: str) -> dict[str, str]:
    now = int(rig.clock.now().timestamp())
    return {
        "shopify": lambda: signing.shopify(body, topic),
        "woocommerce": lambda: signing.woocommerce(body, topic),
        "stripe": lambda: signing.stripe(body, now),
        "standard": lambda: signing.standard(body, f"msg_{hash(body)}", now),
        "lemonsqueezy": lambda: signing.lemonsqueezy(body, topic),
    }[provider]()


@FUZZ
@given(provider=st.sampled_from(PROVIDERS), body=st.binary(max_size=2000),
       headers=st.dictionaries(st.sampled_from(HEADER_NAMES), header_value, max_size=6))
async def test_arbitrary_bodies_and_headers_never_5xx(store: StoreRig, provider: str, body: bytes,
                                                      headers: dict[str, str]) -> None:
    headers.pop("Content-Length", None)  # aiohttp computes it; a wrong one is the client's own failure
    status, _ = await store.post(provider, body, headers)
    assert status in (200, 400, 401, 413), status


@FUZZ
@given(data=st.data(), provider=st.sampled_from(PROVIDERS))
async def test_signed_mutations_of_real_payloads_are_200_or_400(store: StoreRig, data: st.DataObject,
                                                               provider: str) -> None:
    document = signing.payload(data.draw(st.sampled_from(FIXTURES[provider])))
    candidates = paths(document)
    for path in data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=4)):
        try:
            replace(document, path, data.draw(json_value))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier replacement removed the path
    body = json.dumps(document).encode()
    topic = data.draw(st.sampled_from(TOPICS.get(provider, ("order_created", "order_refunded"))))
    status, answer = await store.post(provider, body, sign(store, provider, body, topic))
    assert status in (200, 400), (status, answer)
    await store.settle()  # and whatever was accepted merges without error


@FUZZ
@given(document=json_value)
async def test_signed_arbitrary_json_is_200_or_400(store: StoreRig, document: Any) -> None:
    body = json.dumps(document).encode()
    for provider, topic in (("shopify", "orders/paid"), ("woocommerce", "order.updated"), ("stripe", ""),
                            ("standard", ""), ("lemonsqueezy", "order_created")):
        status, answer = await store.post(provider, body, sign(store, provider, body, topic))
        assert status in (200, 400), (provider, status, answer)
