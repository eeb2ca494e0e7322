"""/share and showcase capture, consent, the moderation queue (approve / reject / feature) and prompts."""

from __future__ import annotations

from sqlalchemy import select

from bot.kit.commands import Permission
from bot.kit.events import BadgeEarned
from bot.kit.platform import Attachment, Place
from cogs.ugc.cog import UgcCog
from storage.models import MemberBadge, UgcSubmission
from tests.support.growth import MOD, Rig, RigFactory
from tests.support.harness import user

ALICE, BOB = user("alice"), user("bob")
PHOTO = Attachment("latte.jpg", "https://cdn.example/latte.jpg", "image/jpeg", 200_000)
YOUTUBE = "https://youtu.be/dQw4w9WgXcQ"


async def submissions(rig: Rig) -> list[UgcSubmission]:
    async with rig.hearth.database.session() as session:
        return list((await session.scalars(select(UgcSubmission).order_by(UgcSubmission.id))).all())


async def test_share_with_a_link_is_previewed_and_asks_for_consent(rig: Rig) -> None:
    outcome = await rig.command(ALICE, f"/share My morning setup {YOUTUBE}")
    [reply] = outcome.replies
    assert reply.title == "Thanks for sharing! 🙌"
    assert reply.image_url == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert reply.footer == "#1 · post · YouTube"
    assert [c.action for c in reply.choices] == ["ugc:consent:1:yes", "ugc:consent:1:no"]
    [stored] = await submissions(rig)
    assert (stored.link_platform, stored.status, stored.consent, stored.source) == ("youtube", "pending", "pending",
                                                                                    "share")


async def test_share_with_an_unsupported_attachment_says_what_is_accepted(rig: Rig) -> None:
    manual = Attachment("manual.pdf", "https://cdn.example/manual.pdf", "application/pdf", 10_000)
    text = "\n".join(r.plain_text() for r in (await rig.command(ALICE, "/share my manual",
                                                                attachments=(manual,))).replies)
    assert text == ("I can't take a pdf file: share a photo (JPG, PNG, GIF, WebP, HEIC) or a video (MP4, MOV, WebM), "
                    "or a link to Instagram, TikTok or YouTube.")
    huge = Attachment("trip.mp4", "https://cdn.example/trip.mp4", "video/mp4", 900 * 1024 * 1024)
    too_big = (await rig.command(ALICE, "/share", attachments=(huge,))).replies[0].text
    assert too_big.startswith("That file is 900 MB; the limit is 50 MB.")
    nothing = (await rig.command(ALICE, "/share just words")).replies[0].text
    assert nothing.startswith("Attach a photo (JPG, PNG, GIF, WebP, HEIC) or a video")
    assert await submissions(rig) == []


async def test_the_same_content_shared_twice_is_one_submission(rig: Rig) -> None:
    await rig.command(ALICE, "/share", attachments=(PHOTO,))
    again = await rig.command(ALICE, "/share the same photo", attachments=(PHOTO,))
    assert again.replies[0].text == "You already shared that (#1, pending)."
    assert len(await submissions(rig)) == 1


async def test_approving_twice_awards_once_and_the_type_picks_the_rule(rig: Rig) -> None:
    await rig.command(ALICE, "/share", attachments=(PHOTO,))
    await rig.command(BOB, f"/share #tutorial Descaling in three steps {YOUTUBE}")
    approved = await rig.mod("/mod ugc approve 1")
    assert approved.replies[0].text == "Approved #1 (post): +50 points for Alice."
    again = await rig.mod("/mod ugc approve 1")
    assert again.replies[0].text == "#1 was already approved."
    button = await rig.press(MOD, "ugcmod:approve:1", role=Permission.MODERATOR)
    assert button.replies[0].text == "#1 was already approved."
    assert await rig.points(ALICE) == 50
    assert [r.title for r in rig.dms(ALICE)] == ["Submission approved"]
    # Bob's hashtag made it a tutorial; a moderator can still count it as something else.
    assert (await rig.mod("/mod ugc approve 2")).replies[0].text.startswith("Approved #2 (tutorial): +100 points")
    assert await rig.points(BOB) == 100


async def test_a_moderator_can_override_the_type(rig: Rig) -> None:
    await rig.command(ALICE, f"/share Loved the grinder {YOUTUBE}")
    outcome = await rig.mod("/mod ugc approve 1 review")
    assert outcome.replies[0].text == "Approved #1 (review): +30 points for Alice."


