"""Commands typed in Telegram reach the kit: arguments, @bot addressing, mentions, replies, permissions, menus."""

from __future__ import annotations

from bot.app import Hearth
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.reply import Reply
from tests.bot.adapters.telegram.support import ADMIN, ALICE, BOB, FORUM, GROUP, Rig, RigFactory, fixture
from tests.emulators.telegram import TelegramEmulator, make_user, private_chat


def add_test_commands(hearth: Hearth) -> None:
    """/order and /report: the commands the captured payloads use (the shipped cogs have neither)."""

    async def order(ctx: Context) -> Reply:
        return Reply(title=f"Order #{ctx.args['number']}", text=f"asked by {ctx.actor.display_name}")

    async def report(ctx: Context) -> Reply:
        target = ctx.args["member"]
        return Reply(text=f"Reported {target.display_name} ({target.user_id}) in {ctx.place.key}")

    hearth.registry.add(Command("order", "Look up an order", order,
                                params=(Param("number", ParamKind.INT, "Order number"),)))
    hearth.registry.add(Command("report", "Report a message to the moderators", report,
                                params=(Param("member", ParamKind.MEMBER, "Who to report"),)))


def sent_texts(emulator: TelegramEmulator) -> list[str]:
    return [call.params["text"] for call in emulator.calls_to("sendMessage")]


async def test_command_with_args_addressed_to_the_bot_in_a_supergroup(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_test_commands)
    update = fixture("reconstructed.message.bot-command-with-args.json")  # "/order@store_community_bot 1001"
    rig.inject(update)
    call = await rig.emulator.wait_call("sendMessage")
    assert call.params["chat_id"] == -1001234567890
    assert call.params["reply_parameters"]["message_id"] == 1366
    assert call.params["parse_mode"] == "HTML"
    assert call.params["text"] == "<b>Order #1001</b>\nasked by Test Firstname Test Lastname"


async def test_report_replying_to_a_story_takes_the_replied_to_user(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_test_commands)
    rig.inject(fixture("teloxide.message.bot-command-report.supergroup.json"))
    call = await rig.emulator.wait_call("sendMessage")
    # A reply thread in a non-forum supergroup is not a topic: the place is the chat itself.
    assert call.params["text"] == "Reported Wert (6962620676) in telegram:-1001293752024"
    assert call.params["reply_parameters"]["message_id"] == 134546
    assert "message_thread_id" not in call.params


async def test_bad_argument_gets_one_usage_line(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_test_commands)
    rig.command(GROUP, ALICE, "/order@store_community_bot soon")
    call = await rig.emulator.wait_call("sendMessage")
    assert call.params["text"] == "⚠️ Number must be a whole number, not 'soon'. Usage: /order &lt;number&gt;"


async def test_commands_for_other_bots_and_unknown_bare_commands_are_left_alone(make_rig: RigFactory) -> None:
    rig = await make_rig(before_start=add_test_commands)
    rig.command(GROUP, ALICE, "/order@other_shop_bot 1001")
    rig.command(GROUP, ALICE, "/weather berlin")  # some other bot's command, typed without @
    rig.command(GROUP, ALICE, "/order 7")
    await rig.handled(3)
    assert sent_texts(rig.emulator) == ["<b>Order #7</b>\nasked by Test Firstname"]
    rig.command(private_chat(ALICE), ALICE, "/weather")  # in a DM it can only be meant for us
    call = await rig.emulator.wait_call("sendMessage", count=2)
    assert "Unknown command /weather" in call.params["text"]


async def test_moderator_command_from_a_non_admin_is_refused(make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.inject(rig.emulator.message_update(GROUP, BOB, "hi all"))  # Hearth has now seen @bob_b
    rig.command(GROUP, ALICE, "/mod member @bob_b", entities=[{"type": "mention", "offset": 12, "length": 6}])
    call = await rig.emulator.wait_call("sendMessage")
    assert "/mod member is for moderators only." in call.params["text"]
    lookups = rig.emulator.calls_to("getChatMember")
    assert [(c.params["chat_id"], c.params["user_id"]) for c in lookups] == [(GROUP["id"], ALICE["id"])]


async def test_chat_admin_runs_a_moderator_command_by_mention_and_gets_the_answer_privately(
        make_rig: RigFactory) -> None:
    rig = await make_rig()
    rig.emulator.set_status(GROUP["id"], ADMIN, "administrator")
    rig.inject(rig.emulator.message_update(GROUP, BOB, "hi all"))
    await rig.handled(1)
    await rig.hearth.members.resolve(rig.adapter.users.by_username("bob_b"))  # type: ignore[arg-type]
    rig.command(GROUP, ADMIN, "/mod member @bob_b", entities=[{"type": "mention", "offset": 12, "length": 6}])
    dm = await rig.emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == ADMIN["id"])
    assert "Bob — member record" in dm.params["text"] and "id 2222222" in dm.params["text"]
    note = await rig.emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == GROUP["id"])
    assert "private message" in note.params["text"]


