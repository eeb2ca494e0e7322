"""Members claim orders: /claim and the Telegram deep link, early claims, someone else's order, /verify."""

from __future__ import annotations

from bot.kit.events import PointsAwarded
from cogs.purchases.claims import ClaimCodes
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import RigFactory, StoreRig
from tests.support.harness import user

CODES = ClaimCodes(signing.INSTANCE_SECRET)


async def paid_order(rig: StoreRig, order_id: int, email: str = "alice@example.com", total: str = "59.90") -> str:
    body = signing.encode(signing.shopify_order(order_id, email=email, total=total))
    assert (await rig.post("shopify", body, signing.shopify(body, "orders/paid")))[0] == 200
    await rig.settle()
    return CODES.code("shopify", str(order_id))


def test_codes_are_what_a_store_template_computes_with_the_claim_key() -> None:
    import hashlib
    import hmac

    # The Liquid/PHP snippets in the README: upper(hex(hmac_sha256("<provider>:<order id>", claim_key))[:12]).
    expected = hmac.new(CODES.claim_key.encode(), b"shopify:820982911946154508", hashlib.sha256).hexdigest()
    assert CODES.code("shopify", "820982911946154508") == expected[:12].upper()
    assert CODES.hash("abcd-ef01 23o4") == CODES.hash("ABCDEF012304")


async def test_claim_links_the_order_and_awards_purchase_points(store: StoreRig) -> None:
    code = await paid_order(store, 1001)
    answer = await store.chat.text(user("alice"), f"/claim {code}")
    assert "Order #1001 now counts for your profile" in answer
    [award] = store.of(PointsAwarded)
    assert (award.rule, award.amount, award.source_key) == ("purchase", 59, "shopify:order:1001")
    assert "Orders: 1" in await store.chat.text(user("alice"), "/profile")
    assert "already linked to your profile" in await store.chat.text(user("alice"), f"/claim {code.lower()}")
    assert len(store.of(PointsAwarded)) == 1


async def test_claiming_links_past_and_future_orders_of_the_same_buyer(store: StoreRig) -> None:
    first = await paid_order(store, 1, email="Alice@Example.com ")
    await paid_order(store, 2, email="alice@example.com")
    assert "2 orders in total" in await store.chat.text(user("alice"), f"/claim {first}")
    await paid_order(store, 3, email="ALICE@example.com")
    assert "Orders: 3" in await store.chat.text(user("alice"), "/profile")
    assert sorted(a.source_key for a in store.of(PointsAwarded)) == [f"shopify:order:{n}" for n in (1, 2, 3)]


async def test_deep_link_start_payload_claims(store: StoreRig) -> None:
    code = await paid_order(store, 77)
    assert "now counts for your profile" in await store.chat.text(user("bob", "telegram"), f"/start claim_{code}")


async def test_a_claim_faster_than_the_webhook_waits_for_the_order(store: StoreRig) -> None:
    code = CODES.code("shopify", "555")
    answer = await store.chat.text(user("alice"), f"/claim {code}")
    assert "haven't received that order" in answer
    await paid_order(store, 555)
    assert "Orders: 1" in await store.chat.text(user("alice"), "/profile")
    assert [a.source_key for a in store.of(PointsAwarded)] == ["shopify:order:555"]


async def test_someone_elses_order_is_refused(store: StoreRig) -> None:
    code = await paid_order(store, 9)
    await store.chat.text(user("alice"), f"/claim {code}")
    answer = await store.chat.text(user("mallory"), f"/claim {code}")
    assert "already linked to another member" in answer
    other = await paid_order(store, 10)  # same buyer, so already Alice's
    assert "another member" in await store.chat.text(user("mallory"), f"/claim {other}")


async def test_wrong_codes_are_rate_limited(store: StoreRig) -> None:
    for n in range(10):
        assert "haven't received" in await store.chat.text(user("eve"), f"/claim 00000000000{n}")
    assert "Too many codes" in await store.chat.text(user("eve"), "/claim 0000000000AA")


async def test_verify_is_off_by_default(store: StoreRig) -> None:
    outcome = await store.chat.command(user("alice"), "/verify 1001 alice@example.com")
    assert outcome.status == "unknown"


async def test_verify_links_by_number_and_email_without_saying_which_part_was_wrong(make_store: RigFactory) -> None:
    rig = await make_store("[purchases]\nverify_enabled = true\nverify_attempts_per_hour = 3\n")
    await paid_order(rig, 1001, email="alice@example.com")
    dm = rig.chat
    dm.place = dm.place.__class__(platform="memory", chat_id="dm-alice", is_private=True)
    wrong_email = await dm.text(user("alice"), "/verify 1001 bob@example.com")
    wrong_number = await dm.text(user("alice"), "/verify 1002 alice@example.com")
    assert wrong_email == wrong_number and "couldn't verify that order number and email together" in wrong_email
    assert "now counts for your profile" in await dm.text(user("alice"), "/verify #1001  Alice@Example.com")
    assert "Too many attempts" in await dm.text(user("alice"), "/verify 1001 alice@example.com")
    in_group = await rig.chat.text(user("bob"), "/verify 1001 alice@example.com")
    assert "private chat" in in_group


async def test_linking_accounts_moves_orders_and_gives_the_new_account_its_buyer_role(
        make_store: RigFactory) -> None:
    rig = await make_store('[purchases]\nbuyer_roles = { memory = "buyers" }\n')
    older, buyer = user("ana_old"), user("ana_new")
    await rig.chat.text(older, "/profile")  # seen first: the kept member when the two are linked
    code = await paid_order(rig, 31)
    await rig.chat.text(buyer, f"/claim {code}")
    assert [(s.target, s.detail) for s in rig.platform.sent if s.kind == "grant"] == [("ana_new", "buyers")]
    link_code = (await rig.chat.text(older, "/link")).splitlines()[1].strip()
    assert "Linked!" in await rig.chat.text(buyer, f"/link {link_code}")
    assert "Orders: 1" in await rig.chat.text(older, "/profile")
    assert ("ana_old", "buyers") in [(s.target, s.detail) for s in rig.platform.sent if s.kind == "grant"]
