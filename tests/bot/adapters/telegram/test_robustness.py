"""Bad input never crashes the adapter: malformed and unknown updates are counted, lost chats go quiet."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable

import pytest

from bot.adapters.telegram import ALLOWED_UPDATES, TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.events import BotRemoved
from bot.kit.platform import Place
from bot.kit.reply import Reply
from bot.secrets import Secrets
from tests.bot.adapters.telegram.support import ALICE, GROUP, Rig, RigFactory, fixture
from tests.emulators.telegram import TelegramEmulator, private_chat

GROUP_PLACE = Place("telegram", str(GROUP["id"]))


async def test_bot_blocked_in_private_is_bot_removed(rig: Rig) -> None:
    rig.inject(fixture("teloxide.my_chat_member.bot-kicked.json"))  # placeholder ids: chat 0, bot 1
    removed = await rig.event(BotRemoved)
    assert removed.place == Place("telegram", "0", is_private=True)
    assert await rig.adapter.platform.send_direct("0", Reply(text="hello?")) is None


async def test_bot_kicked_from_a_group_stops_sending_there_and_logs_once(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    bot = rig.emulator.bot_user
    rig.inject({"my_chat_member": {"chat": GROUP, "from": ALICE, "date": 1700000000,
                                   "old_chat_member": {"status": "member", "user": bot},
                                   "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0}}})
    removed = await rig.event(BotRemoved)
    assert removed.place == GROUP_PLACE
    assert not rig.adapter.chats.is_active(GROUP["id"])
    for _ in range(3):
        assert await rig.adapter.platform.send(GROUP_PLACE, Reply(text="weekly ritual")) is None
    assert rig.emulator.calls_to("sendMessage") == []
    dropped = [r for r in caplog.records if "not sending" in r.getMessage()]
    assert len(dropped) == 1
    # Added back: the chat works again.
    rig.inject({"my_chat_member": {"chat": GROUP, "from": ALICE, "date": 1700000100,
                                   "old_chat_member": {"status": "left", "user": bot},
                                   "new_chat_member": {"status": "member", "user": bot}}})
    await rig.handled(2)
    assert await rig.adapter.platform.send(GROUP_PLACE, Reply(text="we're back")) is not None
    assert len(rig.of(BotRemoved)) == 1


async def test_a_refused_send_marks_the_chat_inactive_without_an_update(rig: Rig) -> None:
    rig.emulator.set_status(GROUP["id"], rig.emulator.bot_user, "kicked")
    assert await rig.adapter.platform.send(GROUP_PLACE, Reply(text="one")) is None
    assert await rig.adapter.platform.send(GROUP_PLACE, Reply(text="two")) is None
    assert len([c for c in rig.emulator.calls if c.method == "sendMessage"]) == 1


async def test_unknown_and_malformed_updates_are_counted_and_polling_goes_on(rig: Rig) -> None:
    rig.inject({"guest_message_v99": {"anything": [1, 2, 3]}})  # a type newer than PTB knows
    rig.inject({"message": "not an object"})
    rig.inject({"message": {"message_id": 1, "date": "yesterday", "chat": GROUP, "from": ALICE, "text": "x"}})
    rig.inject({"message": {"message_id": 2, "date": 1700000000, "text": "no chat at all"}})
    rig.inject(fixture("docs.webhooks.message-text-start.json"))  # 2015 shape: `from` without is_bot
    rig.command(GROUP, ALICE, "/help")  # the last in the batch: the offset must move past all of them
    call = await rig.emulator.wait_call("sendMessage")
    assert "what you can do" in call.params["text"]
    assert rig.ignored("unknown") == 1
    assert rig.ignored("malformed") == 4
    metrics = rig.hearth.metrics.registry
    assert metrics.get_sample_value("hearth_telegram_updates_total", {"type": "message"}) == 2


async def test_group_migrated_to_a_supergroup_keeps_receiving(rig: Rig) -> None:
    old_group = {"id": -4001, "title": "Old group", "type": "group"}
    rig.inject(rig.emulator.message_update(old_group, ALICE, None, migrate_to_chat_id=GROUP["id"]))
    await rig.handled(1)
    ref = await rig.adapter.platform.send(Place("telegram", "-4001"), Reply(text="still here"))
    assert ref is not None and ref.place.chat_id == str(GROUP["id"])
    # Without the service message: Telegram's refusal names the new chat, and the send is redone there.
    rig.emulator.fail("sendMessage", 400, "Bad Request: group chat was upgraded to a supergroup chat",
                      parameters={"migrate_to_chat_id": GROUP["id"]}, when=lambda p: p["chat_id"] == -4002)
    again = await rig.adapter.platform.send(Place("telegram", "-4002"), Reply(text="and here"))
    assert again is not None and again.place.chat_id == str(GROUP["id"])
    assert [c.params["chat_id"] for c in rig.emulator.calls_to("sendMessage")] == [GROUP["id"]] * 2


async def test_anonymous_admin_command_is_answered_with_a_hint(rig: Rig) -> None:
    anonymous = {"id": 1087968824, "is_bot": True, "first_name": "Group", "username": "GroupAnonymousBot"}
    rig.command(GROUP, anonymous, "/help@store_community_bot", sender_chat=GROUP)
    call = await rig.emulator.wait_call("sendMessage")
    assert "Remain anonymous" in call.params["text"]


@pytest.mark.allow_errors
async def test_a_failing_listener_does_not_stop_updates(rig: Rig) -> None:
    from bot.kit.events import MessagePosted

    async def broken(_event: MessagePosted) -> None:
        raise RuntimeError("feature bug")

    rig.hearth.bus.subscribe(MessagePosted, broken)
    rig.inject(rig.emulator.message_update(private_chat(ALICE), ALICE, "hello"))
    rig.command(private_chat(ALICE), ALICE, "/help")
    await rig.emulator.wait_call("sendMessage")
    # Updates are handled concurrently: the chat message may finish after the command's answer.
    await rig.emulator.wait_for(lambda: rig.hearth.bus.failures == 1)


async def test_webhook_mode_checks_the_secret_token(make_rig: RigFactory, caplog: pytest.LogCaptureFixture) -> None:
    rig = await make_rig('webhook_url = "https://community.example.com/tg/hook"\n[web]\nport = 0', web=True)
    emulator = rig.emulator
    assert emulator.webhook["url"] == "https://community.example.com/tg/hook"
    assert emulator.webhook["allowed_updates"] == ALLOWED_UPDATES
    secret = emulator.webhook["secret_token"]
    assert 1 <= len(secret) <= 256 and secret.isalnum()
    assert rig.hearth.web_server is not None
    local = f"http://127.0.0.1:{rig.hearth.web_server.port}/tg/hook"
    update = emulator.message_update(GROUP, ALICE, "/help")
    caplog.set_level(logging.WARNING)
    assert await emulator.deliver_webhook(update, url=local, secret="wrong") == 403
    assert await emulator.deliver_webhook(update, url=local, secret="") == 403
    assert emulator.calls_to("sendMessage") == []
    assert await emulator.deliver_webhook(b"{not json", url=local) == 400
    assert await emulator.deliver_webhook(update, url=local) == 200
    call = await emulator.wait_call("sendMessage")
    assert "what you can do" in call.params["text"]
    assert emulator.calls_to("getUpdates") == []  # webhook mode never polls
    assert rig.ignored("malformed") == 1


async def test_a_rejected_token_fails_the_start_without_printing_it(
        emulator: TelegramEmulator, make_config: Callable[..., HearthConfig], ssl_context: ssl.SSLContext) -> None:
    config = make_config(f'[telegram]\nbase_url = "{emulator.base_url}"\n')
    wrong = "7000000001:AAwrong-token-0000000000000000"
    hearth = Hearth(config, Secrets(instance=b"s" * 16, telegram_token=wrong))
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl_context)
    with pytest.raises(RuntimeError) as raised:
        await hearth.start(web=False, adapters=[adapter])
    await hearth.stop()
    assert "rejected HEARTH_TELEGRAM_TOKEN" in str(raised.value) and "AAwrong" not in str(raised.value)