async def test_text_mention_of_a_user_without_username_becomes_their_id(make_rig: RigFactory) -> None:
    rig = await make_rig()
    carol = make_user(4444444, "Carol", None)
    rig.emulator.set_status(GROUP["id"], ADMIN, "creator")
    text = "/mod member Carol 🌟"
    rig.command(GROUP, ADMIN, text, entities=[{"type": "text_mention", "offset": 12, "length": 5, "user": carol}])
    call = await rig.emulator.wait_call("sendMessage")
    # The span "Carol" became <@4444444>, resolved to the entity's user; "🌟" is then one word too many.
    assert "I didn't expect '🌟'." in call.params["text"]
    rig.command(GROUP, ADMIN, "/mod member Carol",
                entities=[{"type": "text_mention", "offset": 12, "length": 5, "user": carol}])
    answer = await rig.emulator.wait_call("sendMessage", count=2)
    assert "Hearth has no record of Carol yet." in answer.params["text"]


async def test_reply_to_a_member_works_as_the_member_argument(make_rig: RigFactory) -> None:
    rig = await make_rig()
    original = rig.emulator.message_update(GROUP, BOB, "my first post")["message"]
    rig.inject({"message": original})
    rig.command(GROUP, ALICE, "/profile", reply_to_message=original)
    call = await rig.emulator.wait_call("sendMessage")
    assert call.params["text"].startswith("<b>Bob</b>")


async def test_configured_moderator_is_a_moderator_in_a_dm(make_rig: RigFactory) -> None:
    rig = await make_rig(f"moderator_user_ids = [{BOB['id']}]")
    rig.command(private_chat(BOB), BOB, "/mod member @Testusername")
    call = await rig.emulator.wait_call("sendMessage")
    assert "is for moderators only" not in call.params["text"]
    assert rig.emulator.calls_to("getChatMember") == []


async def test_command_in_a_forum_topic_is_answered_in_that_topic(rig: Rig) -> None:
    rig.command(FORUM, ALICE, "/help", message_thread_id=77, is_topic_message=True,
                reply_to_message={"message_id": 77, "date": 1, "chat": FORUM, "from": ALICE,
                                  "forum_topic_created": {"name": "Support", "icon_color": 7322096}})
    call = await rig.emulator.wait_call("sendMessage")
    assert call.params["message_thread_id"] == 77
    assert "what you can do" in call.params["text"]


async def test_command_menus_are_published_per_scope(rig: Rig) -> None:
    members = {c["command"]: c["description"] for c in rig.emulator.commands["default"]}
    admins = {c["command"]: c["description"] for c in rig.emulator.commands["all_chat_administrators"]}
    registry = rig.hearth.registry
    assert set(members) == {c.words[0] for c in registry.all() if c.permission is Permission.MEMBER}
    assert set(admins) == {c.words[0] for c in registry.all()}
    assert {"help", "link", "profile", "start"} <= set(members) and "mod" not in members
    assert admins["mod"].startswith("Mod: ") and "member" in admins["mod"]
    assert members["profile"] == "Show your profile, or another member's"
    assert all(len(d) <= 256 for d in [*members.values(), *admins.values()])


async def test_mention_of_someone_never_seen_is_passed_on_by_username(rig: Rig) -> None:
    rig.command(GROUP, ALICE, "/profile @stranger_x", entities=[{"type": "mention", "offset": 9, "length": 11}])
    call = await rig.emulator.wait_call("sendMessage")
    assert "@stranger_x hasn't taken part here yet" in call.params["text"]
