"""Slash commands, autocomplete and buttons: a real discord.py client against the loopback Discord."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from bot.kit.events import ChoiceClicked, CommandRefused
from bot.kit.platform import PlatformUser
from tests.bot.adapters.discord.conftest import CommandsForTests, Recorder
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator, Recorded

USER, TEXT, CHANNEL, INT = 6, 3, 7, 4
EPHEMERAL = 64


def embed(callback: Recorded) -> dict:
    return callback.json["data"]["embeds"][0]


def flags(callback: Recorded) -> int:
    return int((callback.json.get("data") or {}).get("flags") or 0)


def nelly(*, roles: tuple[str, ...] = (), permissions: str = p.MEMBER_PERMISSIONS) -> dict:
    return p.member(p.NELLY, roles=roles, permissions=permissions)


async def test_profile_with_a_user_option_and_resolved_data(adapter: DiscordAdapter,
                                                            emulator: DiscordEmulator) -> None:
    first = await emulator.interact(p.slash("profile", member_data=nelly()))
    assert first.json["type"] == 4 and embed(first)["title"] == "Nelly"
    callback = await emulator.interact(p.slash("profile", p.option("member", USER, p.NELLY_ID),
                                               resolved=p.resolved_user(p.NELLY, nick="Nell")))
    shown = embed(callback)
    assert shown["title"] == "Nelly" and not flags(callback) & EPHEMERAL
    assert any(f["value"].startswith("Discord:") for f in shown["fields"])
    # Discord also echoed the public answer on the gateway; the adapter ignores its own messages.
    assert emulator.sent("POST", r"/interactions/\d+/[^/]+/callback")[-1].status == 200


async def test_moderator_inspects_a_member_privately(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    await emulator.interact(p.slash("profile", member_data=nelly()))
    # The fixture's member (Mason) has permissions 2147483647: an administrator.
    callback = await emulator.interact(p.slash("mod", p.subcommand("member", p.option("member", USER, p.NELLY_ID)),
                                               resolved=p.resolved_user(p.NELLY)))
    assert flags(callback) & EPHEMERAL
    assert embed(callback)["title"] == "Nelly — member record"
    assert "id " + p.NELLY_ID in embed(callback)["fields"][2]["value"]


async def test_moderator_command_from_a_member_is_refused(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                          recorder: Recorder) -> None:
    hidden = p.slash("mod", p.subcommand("member", p.option("member", USER, p.MASON_ID)),
                     resolved=p.resolved_user(p.MASON), member_data=nelly())
    callback = await emulator.interact(hidden)
    assert flags(callback) & EPHEMERAL
    assert "is for moderators only" in embed(callback)["description"]
    refused = await recorder.wait(CommandRefused)
    assert refused[0].command == "mod member" and refused[0].user.user_id == p.NELLY_ID


@pytest.mark.parametrize("who", ["moderator role", "manage server"])
async def test_moderator_role_or_manage_server_is_enough(who: str, adapter: DiscordAdapter,
                                                         emulator: DiscordEmulator) -> None:
    await emulator.interact(p.slash("profile"))
    member = (nelly(roles=(p.MODERATOR_ROLE_ID,)) if who == "moderator role"
              else nelly(permissions=p.MODERATOR_PERMISSIONS))
    callback = await emulator.interact(p.slash("mod", p.subcommand("member", p.option("member", USER, p.MASON_ID)),
                                               resolved=p.resolved_user(p.MASON), member_data=member))
    assert embed(callback)["title"] == "Mason — member record"


async def test_link_with_a_text_option_links_two_accounts(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                          app: Hearth) -> None:
    issued = await emulator.interact(p.slash("link", member_data=nelly()))
    assert flags(issued) & EPHEMERAL and embed(issued)["title"] == "Your link code"
    code = embed(issued)["description"].split("\n")[0]
    linked = await emulator.interact(p.slash("link", p.option("code", TEXT, code)))
    assert "Linked!" in embed(linked)["description"] and flags(linked) & EPHEMERAL
    mason = await app.members.find(PlatformUser("discord", p.MASON_ID, "Mason"))
    assert mason is not None and mason == await app.members.find(PlatformUser("discord", p.NELLY_ID, "Nelly"))


async def test_a_command_in_a_dm_runs_as_a_plain_member(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    callback = await emulator.interact(p.slash("help", dm_user=p.NELLY))
    assert "Moderators" not in str(embed(callback))


async def test_bad_option_value_gets_one_usage_line(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    callback = await emulator.interact(p.slash("pick", p.option("size", TEXT, "huge")))
    text = embed(callback)["description"]
    assert text.startswith("Size must be one of:") and "Usage: /pick" in text and flags(callback) & EPHEMERAL


async def test_autocomplete_suggests_matching_choices(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    focused = {"name": "size", "type": TEXT, "value": "size2", "focused": True}
    data = {"id": p.snowflake(), "name": "pick", "type": 1, "options": [focused], "guild_id": p.GUILD_ID}
    callback = await emulator.interact(p.interaction(4, data))
    assert callback.json["type"] == 8
    assert [c["value"] for c in callback.json["data"]["choices"]] == ["size2"] + [f"size2{n}" for n in range(10)]


async def test_buttons_render_and_route_through_the_dispatcher(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                               test_commands: CommandsForTests,
                                                               recorder: Recorder) -> None:
    shown = await emulator.interact(p.slash("vote"))
    buttons = shown.json["data"]["components"][0]["components"]
    assert [(b["style"], b.get("custom_id"), b.get("url")) for b in buttons] == [
        (3, "vote:yes", None), (4, "vote:no", None), (5, None, "https://example.com/docs")]
    message = {"id": shown.json["data"].get("id") or p.snowflake(), "channel_id": p.COMMANDS_CHANNEL_ID,
               "content": "", "type": 20, "author": p.BOT_USER, "embeds": [], "attachments": [],
               "timestamp": "2026-01-05T09:00:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False, "flags": 0,
               "components": shown.json["data"]["components"]}
    pressed = await emulator.interact(p.button("vote:yes", message, member_data=nelly()))
    assert test_commands.presses == ["yes"]
    [clicked] = recorder.of(ChoiceClicked)
    assert (clicked.action, clicked.user.user_id) == ("vote:yes", p.NELLY_ID)
    assert clicked.message is not None and clicked.message.message_id == message["id"]
    assert "You voted yes" in embed(pressed)["description"] and flags(pressed) & EPHEMERAL
    stale = await emulator.interact(p.button("gone:1", message))
    assert "expired" in embed(stale)["description"]


@pytest.mark.parametrize("private", ["yes", "no"])
async def test_a_slow_command_is_deferred_then_answered(private: str, app: Hearth, emulator: DiscordEmulator,
                                                        make_adapter: Callable[..., DiscordAdapter],
                                                        test_commands: CommandsForTests) -> None:
    await app.start(web=False, adapters=[make_adapter(defer_after=0.0)])
    deferred = await emulator.interact(p.slash("slow", p.option("private", TEXT, private)))
    assert deferred.json["type"] == 5 and not flags(deferred) & EPHEMERAL
    test_commands.release.set()
    if private == "no":
        edited = await emulator.wait_for("PATCH", r"/webhooks/\d+/[^/]+/messages/@original")
        assert edited.json["embeds"][0]["description"] == "Finally."
    else:
        await emulator.wait_for("DELETE", r"/webhooks/\d+/[^/]+/messages/@original")
        followup = await emulator.wait_for("POST", r"/webhooks/\d+/[^/]+")
        assert followup.json["flags"] & EPHEMERAL and followup.json["embeds"][0]["description"] == "Finally."


async def test_a_command_discord_still_lists_but_hearth_dropped(adapter: DiscordAdapter,
                                                               emulator: DiscordEmulator) -> None:
    callback = await emulator.interact(p.slash("oldfeature"))
    assert "Unknown command /oldfeature" in embed(callback)["description"] and flags(callback) & EPHEMERAL


async def test_stale_interaction_is_logged_and_the_bot_carries_on(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    expired = p.slash("help")
    emulator.fail("POST", rf"/interactions/{expired['id']}/[^/]+/callback", 404,
                  {"message": "Unknown interaction", "code": 10062})
    await emulator.interact(expired)
    answered_twice = p.slash("help")
    emulator.fail("POST", rf"/interactions/{answered_twice['id']}/[^/]+/callback", 400,
                  {"message": "Interaction has already been acknowledged.", "code": 40060})
    await emulator.interact(answered_twice)
    callback = await emulator.interact(p.slash("help"))
    assert callback.status == 200 and embed(callback)["title"]
    assert "unknown or expired" in caplog.text and "already been acknowledged" in caplog.text


@pytest.mark.allow_errors
async def test_an_unreadable_interaction_is_skipped_without_dropping_the_connection(
        adapter: DiscordAdapter, emulator: DiscordEmulator, caplog: pytest.LogCaptureFixture) -> None:
    broken = p.slash("help")
    del broken["token"]
    await emulator.gateway.dispatch("INTERACTION_CREATE", broken)
    callback = await emulator.interact(p.slash("help"))
    assert callback.status == 200
    assert "skipped a INTERACTION_CREATE event" in caplog.text
    assert len(emulator.gateway.identifies) == 1


async def test_channel_and_attachment_options(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    upload = {"id": p.snowflake(), "filename": "haul.png", "size": 5120, "url": "https://cdn.invalid/haul.png",
              "proxy_url": "https://cdn.invalid/haul.png", "content_type": "image/png", "ephemeral": True}
    general = {k: v for k, v in p.channel(p.CHANNEL_ID, "general").items() if k in ("id", "name", "type")}
    resolved = {"channels": {p.CHANNEL_ID: {**general, "permissions": p.MEMBER_PERMISSIONS}},
                "attachments": {upload["id"]: upload}}
    callback = await emulator.interact(p.slash("post", p.option("channel", CHANNEL, p.CHANNEL_ID),
                                               p.option("file", 11, upload["id"]), resolved=resolved))
    [posted] = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")
    assert posted.json["embeds"][0]["title"] == "New post"
    [message_id] = list(emulator.routes.messages)
    assert emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages/{message_id}/threads")
    assert embed(callback)["description"] == (f"Posted {message_id} in {p.CHANNEL_ID}, thread {message_id}, "
                                              "file haul.png (image/png, 5120 bytes)")


async def test_a_refused_embed_falls_back_to_plain_text(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    command = p.slash("help")
    problem = {"_errors": [{"code": "URL_TYPE_INVALID_URL", "message": "Not a well formed URL."}]}
    invalid = {"message": "Invalid Form Body", "code": 50035,
               "errors": {"data": {"embeds": {"0": {"image": {"url": problem}}}}}}
    emulator.fail("POST", rf"/interactions/{command['id']}/[^/]+/callback", 400, invalid)
    await emulator.dispatch("INTERACTION_CREATE", command)
    answer = await emulator.wait_for("POST", rf"/interactions/{command['id']}/[^/]+/callback", count=2)
    assert answer.status == 200 and "embeds" not in answer.json["data"]
    assert answer.json["data"]["content"].startswith("Our Community — what you can do")
    assert "sending it as plain text" in caplog.text
