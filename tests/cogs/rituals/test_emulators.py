"""Rituals through the real adapters: discord.py and python-telegram-bot against the loopback emulators."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from cogs.rituals.cog import RitualsCog
from cogs.rituals.service import RitualService
from storage.models import RitualParticipant
from tests.bot.adapters.telegram.support import ALICE, BOB, FORUM, GROUP, FakeTime
from tests.cogs.rituals.conftest import COGS, use_async_points_writer
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.emulators.telegram import TelegramEmulator

DISCORD_TOKEN = base64.b64encode(p.BOT_ID.encode()).decode().rstrip("=") + ".GfAkE0.emulator-token-not-real"
MONDAY_TEN = datetime(2026, 1, 12, 10, tzinfo=UTC)


def ritual(*channels: str) -> str:
    keys = ", ".join(f'"{key}"' for key in channels)
    return (f'[[rituals.ritual]]\nkey = "wins"\nname = "Weekly Wins"\nenabled = true\nschedule = "mon 10:00"\n'
            f'channels = [{keys}]\nprompt = "Share a win from week {{week}}!"\n')


def service_of(hearth: Hearth) -> RitualService:
    return next(c for c in hearth.cogs if isinstance(c, RitualsCog)).service


async def participants(hearth: Hearth, count: int) -> int:
    """Wait (briefly, for the gateway round trip) until ``count`` participants are recorded."""
    for _ in range(500):
        async with hearth.database.session() as session:
            found = len(list(await session.scalars(select(RitualParticipant.member_id))))
        if found >= count:
            return found
        await asyncio.sleep(0.01)
    return found


@pytest.fixture
def monday_morning(clock: ManualClock) -> ManualClock:
    clock.set(datetime(2026, 1, 12, 9, tzinfo=UTC))
    return clock


@pytest.fixture
async def discord_hearth(make_config: Callable[..., HearthConfig], monday_morning: ManualClock
                         ) -> AsyncIterator[tuple[Hearth, DiscordEmulator]]:
    emulator = await DiscordEmulator().start()
    config = make_config(COGS + f"[discord]\nguild_ids = [{p.GUILD_ID}]\n" + ritual(f"discord:{p.CHANNEL_ID}"))
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", discord_token=DISCORD_TOKEN),
                    clock=monday_morning)
    adapter = DiscordAdapter(hearth.adapter_deps, environ=emulator.environ, reconnect=False,
                             guild_ready_timeout=0.01)
    await use_async_points_writer(hearth)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator
    await hearth.stop()
    await emulator.close()


async def test_discord_posts_the_ritual_opens_a_thread_and_counts_answers(
        discord_hearth: tuple[Hearth, DiscordEmulator], monday_morning: ManualClock) -> None:
    hearth, emulator = discord_hearth
    monday_morning.set(MONDAY_TEN)
    report = await service_of(hearth).run_due()
    assert len(report.posted) == 1
    post = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[0]
    embed = post.json["embeds"][0]
    assert embed["title"] == "Weekly Wins" and embed["description"] == "Share a win from week 3!"
    [sent] = await service_of(hearth).store.posts(report.posted)
    message_id, thread_key = sent.message_id, sent.thread_key
    thread_request = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages/{message_id}/threads")[0]
    assert thread_request.json["name"] == "Weekly Wins — week 3"
    assert thread_key is not None
    thread_id = thread_key.split("/")[1]
    opener = emulator.sent("POST", rf"/channels/{thread_id}/messages")[0].json
    assert "Answer Weekly Wins here" in opener["embeds"][0]["description"]
    # A member answers in the thread, over the gateway: one participant, however many answers.
    for text in ("Shipped the new espresso blend page", "and a second answer"):
        await emulator.dispatch("MESSAGE_CREATE", p.message_create(text, channel_id=thread_id))
    assert await participants(hearth, 1) == 1
    await hearth.points.flush()
    monday_morning.set(datetime(2026, 1, 13, 10, tzinfo=UTC))
    assert len((await service_of(hearth).run_due()).closed) == 1
    recap = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[-1].json
    assert recap["embeds"][0]["title"] == "Weekly Wins — recap, week 3"
    assert str(recap["message_reference"]["message_id"]) == message_id


@pytest.fixture
async def telegram_hearth(make_config: Callable[..., HearthConfig], monday_morning: ManualClock
                          ) -> AsyncIterator[tuple[Hearth, TelegramEmulator, TelegramAdapter]]:
    emulator = TelegramEmulator()
    await emulator.start()
    for chat in (GROUP, FORUM):
        emulator.add_chat(chat)
    for member in (ALICE, BOB):
        emulator.users[member["id"]] = member
    config = make_config(COGS + f'[telegram]\nbase_url = "{emulator.base_url}"\n'
                         + ritual(f"telegram:{FORUM['id']}", f"telegram:{GROUP['id']}"))
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", telegram_token=emulator.token),
                    clock=monday_morning)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await use_async_points_writer(hearth)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator, adapter
    await hearth.stop()
    await emulator.stop()


async def test_telegram_posts_a_forum_topic_or_a_reply_chain_and_counts_answers(
        telegram_hearth: tuple[Hearth, TelegramEmulator, TelegramAdapter], monday_morning: ManualClock) -> None:
    hearth, emulator, adapter = telegram_hearth
    monday_morning.set(MONDAY_TEN)
    assert len((await service_of(hearth).run_due()).posted) == 1
    sends = emulator.calls_to("sendMessage")
    posts: dict[int, dict[str, Any]] = {call.params["chat_id"]: call.result for call in sends
                                        if "Share a win from week 3!" in call.params["text"]}
    assert set(posts) == {FORUM["id"], GROUP["id"]}
    # The forum gets a topic with the first line in it; the plain group answers by replying to the post.
    topics = emulator.calls_to("createForumTopic")
    assert len(topics) == 1 and topics[0].params["chat_id"] == FORUM["id"]
    assert topics[0].params["name"] == "Weekly Wins — week 3"
    topic_id = topics[0].result["message_thread_id"]
    opener = [c.params for c in sends if "Answer Weekly Wins here" in c.params["text"]]
    assert {o["chat_id"] for o in opener} == {FORUM["id"], GROUP["id"]}
    assert next(o for o in opener if o["chat_id"] == FORUM["id"])["message_thread_id"] == topic_id
    done = adapter.updates_done
    emulator.inject(emulator.message_update(FORUM, ALICE, "Finished my first marathon!", message_thread_id=topic_id,
                                            is_topic_message=True))
    emulator.inject(emulator.message_update(GROUP, BOB, "Baked bread for the first time",
                                            reply_to_message=posts[GROUP["id"]]))
    for _ in range(500):  # the updates travel through a real long poll
        if adapter.updates_done >= done + 2:
            break
        await asyncio.sleep(0.01)
    assert await participants(hearth, 2) == 2
