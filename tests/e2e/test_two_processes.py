"""Two real `hearth run` processes, one PostgreSQL database, one Discord (the loopback emulator) with two shards.

Every ritual that comes due posts exactly once, whichever process claims it; store webhooks sent to either
process's web port — some of them to both, as a store retrying against a load balancer would — are each
stored once and merged once, and what they cause (points, a buyer role) happens once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from storage.database import Database
from storage.models import (
    Identity,
    LedgerEntry,
    Member,
    Purchase,
    PurchaseCustomer,
    PurchaseDelivery,
    RitualOccurrence,
    RitualPost,
)
from tests.bot.adapters.discord.conftest import TOKEN
from tests.cogs.purchases.signing import SECRETS, standard
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.support.live import Process, create_due_rituals, free_port, prompts, until
from tests.support.seeded import order

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
INSTANCE = "two-processes-instance-secret"
RITUALS = [f"Ritual {n}" for n in range(1, 7)]
BUYERS = {p.MASON_ID: "mason@example.com", p.AUTHOR_ID: "author@example.com"}
ORDERS = 12


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emulator = await DiscordEmulator().start()
    yield emulator
    await emulator.close()


async def link_buyers(url: str) -> None:
    """The two buyers are members (their Discord accounts) whose store customer is linked, as /claim leaves it."""
    database = Database(url)
    try:
        async with database.session() as session, session.begin():
            for user_id, email in BUYERS.items():
                member_id = await session.scalar(select(Identity.member_id).where(
                    Identity.platform == "discord", Identity.platform_user_id == user_id))
                if member_id is None:  # Mason is one already: he created the rituals
                    member = Member(display_name=user_id, joined_at=datetime.now(UTC))
                    session.add(member)
                    await session.flush()
                    member_id = member.id
                    session.add(Identity(member_id=member_id, platform="discord", platform_user_id=user_id,
                                         display_name=user_id, linked_at=datetime.now(UTC)))
                key = hmac.new(INSTANCE.encode(), email.encode(), hashlib.sha256).hexdigest()
                session.add(PurchaseCustomer(customer_key=key, member_id=member_id, linked_at=datetime.now(UTC)))
    finally:
        await database.close()


def environment(process: Process, url: str, emulator: DiscordEmulator, shard: int, folder: Path) -> dict[str, str]:
    config = folder / "config.toml"
    config.write_text(f'data_dir = "{folder}"\n[database]\nurl = "{url}"\n'
                      f"[discord]\nguild_ids = [{p.GUILD_ID}]\nshard_count = 2\n"
                      f'[purchases]\nbuyer_roles = {{discord = "{p.TIER_ROLE_ID}"}}\n')
    return {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), "HEARTH_WEB_PORT": str(process.port),
            "HEARTH_DISCORD_TOKEN": TOKEN, "HEARTH_DISCORD_SHARD_IDS": str(shard), "HEARTH_SECRET": INSTANCE,
            "HEARTH_STANDARD_WEBHOOK_SECRET": SECRETS["standard"], **emulator.environ}


async def deliver(http: aiohttp.ClientSession, port: int, body: bytes, message_id: str) -> None:
    headers = standard(body, message_id, int(datetime.now(UTC).timestamp()))
    async with http.post(f"http://127.0.0.1:{port}/webhooks/standard", data=body, headers=headers) as response:
        assert response.status == 200, await response.text()


async def healthy(http: aiohttp.ClientSession, processes: list[Process]) -> bool:
    for process in processes:
        try:
            async with http.get(f"http://127.0.0.1:{process.port}/healthz") as response:
                if response.status != 200:
                    return False
        except aiohttp.ClientError:
            return False
    return True


async def settled(url: str) -> bool:
    database = Database(url)
    try:
        async with database.session() as session:
            waiting = await session.scalar(select(func.count()).select_from(PurchaseDelivery)
                                           .where(PurchaseDelivery.processed_at.is_(None)))
            done = await session.scalar(select(func.count()).select_from(Purchase)
                                        .where(Purchase.version == Purchase.effects_version))
            return waiting == 0 and done == ORDERS
    finally:
        await database.close()


async def test_two_processes_post_each_ritual_once_and_process_each_webhook_once(
        postgres_url: str, tmp_path: Path, emulator: DiscordEmulator) -> None:
    (tmp_path / "config.toml").write_text(f'data_dir = "{tmp_path}"\n[points]\nwriter = "inline"\n')
    await create_due_rituals(postgres_url, tmp_path, RITUALS, INSTANCE.encode())
    await link_buyers(postgres_url)
    processes = [Process(f"shard{shard}", tmp_path / f"shard{shard}.log", free_port()) for shard in (0, 1)]
    try:
        for shard, process in enumerate(processes):
            folder = tmp_path / process.name
            folder.mkdir()
            await process.start(environment(process, postgres_url, emulator, shard, folder), folder)
        await emulator.gateway.wait_connections(2, timeout=120)
        assert sorted(i["shard"] for i in emulator.gateway.identifies) == [[0, 2], [1, 2]]
        async with aiohttp.ClientSession() as http:
            await until(lambda: healthy(http, processes), "both web servers")
            deliveries = []
            for number in range(ORDERS):
                email = list(BUYERS.values())[number % len(BUYERS)] if number % 3 else f"guest{number}@example.com"
                body = order(str(5000 + number), f"{10 + number}.00", email)
                deliveries.append(deliver(http, processes[number % 2].port, body, f"msg_{number}"))
                if number % 4 == 0:  # a retry of the same delivery reaches the other process
                    deliveries.append(deliver(http, processes[(number + 1) % 2].port, body, f"msg_{number}"))
            await asyncio.gather(*deliveries)
        await until(lambda: settled(postgres_url), "every delivery merged and its effects applied")
        await until(lambda: len(prompts(emulator, RITUALS)) >= len(RITUALS), "the ritual posts")
        await until(lambda: all(process.caught_up() for process in processes), "a ritual tick in each process")
        codes = [await process.stop(signal.SIGTERM) for process in processes]
    finally:
        for process in processes:
            await process.kill_if_running()
    logs = {process.name: process.text() for process in processes}
    assert codes == [0, 0], logs
    for name, text in logs.items():
        assert "Traceback" not in text and " ERROR " not in text, f"{name}:\n{text}"
    assert prompts(emulator, RITUALS) == sorted(RITUALS)  # each ritual once, across both processes
    await check_database(postgres_url)
    grants = emulator.sent("PUT", rf"/guilds/{p.GUILD_ID}/members/\d+/roles/{p.TIER_ROLE_ID}")
    assert sorted(g.path.split("/")[4] for g in grants) == sorted(BUYERS)  # one buyer role grant per buyer


async def check_database(url: str) -> None:
    database = Database(url)
    try:
        async with database.session() as session:
            occurrences = (await session.execute(select(RitualOccurrence.status))).scalars().all()
            assert sorted(occurrences) == ["open"] * len(RITUALS)
            posts = (await session.execute(select(RitualPost.status))).scalars().all()
            assert posts == ["sent"] * len(RITUALS)
            keys = (await session.execute(select(PurchaseDelivery.delivery_key))).scalars().all()
            assert len(keys) == ORDERS == len(set(keys))  # the retries were recognised, not stored again
            versions = (await session.execute(select(Purchase.order_id, Purchase.version))).all()
            assert len(versions) == ORDERS and {version for _, version in versions} == {1}  # merged once
            awards = (await session.execute(select(LedgerEntry.source_key).where(LedgerEntry.rule == "purchase"))
                      ).scalars().all()
            linked = [n for n in range(ORDERS) if n % 3]
            assert sorted(awards) == sorted(f"standard:order:{5000 + n}" for n in linked)
    finally:
        await database.close()
