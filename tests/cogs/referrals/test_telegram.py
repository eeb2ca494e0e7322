"""Referrals through the real python-telegram-bot adapter against the loopback Bot API emulator: /ref makes a
named invite link per member (createChatInviteLink), and a chat_member join through it credits the referrer."""

from __future__ import annotations

import asyncio
import copy
import ssl
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.platform import PlatformUser
from bot.secrets import Secrets
from storage.models import ReferralJoin
from tests.bot.adapters.telegram.support import ALICE, BOB, GROUP, FakeTime, fixture
from tests.emulators.telegram import TelegramEmulator
from tests.support.growth import COGS


@pytest.fixture
async def telegram(make_config: Callable[..., HearthConfig], clock: ManualClock
                   ) -> AsyncIterator[tuple[Hearth, TelegramEmulator, TelegramAdapter]]:
    emulator = TelegramEmulator()
    await emulator.start()
    emulator.add_chat(GROUP)
    for person in (ALICE, BOB):
        emulator.users[person["id"]] = person
    config = make_config(COGS + f'[telegram]\nbase_url = "{emulator.base_url}"\n'
                         f'[referrals]\ninvite_places = ["telegram:{GROUP["id"]}"]\n')
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", telegram_token=emulator.token), clock=clock)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator, adapter
    await hearth.stop()
    await emulator.stop()


def join_update(user: dict[str, object], link: dict[str, object]) -> dict[str, object]:
    update = fixture("reconstructed.chat_member.join.json")
    member = update["chat_member"]
    member["from"] = user
    member["old_chat_member"]["user"] = user
    member["new_chat_member"]["user"] = user
    member["invite_link"] = link
    return update


async def test_ref_makes_a_named_invite_and_a_join_through_it_credits_the_referrer(
        telegram: tuple[Hearth, TelegramEmulator, TelegramAdapter]) -> None:
    hearth, emulator, adapter = telegram
    emulator.inject(emulator.message_update(GROUP, ALICE, "/ref"))
    created = await emulator.wait_call("createChatInviteLink")
    assert created.params["chat_id"] == GROUP["id"] and "member_limit" not in created.params
    name = created.params["name"]
    assert name.startswith("ref ") and len(name) <= 32
    link = created.result["invite_link"]
    # /ref answers privately: the links go by DM, the group gets a pointer.
    dm = await emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == ALICE["id"])
    assert link in dm.params["text"] and name.removeprefix("ref ") in dm.params["text"]
    await emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == GROUP["id"]
                             and "private message" in c.params["text"])

    invite = {**copy.deepcopy(created.result), "creator": emulator.bot_user}
    emulator.inject(join_update(BOB, invite))
    emulator.inject(join_update(BOB, invite))  # Telegram may deliver an update twice
    await emulator.wait_for(lambda: adapter.updates_done >= 3)
    for _ in range(200):
        async with hearth.database.session() as session:
            joins = (await session.execute(select(ReferralJoin.referrer_member_id, ReferralJoin.place_key))).all()
        if joins:
            break
        await asyncio.sleep(0.01)
    alice = await hearth.members.find(PlatformUser("telegram", str(ALICE["id"]), "Alice"))
    assert joins == [(alice, f"telegram:{GROUP['id']}")]
    await hearth.points.flush()
    assert alice is not None and hearth.points.ranks.points(alice) == 5
    # A second /ref reuses the link: no second createChatInviteLink.
    emulator.inject(emulator.message_update(GROUP, ALICE, "/ref"))
    await emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == ALICE["id"], count=2)
    assert len(emulator.calls_to("createChatInviteLink")) == 1
