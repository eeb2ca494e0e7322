"""End to end through the store: signed Shopify webhooks → the purchases inbox → PurchaseRecorded /
RefundRecorded → referral credit, self-referral refusal and reversal."""

from __future__ import annotations

import aiohttp
from sqlalchemy import select

from cogs.purchases.claims import ClaimCodes
from cogs.purchases.cog import PurchasesCog
from storage.models import ReferralCustomer, ReferralOrder, RuleCount
from tests.cogs.purchases import signing
from tests.support.growth import Rig, RigFactory
from tests.support.harness import user

COGS = '[cogs]\nenabled = ["help", "profile", "link", "points", "purchases", "ugc", "referrals"]\n'
ALICE = user("alice")


async def deliver(rig: Rig, topic: str, data: dict[str, object]) -> None:
    assert rig.hearth.web_server is not None
    body = signing.encode(data)
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{rig.hearth.web_server.port}/webhooks/shopify", data=body,
            headers=signing.shopify(body, topic)) as response:
        assert response.status == 200
    await rig.cog(PurchasesCog).worker.run_once()


async def referral_count(rig: Rig, member_id: int) -> int:
    await rig.hearth.points.flush()
    async with rig.hearth.database.session() as session:
        count = await session.scalar(select(RuleCount.count).where(RuleCount.member_id == member_id,
                                                                   RuleCount.rule == "referral_converted"))
    return int(count or 0)


async def test_store_orders_credit_refuse_and_reverse(make_rig: RigFactory) -> None:
    rig = await make_rig(web=True, webhook=signing.SECRETS, cogs=COGS)
    outcome = await rig.chat.command(ALICE, "/ref")
    code = next(f.value for f in outcome.replies[0].fields if f.name == "Your code")
    alice = await rig.member(ALICE)

    await deliver(rig, "orders/paid", signing.shopify_order(1, email="bob@example.com",
                                                            landing_site=f"/products/mug?ref={code}"))
    assert await referral_count(rig, alice) == 1

    # Alice's own order, claimed: her email is hers now, so her code on her next order is refused.
    await deliver(rig, "orders/paid", signing.shopify_order(3, email="alice@example.com"))
    claim = ClaimCodes(signing.INSTANCE_SECRET).code("shopify", "3")
    assert "linked" in (await rig.chat.text(ALICE, f"/claim {claim}")).lower()
    await deliver(rig, "orders/paid", signing.shopify_order(4, email="alice@example.com",
                                                            landing_site=f"/?ref={code}"))
    assert await referral_count(rig, alice) == 1

    await deliver(rig, "refunds/create", signing.shopify_refund(1, 11, "404.95"))
    assert await referral_count(rig, alice) == 0
    async with rig.hearth.database.session() as session:
        orders = dict((await session.execute(select(ReferralOrder.order_id, ReferralOrder.status))).all())
        reversed_at = await session.scalar(select(ReferralCustomer.reversed_at))
    assert orders == {"1": "refunded", "4": "self"} and reversed_at is not None
