"""Launch campaigns: phases post exactly once (restarts, two processes), the waitlist, early-access DMs, the
launch-day thread, and the recap's waitlist → buyer conversion and community posts."""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

from bot.kit.commands import Permission
from cogs.launches.cog import LaunchesCog
from cogs.launches.service import TickReport
from storage.models import MemberTier, Purchase
from tests.support.growth import Rig, RigFactory
from tests.support.harness import user

ALICE, BOB, CARA = user("alice"), user("bob"), user("cara")
PREVIEW, WAITLIST = datetime(2026, 1, 6, 10, tzinfo=UTC), datetime(2026, 1, 7, 10, tzinfo=UTC)
EARLY, PUBLIC = datetime(2026, 1, 9, 5, tzinfo=UTC), datetime(2026, 1, 10, 17, tzinfo=UTC)
RECAP = PUBLIC + timedelta(days=7)
CREATE = ('/mod launch create "Mango Blend" 2026-01-06T10:00 "2026-01-07 10:00" 2026-01-10T17:00 36h p-mango - '
          "https://shop.example.com/mango")


async def tick(rig: Rig, at: datetime) -> TickReport:
    rig.clock.set(at)
    return await rig.cog(LaunchesCog).service.run_due()


def titles(rig: Rig) -> list[str]:
    return [r.title or "" for r in rig.posts("memory:general")]


async def test_create_shows_the_plan(rig: Rig) -> None:
    [reply] = (await rig.mod(CREATE)).replies
    assert reply.title == "Mango Blend" and reply.tone == "success"
    assert reply.text.splitlines() == [
        "Launch mango-blend planned in memory:general:", "Preview: Tue 06 Jan, 10:00 (UTC)",
        "Waitlist opens: Wed 07 Jan, 10:00 (UTC)", "Early access (waitlist): Fri 09 Jan, 05:00 (UTC)",
        "Public launch: Sat 10 Jan, 17:00 (UTC) (with a launch-day thread)", "Recap: Sat 17 Jan, 17:00 (UTC)"]
    second = (await rig.mod(CREATE)).replies[0]
    assert second.text.startswith("Launch mango-blend-2 planned")


async def test_bad_plans_are_refused_with_the_reason(rig: Rig) -> None:
    cases = {
        '/mod launch create X - 2026-01-07T10:00 2026-01-10T17:00 12h': "early access starts 24 to 48 hours",
        '/mod launch create X - - 2026-01-04T17:00': "The public launch time has passed",
        '/mod launch create X - 2026-01-10T10:00 2026-01-10T17:00': "The waitlist must open before early access",
        '/mod launch create X 2026-01-08T10:00 2026-01-07T10:00 2026-01-10T17:00': "preview must come before",
        '/mod launch create X - - soon': "'soon' isn't a time",
        '/mod launch create X - - 3d 24h - gold': "There's no tier 'gold'",
    }
    for command, problem in cases.items():
        text = (await rig.mod(command)).replies[0].text
        assert problem.lower() in text.lower(), (command, text)


async def test_each_phase_posts_once_across_restarts_and_two_processes(make_rig: RigFactory) -> None:
    first = await make_rig()
    await first.mod(CREATE)
    assert (await tick(first, PREVIEW - timedelta(minutes=1))).posted == []
    assert [p[1] for p in (await tick(first, PREVIEW)).posted] == ["preview"]
    assert (await tick(first, PREVIEW + timedelta(minutes=1))).posted == []
    second = await make_rig()  # a restart (or a second process) on the same database
    first.clock.set(WAITLIST)
    reports = await asyncio.gather(first.cog(LaunchesCog).service.run_due(),
                                   second.cog(LaunchesCog).service.run_due())
    assert sorted(phase for report in reports for _, phase, _ in report.posted) == ["waitlist"]
    assert (await tick(second, WAITLIST + timedelta(hours=1))).posted == []
    for at in (PUBLIC, PUBLIC + timedelta(hours=2), RECAP, RECAP + timedelta(days=1)):
        await tick(first, at)
        await tick(second, at)
    everything = titles(first) + titles(second)
    assert sorted(everything) == sorted(["👀 Sneak peek: Mango Blend", "📝 The Mango Blend waitlist is open",
                                         "🚀 Mango Blend is live!", "📊 Mango Blend — launch recap"])
    listing = (await first.mod("/mod launch list")).replies[0].text
    assert listing.startswith("mango-blend — Mango Blend (done)") and "posted: launch, preview, recap, waitlist" in (
        listing)


async def test_phases_missed_while_down_are_not_posted_late(rig: Rig) -> None:
    await rig.mod(CREATE)
    report = await tick(rig, WAITLIST + timedelta(hours=3))  # down since before the preview
    assert [p[1] for p in report.posted] == ["waitlist"] and report.missed == [("mango-blend", "preview")]
    assert titles(rig) == ["📝 The Mango Blend waitlist is open"]