async def test_rejecting_tells_the_member_why_and_the_decision_stands(rig: Rig) -> None:
    await rig.command(ALICE, "/share", attachments=(PHOTO,))
    outcome = await rig.mod("/mod ugc reject 1 The photo is too dark to see the product")
    assert outcome.replies[0].text == "Rejected #1; Alice was told why."
    [told] = rig.dms(ALICE)
    assert "wasn't approved: The photo is too dark to see the product" in told.text
    assert (await rig.mod("/mod ugc approve 1")).replies[0].text == "#1 was already rejected."
    assert (await rig.mod("/mod ugc feature 1")).replies[0].text.startswith("#1 was rejected")
    assert (await rig.mod("/mod ugc approve 9")).replies[0].text == "There's no submission #9 — see /mod ugc queue."
    assert await rig.points(ALICE) == 0


async def test_featuring_spotlights_once_with_the_badge(make_rig: RigFactory) -> None:
    rig = await make_rig('[ugc]\nspotlight_place = "memory:spotlight"\n')
    await rig.command(ALICE, f"/share Sunday brunch {YOUTUBE}")
    outcome = await rig.mod("/mod ugc feature 1")
    assert outcome.replies[0].text == "🌟 #1 by Alice is in the Community Spotlight."
    [spotlight] = rig.posts("memory:spotlight")
    assert spotlight.title == "🌟 Community Spotlight" and "Sunday brunch" in spotlight.text
    assert spotlight.image_url == "https://i.ytimg.com/vi/dQw4w9WgXcQ/hqdefault.jpg"
    assert (await rig.mod("/mod ugc feature 1")).replies[0].text == "#1 is already in the spotlight."
    assert len(rig.posts("memory:spotlight")) == 1
    alice = await rig.member(ALICE)
    async with rig.hearth.database.session() as session:
        badges = (await session.scalars(select(MemberBadge.badge).where(MemberBadge.member_id == alice))).all()
    assert badges == ["community_spotlight"]
    assert [(e.member_id, e.badge) for e in rig.of(BadgeEarned)] == [(alice, "community_spotlight")]
    assert await rig.points(ALICE) == 50  # featuring a pending item approved it first


async def test_showcase_posts_are_captured_and_consent_is_asked_by_dm(make_rig: RigFactory) -> None:
    rig = await make_rig('[ugc]\nshowcase_places = ["memory:showcase"]\n')
    showcase = Place("memory", "showcase")
    await rig.post(ALICE, "love this place", place=showcase)  # chatter: not content
    await rig.post(ALICE, "my corner", place=showcase, attachments=(PHOTO,))
    await rig.post(BOB, f"elsewhere {YOUTUBE}")  # not a showcase channel
    [stored] = await submissions(rig)
    assert (stored.source, stored.media_type, stored.place_key) == ("showcase", "image/jpeg", "memory:showcase")
    [asked] = rig.dms(ALICE)
    assert [c.action for c in asked.choices] == ["ugc:consent:1:yes", "ugc:consent:1:no"]
    refused = await rig.press(BOB, "ugc:consent:1:yes")
    assert refused.replies[0].text == "Only the member who shared it can answer that."
    agreed = await rig.press(ALICE, "ugc:consent:1:yes")
    assert agreed.replies[0].text.startswith("Thank you!")
    assert (await submissions(rig))[0].consent == "yes"


async def test_the_queue_lists_the_oldest_pending_with_buttons(rig: Rig) -> None:
    await rig.command(ALICE, "/share", attachments=(PHOTO,))
    await rig.command(BOB, f"/share {YOUTUBE}")
    await rig.mod("/mod ugc approve 2")
    [queue] = (await rig.mod("/mod ugc queue")).replies
    assert queue.text == "1 waiting."
    assert [f.name for f in queue.fields] == ["#1 · post by Alice"]
    assert [c.action for c in queue.choices] == ["ugcmod:approve:1"]
    await rig.mod("/mod ugc approve 1")
    assert (await rig.mod("/mod ugc queue")).replies[0].text == "Nothing waiting for review. 🎉"
    refused = await rig.say(ALICE, "/mod ugc queue")
    assert "for moderators only" in refused


async def test_a_prompt_goes_to_the_showcase_channels(make_rig: RigFactory) -> None:
    rig = await make_rig('[ugc]\nshowcase_places = ["memory:showcase"]\n')
    outcome = await rig.mod("/mod ugc prompt Show us how you use the travel mug!")
    assert outcome.replies[0].text == "Prompt posted in memory:showcase."
    [prompt] = rig.posts("memory:showcase")
    assert prompt.title == "📸 Show us!" and prompt.text == "Show us how you use the travel mug!"


async def test_the_prompt_is_the_reply_without_showcase_channels(rig: Rig) -> None:
    [prompt] = (await rig.mod("/mod ugc prompt Show us your desk")).replies
    assert prompt.title == "📸 Show us!" and "/share" in (prompt.footer or "")
    assert isinstance(rig.cog(UgcCog), UgcCog)
