"""``/mod report``, the weekly report (posted once per week, with a chart), activity counting from chat events,
and the Prometheus gauges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place
from bot.secrets import Secrets
from cogs.metrics.cog import MetricsCog
from storage.models import MemberActivityDay, MetricReport, MetricSnapshot
from tests.support import insights as seed
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform

MONDAY = seed.at("2026-03-09 09:00")
PLACE = Place("memory", "general", guild_id="g1")
PNG = b"\x89PNG\r\n\x1a\n"


def metrics_cog(hearth: Hearth) -> MetricsCog:
    return next(cog for cog in hearth.cogs if isinstance(cog, MetricsCog))


async def two_weeks(hearth: Hearth) -> None:
    """Last week (2–8 March) 3 members posted 6 times; the week before, 2 members posted 4 times."""
    # Ids far above those the app gives out: PostgreSQL's sequence doesn't skip explicitly inserted ids.
    first, second, third = 9001, 9002, 9003
    async with hearth.database.session() as session, session.begin():
        for n in (first, second, third):
            seed.member(session, n)
        await session.flush()
        seed.day(session, first, "2026-03-02", posts=3, interactions=1)
        seed.day(session, second, "2026-03-04", posts=2)
        seed.day(session, third, "2026-03-08", posts=1, interactions=1)
        seed.day(session, first, "2026-02-24", posts=3)
        seed.day(session, second, "2026-02-25", posts=1, interactions=1)


async def test_report_shows_figures_with_change_and_a_chart(chat: Chat, hearth: Hearth, clock: ManualClock) -> None:
    clock.set(MONDAY)
    await two_weeks(hearth)
    refused = await chat.command(user("alice"), "/mod report")
    assert refused.status != "ok" and not any(reply.files for reply in refused.replies)
    outcome = await chat.command(user("mod"), "/mod report", role=Permission.MODERATOR)
    reply = outcome.replies[0]
    assert reply.title == "Our Community — report for 2 Mar – 8 Mar 2026"
    health = reply.fields[0].value.splitlines()
    assert "Active members: 3 (▲ 50%)" in health  # 3 against 2
    assert "Posts per week: 6.00 (▲ 50%)" in health  # 6 against 4
    # 2 of 3 interacted, against 1 of 2: +17 points.
    assert "Members interacting with others: 67% (▲ 17 pts)" in health
    assert "Monthly active members: 3 (▲ 50%)" in health  # the 30 days before 2 March saw only m1 and m2
    assert "Ritual attendance: no data yet" in health
    commerce = reply.fields[1].value
    assert "Community revenue: no orders yet" in commerce
    chart = reply.files[0]
    assert chart.filename == "hearth-report.png" and chart.content_type == "image/png"
    assert chart.data.startswith(PNG) and len(chart.data) > 5_000

    month = (await chat.command(user("mod"), "/mod report month", role=Permission.MODERATOR)).replies[0]
    assert month.title == "Our Community — report for 7 Feb – 8 Mar 2026"
    assert "Posts per week: 2.33 (new)" in month.fields[0].value.splitlines()  # 10 posts × 7 ÷ 30


@pytest.fixture
async def reporting(make_config: Callable[..., HearthConfig], secrets: Secrets, clock: ManualClock
                    ) -> list[Hearth]:
    """Two processes sharing one database, both with the weekly report configured."""
    config = make_config('[metrics]\nreport_place = "memory:mods"\n')
    apps = [Hearth(config, secrets, clock=clock) for _ in range(2)]
    for app in apps:
        await app.start(web=False)
        app.platforms.add(MemoryPlatform())
    yield apps
    for app in apps:
        await app.stop()


async def test_weekly_report_is_posted_once_per_week(reporting: list[Hearth], clock: ManualClock) -> None:
    clock.set(MONDAY)
    first, second = reporting
    await two_weeks(first)
    assert await metrics_cog(first).weekly_report() is True
    assert await metrics_cog(second).weekly_report() is False  # another process (or a restart): already posted
    assert await metrics_cog(first).weekly_report() is False
    platform = first.platforms.get("memory")
    assert isinstance(platform, MemoryPlatform)
    posted = [sent for sent in platform.sent if sent.kind == "send"]
    assert [sent.target for sent in posted] == ["memory:mods"]
    assert posted[0].reply is not None and posted[0].reply.files[0].data.startswith(PNG)
    async with first.database.session() as session:
        assert list(await session.scalars(select(MetricReport.week_start))) == ["2026-03-02"]
        kept = {row.metric: row.value for row in await session.scalars(select(MetricSnapshot))}
    assert kept["active_members"] == 3 and kept["posts"] == 6
    clock.advance(timedelta(days=7))
    assert await metrics_cog(second).weekly_report() is True  # next week: the other process may post it


async def test_chat_events_become_daily_activity(hearth: Hearth, clock: ManualClock) -> None:
    clock.set(MONDAY)
    alice, bob, bot = user("alice"), user("bob"), user("helper", bot=True)
    first = MessageRef(PLACE, "m1")
    posted = MessagePosted(first, alice, "look at my latte art", MONDAY)
    await hearth.bus.publish(posted)
    await hearth.bus.publish(posted)  # a gateway replay counts once
    await hearth.bus.publish(MessagePosted(MessageRef(PLACE, "m2"), bob, "lovely!", MONDAY, reply_to=first))
    await hearth.bus.publish(MessagePosted(MessageRef(PLACE, "m3"), alice, "thanks", MONDAY, reply_to=first))
    await hearth.bus.publish(ReactionAdded(first, bob, "🔥", MONDAY))
    await hearth.bus.publish(ReactionAdded(first, bob, "🔥", MONDAY))  # replayed
    await hearth.bus.publish(ReactionAdded(first, alice, "❤️", MONDAY))  # on her own post: not an interaction
    await hearth.bus.publish(MessagePosted(MessageRef(PLACE, "m4"), bot, "beep", MONDAY))
    await hearth.bus.publish(MessagePosted(MessageRef(PLACE, "m5"), alice, "see you @bob", MONDAY + timedelta(days=1),
                                           mentions=(bob,)))
    await metrics_cog(hearth).recorder.flush()
    ids = {await hearth.members.find(alice): "alice", await hearth.members.find(bob): "bob"}
    async with hearth.database.session() as session:
        rows = {(ids[r.member_id], r.day): (r.posts, r.reactions, r.interactions)
                for r in await session.scalars(select(MemberActivityDay))}
    assert rows == {("alice", "2026-03-09"): (2, 1, 0), ("bob", "2026-03-09"): (1, 1, 2),
                    ("alice", "2026-03-10"): (1, 0, 1)}


async def test_gauges_serve_the_last_refresh(make_config: Callable[..., HearthConfig], secrets: Secrets,
                                             clock: ManualClock) -> None:
    clock.set(MONDAY)
    app = Hearth(make_config("[web]\nport = 0\n"), secrets, clock=clock)
    await app.start(web=True)
    try:
        await two_weeks(app)
        assert app.web_server is not None
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{app.web_server.port}") as client:
            before = (await client.get("/metrics")).text
            assert "hearth_metrics_refreshed_timestamp_seconds 0.0" in before
            assert "hearth_active_members" not in before  # nothing computed on a scrape
            await metrics_cog(app).refresh()
            after = (await client.get("/metrics")).text
        assert "hearth_active_members 3.0" in after and "hearth_posts_per_week 6.0" in after
        assert "hearth_monthly_active_members 3.0" in after
        assert 'hearth_repeat_purchase_ratio{segment="members"}' not in after  # no orders: no value, not zero
    finally:
        await app.stop()
