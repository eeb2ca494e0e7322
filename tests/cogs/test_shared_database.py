"""Two Hearths ("processes") on one PostgreSQL database run the same periodic job at the same moment: the work
is done, announced and recorded once (badges, tiers, lifecycle stages and their CRM webhook, order effects,
metric snapshots). Each test fails if the job's claim isn't atomic across processes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, update

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.events import BadgeEarned, Event, PurchaseRecorded, StageChanged, TierChanged
from bot.secrets import Secrets
from storage.migrate import upgrade
from storage.models import MetricSnapshot, OutboxMessage, Purchase, StageHistory
from tests.cogs.purchases.signing import INSTANCE_SECRET, SECRETS, standard
from tests.support.community import DISCORD_PLACE, Community, user
from tests.support.harness import Chat
from tests.support.seeded import order

pytestmark = pytest.mark.postgres
ANA, BEN = user("ana", "discord"), user("ben", "discord")
CONFIG = """
[web]
port = 0
[badges]
announce_channel = "discord:500"
[tiers]
announce_channel = "discord:500"
[lifecycle.crm]
url = "http://127.0.0.1:9/crm"
[purchases]
buyer_roles = {discord = "777"}
"""
Pair = Callable[[], Awaitable[tuple[Community, Community]]]


def cog(community: Community, name: str) -> Any:
    return next(c for c in community.hearth.cogs if c.name == name)


@pytest.fixture
async def pair(postgres_url: str, tmp_path: Path) -> AsyncIterator[Pair]:
    await asyncio.to_thread(upgrade, postgres_url)
    clock = ManualClock(datetime(2026, 1, 12, 9, tzinfo=UTC))
    started: list[Hearth] = []
    events: dict[int, list[Event]] = {}

    async def build() -> tuple[Community, Community]:
        made = []
        for name in ("one", "two"):
            folder = tmp_path / name
            folder.mkdir()
            (folder / "config.toml").write_text(f'data_dir = "{folder}"\n{CONFIG}')
            config = load_config(folder / "config.toml", environ={"HEARTH_DATABASE_URL": postgres_url})
            hearth = Hearth(config, Secrets(instance=INSTANCE_SECRET, webhook=SECRETS,
                                            crm_webhook="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), clock=clock)
            community = Community(hearth, clock)
            hearth.platforms.add(community.discord)
            hearth.platforms.add(community.telegram)
            seen = events.setdefault(id(community), [])

            async def record(event: Event, seen: list[Event] = seen) -> None:
                seen.append(event)

            hearth.bus.subscribe(Event, record)
            await hearth.start(web=True)
            started.append(hearth)
            made.append(community)
        return made[0], made[1]

    build.events = events
    yield build
    for hearth in started:
        await hearth.stop()


def published(pair: Pair, kind: type[Event]) -> list[Event]:
    return [e for seen in pair.events.values() for e in seen if isinstance(e, kind)]


async def deliver(community: Community, body: bytes, message_id: str) -> None:
    assert community.hearth.web_server is not None
    async with aiohttp.ClientSession() as http:
        url = f"http://127.0.0.1:{community.hearth.web_server.port}/webhooks/standard"
        async with http.post(url, data=body, headers=standard(body, message_id, 1768208400)) as response:
            assert response.status == 200


def announced(one: Community, two: Community, title: str) -> list[str]:
    return [s.target for c in (one, two) for s in c.discord.sent if s.reply is not None and s.reply.title == title]


async def test_a_badge_is_granted_and_announced_once(pair: Pair) -> None:
    one, two = await pair()
    member = await one.member(ANA)
    badges = [cog(c, "badges").service for c in (one, two)]
    for each in badges:
        each.mark(member)
    await asyncio.gather(*(each.evaluate_pending() for each in badges))
    assert [e.badge for e in published(pair, BadgeEarned)] == ["founding_member"]
    assert announced(one, two, "🏅 New badge") == ["discord:500"]


async def test_a_promotion_is_recorded_and_announced_once(pair: Pair) -> None:
    one, two = await pair()
    member = await one.member(ANA)
    await asyncio.gather(*(cog(c, "tiers").service.evaluate([member]) for c in (one, two)))
    assert [e.new_tier for e in published(pair, TierChanged)] == ["founding_member"]
    assert announced(one, two, "🎉 New tier") == ["discord:500"]


async def test_a_stage_change_is_recorded_once_with_one_crm_webhook(pair: Pair) -> None:
    one, two = await pair()
    member = await one.member(ANA)
    lifecycles = [cog(c, "lifecycle").service for c in (one, two)]
    await asyncio.gather(*(each.recompute([member]) for each in lifecycles))
    # A first meaningful action: both nightly recomputes see that ana is now Activated.
    await Chat(one.hearth, one.discord, DISCORD_PLACE).command(BEN, "/thanks @ana for the tip", mentions=(ANA,))
    await one.hearth.points.flush()
    await asyncio.gather(*(each.recompute([member]) for each in lifecycles))
    assert [e.new_stage for e in published(pair, StageChanged)] == ["new", "activated"]
    async with one.hearth.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(StageHistory)) == 2
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 2


async def test_an_order_delivered_to_one_process_has_its_effects_once(pair: Pair) -> None:
    one, two = await pair()
    await deliver(one, order("2001", "30.00", "ana@example.com"), "msg_2001")
    workers = [cog(c, "purchases").worker for c in (one, two)]
    await workers[0].processor.drain()
    # Both apply effects at once, as when each process was woken by a delivery of its own.
    await asyncio.gather(*(worker.effects.drain() for worker in workers))
    await asyncio.gather(*(worker.run_once() for worker in workers))
    recorded = published(pair, PurchaseRecorded)
    assert [e.order_id for e in recorded] == ["2001"]


async def test_a_buyer_role_is_granted_once_when_both_reconcile(pair: Pair) -> None:
    one, two = await pair()
    member = await one.member(ANA)
    await deliver(one, order("3001", "9.00", "ana@example.com"), "msg_3001")
    await cog(one, "purchases").worker.processor.drain()
    async with one.hearth.database.session() as session, session.begin():
        await session.execute(update(Purchase).values(member_id=member))  # as a /claim would link it
    # The expiry sweep runs in both processes: both find ana's role missing at the same moment.
    await asyncio.gather(*(cog(c, "purchases").worker.roles.reconcile(member) for c in (one, two)))
    grants = [s for c in (one, two) for s in c.discord.sent if s.kind == "grant"]
    assert [(g.target, g.detail) for g in grants] == [("ana", "777")]


async def test_metric_snapshots_refreshed_by_both_at_once(pair: Pair) -> None:
    one, two = await pair()
    await one.member(ANA)
    await asyncio.gather(*(cog(c, "metrics").refresh() for c in (one, two)))
    async with one.hearth.database.session() as session:
        keys = (await session.execute(select(MetricSnapshot.period, MetricSnapshot.metric))).all()
    assert keys and len(keys) == len(set(keys))
