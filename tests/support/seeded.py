"""A community with a few weeks' worth of life in it, made by the real app: what `hearth db copy` must carry over.

Members on two platforms (two of them linked, so one member row points at another), thanks and moderator
grants in the ledger, a ritual posted, answered and closed, orders and a refund through signed store
webhooks, a poll with votes, an idea, a question with an accepted answer in the FAQ, a UGC share, and the
lifecycle stages those make.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted
from bot.kit.platform import MessageRef, Place
from bot.secrets import Secrets
from cogs.rituals.cog import RitualsCog
from tests.cogs.purchases.signing import INSTANCE_SECRET, SECRETS, encode, standard
from tests.cogs.rituals.conftest import use_async_points_writer
from tests.support.community import BOTH, DISCORD_PLACE, TELEGRAM_PLACE, Community, text_of, user
from tests.support.harness import Chat

START = datetime(2026, 1, 12, 9, tzinfo=UTC)
ANA, BEN, CAT, MOD = user("ana", "discord"), user("ben", "discord"), user("4003", "telegram"), user("mo", "discord")
ANA_TELEGRAM = user("4001", "telegram")
CONFIG = f"""
[web]
port = 0
[polls]
places = [{BOTH}]
[[rituals.ritual]]
key = "wins"
name = "Weekly Wins"
enabled = true
schedule = "mon 10:00"
channels = ["discord:500"]
prompt = "Share a win from week {{week}}!"
"""


def community_config(folder: Path, database_url: str) -> Path:
    path = folder / "config.toml"
    path.write_text(f'data_dir = "{folder}"\n[database]\nurl = "{database_url}"\n[points]\nwriter = "inline"\n'
                    + CONFIG)
    return path


def order(order_id: str, total: str, email: str, kind: str = "order.paid", **extra: object) -> bytes:
    return encode({"type": kind, "timestamp": "2026-01-12T09:30:00Z", "data": {
        "order_id": order_id, "order_number": order_id, "currency": "EUR", "total": total, "email": email,
        "created_at": "2026-01-12T09:29:00Z", "updated_at": "2026-01-12T09:30:00Z",
        "items": [{"product_id": "42", "sku": "MUG-1", "title": "Mug", "quantity": 1}], **extra}})


async def start(folder: Path, database_url: str, clock: ManualClock) -> Community:
    config = load_config(community_config(folder, database_url), environ={})
    hearth = Hearth(config, Secrets(instance=INSTANCE_SECRET, webhook=SECRETS), clock=clock)
    await use_async_points_writer(hearth)
    community = Community(hearth, clock)
    hearth.platforms.add(community.discord)
    hearth.platforms.add(community.telegram)
    await hearth.start(web=True)
    return community


async def _webhooks(hearth: Hearth) -> None:
    assert hearth.web_server is not None
    url = f"http://127.0.0.1:{hearth.web_server.port}/webhooks/standard"
    deliveries = [("msg_1", order("1001", "49.90", "ana@example.com")),
                  ("msg_2", order("1002", "12.00", "zed@example.com")),
                  ("msg_3", order("1002", "12.00", "zed@example.com", "order.refunded", status="refunded"))]
    async with aiohttp.ClientSession() as session:
        for number, (message_id, body) in enumerate(deliveries):
            headers = standard(body, message_id, int(START.timestamp()) + number)
            async with session.post(url, data=body, headers=headers) as response:
                assert response.status == 200, await response.text()
    purchases = next(cog for cog in hearth.cogs if cog.name == "purchases")
    await purchases.worker.run_once()  # type: ignore[attr-defined]


async def seed(folder: Path, database_url: str) -> None:
    """Fill the (migrated, empty) database at ``database_url`` through the app, then stop it."""
    clock = ManualClock(START)
    community = await start(folder, database_url, clock)
    hearth = community.hearth
    try:
        await community.say(ANA, "/start")
        await community.link(ANA, ANA_TELEGRAM)  # the telegram account's member row now points at ana's
        await Chat(hearth, community.discord, DISCORD_PLACE).command(ANA, "/thanks @ben for the tip", mentions=(BEN,))
        await Chat(hearth, community.telegram, TELEGRAM_PLACE).command(CAT, "/thanks @ana", mentions=(ANA_TELEGRAM,))
        for who, amount in ((BEN, 50), (CAT, 20), (ANA, 35)):
            await Chat(hearth, community.discord, DISCORD_PLACE).command(
                MOD, f"/mod points grant @{who.username} {amount} seed", mentions=(who,), role=Permission.MODERATOR)
        await community.say(MOD, "/mod poll create 1d single public Tea or coffee? | Tea | Coffee", moderator=True)
        await community.press(ANA, "poll:vote:1:1:0")
        await community.press(CAT, "poll:vote:1:2:1", platform="telegram")
        assert "#1" in text_of(await community.say(BEN, "/idea A bigger mug with a lid"))
        asked = text_of(await community.say(ANA, "/ask How do I descale the kettle?"))
        question = int(asked.split("#")[1].split(" ")[0])
        card = next(s.target for s in reversed(community.discord.sent) if s.kind == "thread")
        thread = Place("discord", "500", thread_id=f"t{card}", guild_id="g1")
        await hearth.bus.publish(MessagePosted(MessageRef(thread, "a1"), BEN, "Citric acid, twice", clock.now()))
        await Chat(hearth, community.discord, thread).command(ANA, "/accept @ben", mentions=(BEN,))
        await community.say(MOD, f"/mod faq add {question} Run two cycles with citric acid.", moderator=True)
        await community.say(CAT, "/share my latte https://youtu.be/dQw4w9WgXcQ", platform="telegram")
        await _webhooks(hearth)
        rituals = next(cog for cog in hearth.cogs if isinstance(cog, RitualsCog)).service
        clock.set(START + timedelta(hours=1))
        assert (await rituals.run_due()).posted
        prompt = next(s.target for s in community.discord.sent if s.reply and s.reply.title == "Weekly Wins")
        ritual_thread = Place("discord", "500", thread_id=f"t{prompt}", guild_id="g1")
        await hearth.bus.publish(MessagePosted(MessageRef(ritual_thread, "w1"), BEN,
                                               json.dumps({"win": "shipped the mug"}), clock.now()))
        clock.set(START + timedelta(days=1, hours=2))
        assert (await rituals.run_due()).closed
    finally:
        await hearth.stop()
