"""GET /ugc.json shows only consented, approved items; milestone DMs go once per buyer; links are recognised;
merged members keep their submissions."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import aiohttp
import pytest

from bot.kit.events import MembersMerged
from bot.kit.platform import Attachment
from cogs.privacy.preferences import PreferenceStore
from cogs.ugc.cog import UgcCog
from cogs.ugc.links import find_link, kind_of, recognise
from storage.models import Purchase
from tests.support.growth import Rig, RigFactory
from tests.support.harness import user

ALICE, BOB, CARA, DAN = user("alice"), user("bob"), user("cara"), user("dan")


async def test_the_feed_lists_only_consented_approved_items(make_rig: RigFactory) -> None:
    rig = await make_rig(web=True)
    shared = {
        ALICE: ("https://www.instagram.com/p/C0ffeeAbc12/", "yes", "approve"),
        BOB: ("https://www.tiktok.com/@bob/video/7301234567890123456", "no", "approve"),
        CARA: ("https://youtu.be/dQw4w9WgXcQ", "yes", None),
        DAN: ("https://example.com/review", "yes", "reject"),
    }
    for number, (who, (link, consent, decision)) in enumerate(shared.items(), start=1):
        await rig.command(who, f"/share so good {link}")
        await rig.press(who, f"ugc:consent:{number}:{consent}")
        if decision == "approve":
            await rig.mod(f"/mod ugc approve {number}")
        elif decision == "reject":
            await rig.mod(f"/mod ugc reject {number} off-topic")
    telegram_upload = Attachment("photo_x.jpg", "telegram-file:AgAD123", "image/jpeg", 1000)
    await rig.command(DAN, "/share from Telegram", attachments=(telegram_upload,))
    await rig.press(DAN, "ugc:consent:5:yes")
    await rig.mod("/mod ugc feature 5")
    assert rig.hearth.web_server is not None
    async with aiohttp.ClientSession() as session, session.get(
            f"http://127.0.0.1:{rig.hearth.web_server.port}/ugc.json") as response:
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        body = await response.json()
    items = body["items"]
    assert [item["id"] for item in items] == [5, 1]
    featured, instagram = items
    assert instagram == {"id": 1, "type": "ugc_post", "author": "Alice", "text": f"so good {shared[ALICE][0]}",
                         "link": shared[ALICE][0], "platform": "instagram",
                         "embed_url": "https://www.instagram.com/p/C0ffeeAbc12/embed", "thumbnail_url": None,
                         "media_url": None, "media_type": None, "featured": False,
                         "approved_at": rig.clock.now().isoformat()}
    # A Telegram upload has no public address: listed (it was consented), without the private file id.
    assert featured["featured"] is True and featured["media_url"] is None


def purchase(member_id: int | None, order_id: str, placed: datetime, *, counted: bool = True) -> Purchase:
    return Purchase(provider="shopify", order_id=order_id, status="paid" if counted else "pending",
                    provider_status="paid", amount_minor=2500, currency="EUR", member_id=member_id,
                    claim_hash=hashlib.sha256(order_id.encode()).hexdigest(), items="[]", created_at=placed,
                    first_seen_at=placed, counted=counted)


async def test_milestone_requests_go_once_per_buyer_even_across_restarts(make_rig: RigFactory) -> None:
    rig = await make_rig()
    now = rig.clock.now()
    ids = {who: await rig.member(who) for who in (ALICE, BOB, CARA, DAN)}
    async with rig.hearth.database.session() as session, session.begin():
        session.add_all([
            purchase(ids[ALICE], "1001", now - timedelta(days=15)),   # due
            purchase(ids[ALICE], "1002", now - timedelta(days=2)),    # her second order: still one DM
            purchase(ids[BOB], "1003", now - timedelta(days=5)),      # not yet
            purchase(ids[CARA], "1004", now - timedelta(days=90)),    # long before the feature: not asked
            purchase(ids[DAN], "1005", now - timedelta(days=16), counted=False),  # never paid
            purchase(None, "1006", now - timedelta(days=15)),         # unclaimed: nobody to ask
        ])
    service = rig.cog(UgcCog).service
    assert await service.run_milestones() == 1
    [asked] = rig.dms(ALICE)
    assert asked.title == "Show us how you use it 📸" and "/share" in asked.text
    assert await service.run_milestones() == 0
    again = await make_rig()  # a restart on the same database
    assert await again.cog(UgcCog).service.run_milestones() == 0
    rig.clock.advance(timedelta(days=10))
    assert await service.run_milestones() == 1
    assert len(rig.dms(BOB)) == 1 and rig.dms(CARA) == [] and rig.dms(DAN) == [] and len(rig.dms(ALICE)) == 1


async def test_no_milestone_request_after_privacy_dms_off(rig: Rig) -> None:
    now = rig.clock.now()
    alice = await rig.member(ALICE)
    await PreferenceStore(rig.hearth.database).set(alice, now, dms=False)  # /privacy dms off (or /dm off)
    async with rig.hearth.database.session() as session, session.begin():
        session.add(purchase(alice, "2001", now - timedelta(days=15)))
    assert await rig.cog(UgcCog).service.run_milestones() == 0
    assert rig.dms(ALICE) == []


async def test_a_merge_moves_submissions_and_keeps_shared_content_once(rig: Rig) -> None:
    photo = Attachment("a.jpg", "https://cdn.example/a.jpg", "image/jpeg", 10)
    other = Attachment("b.jpg", "https://cdn.example/b.jpg", "image/jpeg", 10)
    await rig.command(ALICE, "/share", attachments=(photo,))
    await rig.command(BOB, "/share", attachments=(photo,))
    await rig.command(BOB, "/share", attachments=(other,))
    kept, merged = await rig.member(ALICE), await rig.member(BOB)
    await rig.hearth.bus.publish(MembersMerged(kept=kept, merged=merged, at=rig.clock.now()))
    pending, total = await rig.cog(UgcCog).service.store.pending(10)
    assert total == 2 and {s.member_id for s in pending} == {kept}


@pytest.mark.parametrize(("url", "platform", "media"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10", "youtube", "dQw4w9WgXcQ"),
    ("https://youtube.com/shorts/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://m.youtube.com/watch?v=short", "youtube", None),
    ("https://www.instagram.com/reel/Cx1y2z3AbCd/?igsh=abc", "instagram", "Cx1y2z3AbCd"),
    ("https://www.tiktok.com/@maker.jo/video/7301234567890123456?lang=en", "tiktok", "7301234567890123456"),
    ("https://vm.tiktok.com/ZMabc123/", "tiktok", None),
    ("https://shop.example.com/blog/how-i-brew", "web", None),
])
def test_links_are_recognised(url: str, platform: str, media: str | None) -> None:
    found = recognise(url)
    assert (found.platform, found.media_id) == (platform, media)


def test_the_first_link_is_found_without_trailing_punctuation_and_tags_pick_the_type() -> None:
    found = find_link("Look (https://youtu.be/dQw4w9WgXcQ).")
    assert found is not None and found.url == "https://youtu.be/dQw4w9WgXcQ" and found.key == "youtube:dQw4w9WgXcQ"
    assert find_link("no link here") is None
    assert (kind_of("#Tutorial: descaling"), kind_of("my #review"), kind_of("#reviewing")) == (
        "tutorial", "product_review", "ugc_post")