async def test_the_waitlist_joins_once_and_early_access_dms_go_once(make_rig: RigFactory) -> None:
    rig = await make_rig()
    await rig.mod(CREATE)
    rig.clock.set(PREVIEW)
    too_soon = await rig.say(ALICE, "/waitlist join")
    assert too_soon == "No waitlist is open right now — watch the announcements!"
    assert "opens Wed 07 Jan, 10:00" in await rig.say(ALICE, "/waitlist join mango-blend")
    await tick(rig, WAITLIST)
    joined = await rig.say(ALICE, "/waitlist join")
    assert joined.startswith("You're on the Mango Blend waitlist: I'll DM you when early access opens")
    assert await rig.say(ALICE, "/waitlist join") == "You're already on the Mango Blend waitlist. ✓"
    button = await rig.press(BOB, "launch:join:1")
    assert button.replies[0].text.startswith("You're on the Mango Blend waitlist")
    service = rig.cog(LaunchesCog).service
    assert await service.store.waitlist(1) == [await rig.member(ALICE), await rig.member(BOB)]
    assert (await tick(rig, EARLY)).dms == 2
    [early] = rig.dms(ALICE)
    assert early.title == "⏰ Early access: Mango Blend" and "36 hours before everyone else" in early.text
    assert early.choices[0].url == "https://shop.example.com/mango"
    assert (await tick(rig, EARLY + timedelta(hours=1))).dms == 0
    restarted = await make_rig()
    assert (await tick(restarted, EARLY + timedelta(hours=2))).dms == 0
    # Joining while early access is open: the DM comes at once, and only once.
    await rig.say(CARA, "/waitlist join")
    assert [r.title for r in rig.dms(CARA)] == ["⏰ Early access: Mango Blend"]
    assert (await tick(rig, EARLY + timedelta(hours=3))).dms == 0
    assert len(rig.dms(ALICE)) == 1 and len(rig.dms(BOB)) == 1
    rig.clock.set(PUBLIC)
    assert await rig.say(CARA, "/waitlist leave mango-blend") == "You left the Mango Blend waitlist."
    assert "has launched already" in await rig.say(CARA, "/waitlist join mango-blend")


async def test_a_tier_gated_waitlist(rig: Rig) -> None:
    await rig.mod('/mod launch create "Inner Blend" - - 3d 24h - insider')
    async with rig.hearth.database.session() as session, session.begin():
        session.add(MemberTier(member_id=await rig.member(ALICE), tier="inner_circle", since=rig.clock.now()))
        session.add(MemberTier(member_id=await rig.member(BOB), tier="regular", since=rig.clock.now()))
    assert (await rig.say(ALICE, "/waitlist join")).startswith("You're on the Inner Blend waitlist")
    refused = await rig.say(BOB, "/waitlist join")
    assert refused.startswith("The Inner Blend waitlist is for insider members and above")
    assert (await rig.say(CARA, "/waitlist join")).startswith("The Inner Blend waitlist is for insider")


async def test_launch_day_opens_a_thread_and_the_recap_counts_conversion(rig: Rig) -> None:
    await rig.mod(CREATE)
    await tick(rig, WAITLIST)
    for who in (ALICE, BOB):
        await rig.say(who, "/waitlist join")
    await tick(rig, PUBLIC)
    [thread] = [s for s in rig.platform.sent if s.kind == "thread"]
    assert thread.detail == "Mango Blend — launch day"
    opener = [s for s in rig.platform.sent if s.kind == "send" and s.target.startswith("memory:general/")]
    assert opener and "Launch day thread" in (opener[0].reply.text if opener[0].reply else "")
    alice, cara = await rig.member(ALICE), await rig.member(CARA)
    async with rig.hearth.database.session() as session, session.begin():
        for order_id, member, product in (("1", alice, "p-mango"), ("2", cara, "p-mango"), ("3", None, "p-mango"),
                                          ("4", await rig.member(BOB), "p-other")):
            session.add(Purchase(provider="shopify", order_id=order_id, status="paid", provider_status="paid",
                                 amount_minor=1900, currency="EUR", member_id=member, customer_key=f"c{order_id}",
                                 claim_hash=hashlib.sha256(order_id.encode()).hexdigest(),
                                 items=json.dumps([{"product_id": product, "quantity": 1}]),
                                 created_at=PUBLIC + timedelta(hours=1), first_seen_at=PUBLIC, counted=True))
    rig.clock.set(PUBLIC + timedelta(hours=2))
    await rig.command(CARA, "/share unboxing! https://youtu.be/dQw4w9WgXcQ")
    await rig.chat.command(user("mod"), "/mod ugc approve 1", role=Permission.MODERATOR)
    await tick(rig, RECAP)
    recap = next(r for r in rig.posts("memory:general") if r.title == "📊 Mango Blend — launch recap")
    fields = {f.name: f.value for f in recap.fields}
    assert fields == {"Waitlist": "2 members", "Waitlist → buyers": "1 (50%)", "Orders": "3 from 3 buyers",
                      "Community posts": "1", "From the community": "• Cara: https://youtu.be/dQw4w9WgXcQ"}


async def test_a_cancelled_launch_posts_nothing_more(rig: Rig) -> None:
    await rig.mod(CREATE)
    await tick(rig, PREVIEW)
    assert (await rig.mod("/mod launch cancel mango-blend")).replies[0].text.endswith("nothing more will be posted "
                                                                                      "for it.")
    assert (await tick(rig, WAITLIST)).posted == []
    assert titles(rig) == ["👀 Sneak peek: Mango Blend"]
    assert "already cancelled" in (await rig.mod("/mod launch cancel mango-blend")).replies[0].text
