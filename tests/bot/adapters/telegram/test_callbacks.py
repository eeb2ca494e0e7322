"""Buttons: a Reply's choices become an inline keyboard; presses route through dispatch_action."""

from __future__ import annotations

from bot.app import Hearth
from bot.kit.commands import Permission
from bot.kit.context import Context
from bot.kit.events import ChoiceClicked
from bot.kit.platform import Place
from bot.kit.registry import Action
from bot.kit.reply import Choice, Reply
from tests.bot.adapters.telegram.support import ALICE, GROUP, Rig, RigFactory, fixture

LONG_REST = "campaign-" + "x" * 70  # longer than Telegram's 64-byte callback data


def add_actions(hearth: Hearth) -> None:
    async def ship(ctx: Context, rest: str) -> Reply:
        return Reply.success(f"Order #{rest} marked shipped by {ctx.actor.display_name}")

    async def cancel(_ctx: Context, rest: str) -> Reply:
        return Reply(text=f"cancelled {rest}")

    async def vote(_ctx: Context, rest: str) -> Reply:
        return Reply(text=f"counted {len(rest)} characters")

    hearth.registry.add_action(Action("ship", ship))
    hearth.registry.add_action(Action("cancel", cancel, permission=Permission.MODERATOR))
    hearth.registry.add_action(Action("vote", vote))


async def test_button_press_is_routed_answered_and_replied_to(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_actions)
    rig.inject(fixture("reconstructed.callback_query.json"))  # data "ship:1001"
    answered = await rig.emulator.wait_call("answerCallbackQuery")
    assert answered.params["callback_query_id"] == "4382bfdwdsb323b2d9"
    reply = await rig.emulator.wait_call("sendMessage")
    assert reply.params["chat_id"] == -1001234567890 and reply.params["reply_parameters"]["message_id"] == 1368
    assert "Order #1001 marked shipped by Test Firstname Test Lastname" in reply.params["text"]
    clicked = rig.of(ChoiceClicked)[0]
    assert clicked.action == "ship:1001" and clicked.message is not None and clicked.message.message_id == "1368"


async def test_moderator_button_pressed_by_a_member_is_an_alert(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_actions)
    update = fixture("reconstructed.callback_query.json")
    update["callback_query"]["data"] = "cancel:1001"
    rig.inject(update)
    answered = await rig.emulator.wait_call("answerCallbackQuery")
    assert answered.params["show_alert"] is True
    assert answered.params["text"] == "That button is for moderators only."
    assert rig.emulator.calls_to("sendMessage") == []


async def test_keyboard_round_trip_with_long_action(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_actions)
    place = Place("telegram", str(GROUP["id"]))
    ref = await rig.adapter.platform.send(place, Reply(text="Pick one", choices=(
        Choice("Vote", f"vote:{LONG_REST}"), Choice("Shop", "", url="https://shop.example.com"))))
    assert ref is not None
    markup = rig.emulator.calls_to("sendMessage")[0].params["reply_markup"]
    vote_button, shop_button = markup["inline_keyboard"][0]
    assert len(vote_button["callback_data"].encode()) <= 64 and shop_button["url"] == "https://shop.example.com"
    message = rig.emulator.calls_to("sendMessage")[0].result
    rig.inject({"callback_query": {"id": "77", "from": ALICE, "message": message, "chat_instance": "-45",
                                   "data": vote_button["callback_data"]}})
    reply = await rig.emulator.wait_call("sendMessage", count=2)
    assert reply.params["text"] == f"counted {len(LONG_REST)} characters"


async def test_stale_button_gets_an_alert(rig: Rig) -> None:
    update = fixture("reconstructed.callback_query.json")
    update["callback_query"]["data"] = "~" + "0" * 40  # an alias from before a restart
    rig.inject(update)
    answered = await rig.emulator.wait_call("answerCallbackQuery")
    assert answered.params["show_alert"] is True and "expired" in answered.params["text"]


async def test_unknown_action_answers_without_crashing(rig: Rig) -> None:
    rig.inject(fixture("reconstructed.callback_query.json"))  # no cog registered "ship" here
    answered = await rig.emulator.wait_call("answerCallbackQuery")
    assert "expired" in answered.params["text"]


async def test_docs_callback_without_chat_instance_is_counted_malformed(rig: Rig) -> None:
    # The 2015 example from Telegram's docs lacks the (now required) chat_instance.
    rig.inject(fixture("docs.webhooks.callback-query.json"))
    rig.command(GROUP, ALICE, "/help")
    await rig.emulator.wait_call("sendMessage")
    assert rig.ignored("malformed") == 1
    assert rig.emulator.calls_to("answerCallbackQuery") == []


async def test_button_on_a_message_too_old_to_read_still_routes_to_its_chat(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_actions)
    rig.inject({"callback_query": {"id": "88", "from": ALICE, "chat_instance": "-45", "data": "ship:7",
                                   "message": {"chat": GROUP, "message_id": 12, "date": 0}}})
    reply = await rig.emulator.wait_call("sendMessage")
    assert reply.params["chat_id"] == GROUP["id"] and reply.params["reply_parameters"]["message_id"] == 12
    assert rig.of(ChoiceClicked)[0].message is not None
