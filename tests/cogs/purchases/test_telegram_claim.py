"""The thank-you link through the real Telegram adapter: ``t.me/<bot>?start=claim_<code>`` → linked + invited."""

from __future__ import annotations

from bot.kit.events import PointsAwarded
from cogs.purchases.claims import ClaimCodes
from cogs.purchases.cog import PurchasesCog
from cogs.purchases.inbox import Delivery
from cogs.purchases.records import OrderRecord, dump

# The Telegram adapter tests' fixtures (the emulator and a Hearth wired to it), reused as they are.
from tests.bot.adapters.telegram.conftest import emulator, make_rig, ssl_context  # noqa: F401
from tests.bot.adapters.telegram.support import ALICE, RigFactory
from tests.cogs.purchases import signing
from tests.emulators.telegram import private_chat

BUYERS_CHAT = -1005550002222


async def test_start_claim_deep_link_links_the_order_and_invites_to_the_buyers_chat(
        make_rig: RigFactory) -> None:  # noqa: F811 (the fixture imported above)
    rig = await make_rig(f'[purchases]\nbuyer_roles = {{ telegram = "{BUYERS_CHAT}" }}\n')
    cog = next(c for c in rig.hearth.cogs if isinstance(c, PurchasesCog))
    order = OrderRecord(provider="shopify", order_id="820982911946154508", status="paid", order_number="#9999",
                        amount_minor=40495, currency="USD", customer_key=signing.customer_key("jon@example.com"))
    await cog.writer.put(Delivery("shopify:test:1", "shopify", "orders/paid", dump(order), rig.hearth.clock.now()))
    await cog.worker.run_once()
    code = ClaimCodes(signing.INSTANCE_SECRET).code("shopify", "820982911946154508")

    rig.command(private_chat(ALICE), ALICE, f"/start claim_{code}")
    invite = await rig.emulator.wait_call("createChatInviteLink")
    assert invite.params["chat_id"] == BUYERS_CHAT and invite.params["member_limit"] == 1
    texts = [c.params["text"] for c in await rig.emulator.wait_for(
        lambda: rig.emulator.calls_to("sendMessage") if len(rig.emulator.calls_to("sendMessage")) >= 2 else None)]
    assert any("Order #9999 now counts for your profile" in text for text in texts)
    assert any("invited" in text for text in texts)
    [award] = rig.of(PointsAwarded)
    assert (award.rule, award.amount, award.source_key) == ("purchase", 404, "shopify:order:820982911946154508")
