"""Platform actions as REST calls: what the emulator received, and how refusals and 429s are handled."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.kit.platform import Place, Role
from bot.kit.reply import Choice, Field, FileUpload, Poll, Reply
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator

GENERAL = Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID)
TIER = Role("discord", p.TIER_ROLE_ID, "Power User")
ROLE_PATH = rf"/guilds/{p.GUILD_ID}/members/{p.NELLY_ID}/roles/{p.TIER_ROLE_ID}"


async def test_send_reply_edit_delete(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    platform = adapter.platform
    reply = Reply(title="Weekly *ritual*", text="Show your setup", fields=(Field("Prize", "50 points", True),),
                  choices=(Choice("Join", "ritual:join:1", style="primary"),), footer="ends Sunday", tone="success")
    sent = await platform.send(GENERAL, reply)
    assert sent is not None and sent.place == GENERAL
    posted = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[0].json
    embed = posted["embeds"][0]
    assert embed["title"] == "Weekly \\*ritual*" and embed["description"] == "Show your setup"
    assert embed["fields"] == [{"name": "Prize", "value": "50 points", "inline": True}]
    assert embed["footer"]["text"] == "ends Sunday" and embed["color"] == 0x57F287
    assert posted["components"][0]["components"][0]["custom_id"] == "ritual:join:1"
    assert posted["allowed_mentions"] == {"parse": []}

    answer = await platform.reply(sent, Reply(text="Welcome!"))
    assert answer is not None
    referenced = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[1].json["message_reference"]
    assert str(referenced["message_id"]) == sent.message_id and referenced["fail_if_not_exists"] is False

    await platform.edit(sent, Reply(text="Closed"))
    edited = emulator.sent("PATCH", rf"/channels/{p.CHANNEL_ID}/messages/{sent.message_id}")[0].json
    assert edited["embeds"][0]["description"] == "Closed" and edited["components"] == []
    await platform.delete(sent)
    assert emulator.sent("DELETE", rf"/channels/{p.CHANNEL_ID}/messages/{sent.message_id}")


async def test_files_go_as_multipart(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    export = FileUpload("members.csv", b"id,name\n1,Nelly\n", "text/csv")
    assert await adapter.platform.send(GENERAL, Reply(text="Your export", files=(export,))) is not None
    request = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[0]
    assert request.files == [("members.csv", b"id,name\n1,Nelly\n")]
    assert request.json["attachments"][0]["filename"] == "members.csv"


async def test_thread_for_a_post(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    sent = await adapter.platform.send(GENERAL, Reply(text="My haul"))
    assert sent is not None
    thread = await adapter.platform.create_thread(sent, "Comments on the haul")
    request = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages/{sent.message_id}/threads")[0]
    assert request.json["name"] == "Comments on the haul"
    assert thread == Place("discord", p.CHANNEL_ID, thread_id=sent.message_id, guild_id=p.GUILD_ID)
    assert await adapter.platform.send(thread, Reply(text="first!")) is not None
    assert emulator.sent("POST", rf"/channels/{sent.message_id}/messages")


async def test_native_poll(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    long_option = "A colourway with a name far longer than Discord allows for a poll answer"
    sent = await adapter.platform.send_poll(GENERAL, Poll("Next drop?", ("Red", "Blue", long_option),
                                                          multiple=True, duration_hours=48))
    assert sent is not None
    poll = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")[0].json["poll"]
    assert poll["question"]["text"] == "Next drop?" and poll["duration"] == 48 and poll["allow_multiselect"]
    answers = [a["poll_media"]["text"] for a in poll["answers"]]
    assert answers[:2] == ["Red", "Blue"] and len(answers[2]) == 55 and answers[2].endswith("…")
    assert await adapter.platform.send_poll(GENERAL, Poll("Too many", tuple(str(n) for n in range(11)))) is None


async def test_direct_message_and_closed_dms(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    sent = await adapter.platform.send_direct(p.NELLY_ID, Reply(text="Your code"))
    assert sent is not None and sent.place.is_private
    assert str(emulator.sent("POST", "/users/@me/channels")[0].json["recipient_id"]) == p.NELLY_ID
    emulator.closed_dms.add(p.AUTHOR_ID)
    assert await adapter.platform.send_direct(p.AUTHOR_ID, Reply(text="hello?")) is None


async def test_role_grant_and_revoke_hit_the_member_role_endpoint(adapter: DiscordAdapter,
                                                                  emulator: DiscordEmulator) -> None:
    granted = await adapter.platform.grant_role(p.NELLY_ID, TIER, "reached Power User")
    assert granted.applied and granted.error is None
    put = emulator.sent("PUT", ROLE_PATH)[0]
    assert put.headers["X-Audit-Log-Reason"] == "reached Power User"
    assert p.TIER_ROLE_ID in next(m for m in emulator.guild["members"] if m["user"]["id"] == p.NELLY_ID)["roles"]
    assert (await adapter.platform.revoke_role(p.NELLY_ID, TIER, "season reset")).applied
    assert emulator.sent("DELETE", ROLE_PATH)
    unknown = await adapter.platform.grant_role(p.NELLY_ID, Role("discord", "123"), "x")
    assert not unknown.applied and "role no longer exists" in (unknown.error or "")


async def test_rate_limit_429_retry_after_is_honoured(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    emulator.rate_limit("PUT", ROLE_PATH, retry_after=0.05)
    granted = await adapter.platform.grant_role(p.NELLY_ID, TIER, "tier")
    assert granted.applied
    assert [r.status for r in emulator.sent("PUT", ROLE_PATH)] == [429, 204]
    assert "responded with 429. Retrying in 0.05 seconds" in caplog.text


async def test_403_on_role_grant_tells_the_moderator_which_permission(adapter: DiscordAdapter,
                                                                      emulator: DiscordEmulator) -> None:
    emulator.forbid("PUT", ROLE_PATH)
    change = await adapter.platform.grant_role(p.NELLY_ID, TIER, "tier")
    assert not change.applied and "missing the Manage Roles permission" in (change.error or "")
    # Through a moderator command: the cog's reply says so, and Hearth adds a private notice.
    emulator.forbid("PUT", ROLE_PATH)
    callback = await emulator.interact(p.slash(
        "mod", p.subcommand("role", p.subcommand("give", p.option("member", 6, p.NELLY_ID),
                                                 p.option("role", 3, p.TIER_ROLE_ID)), group=True),
        resolved=p.resolved_user(p.NELLY)))
    assert "Manage Roles" in callback.json["data"]["embeds"][0]["description"]
    notice = await emulator.wait_for("POST", r"/webhooks/\d+/[^/]+")
    assert notice.json["flags"] & 64 and "Manage Roles" in notice.json["embeds"][0]["description"]


async def test_403_on_send_names_the_missing_permission(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    emulator.forbid("POST", rf"/channels/{p.CHANNEL_ID}/messages")
    assert await adapter.platform.send(GENERAL, Reply(text="hi")) is None
    assert "missing the View Channel, Send Messages and Embed Links permission" in caplog.text


async def test_fetch_member(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    next(m for m in emulator.guild["members"] if m["user"]["id"] == p.NELLY_ID)["nick"] = "Nell"
    found = await adapter.platform.fetch_user(p.NELLY_ID)
    assert found is not None and (found.user_id, found.display_name, found.username) == (p.NELLY_ID, "Nell", "Nelly")
    assert await adapter.platform.fetch_user("42") is None


async def test_bulk_role_sync_stays_inside_discords_limits(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    """Hundreds of grants at once: queued, paced by Discord's headers, no 429s, progress reported."""
    people = [p.member(p.user(str(900000000000000000 + n), f"fan{n}")) for n in range(300)]
    emulator.guild["members"].extend(people)
    emulator.limit("PUT", r"/guilds/\d+/members/\d+/roles/\d+", limit=50, window=0.05)
    queue = adapter.platform.roles
    queue._report_every = 100  # a log line per 100 changes in this smaller batch
    queue._interval = 0.0  # no ceiling: Discord's own bucket headers alone must prevent 429s
    caplog.set_level(logging.INFO, "hearth.discord")
    changes = await asyncio.gather(*(adapter.platform.grant_role(m["user"]["id"], TIER, "tier sync") for m in people))
    assert all(c.applied for c in changes)
    assert len(emulator.sent("PUT", r"/guilds/\d+/members/\d+/roles/\d+")) == 300
    assert emulator.rate_limited == 0
    assert "role changes: 100/300 done" in caplog.text and "300/300 done, 0 failed" in caplog.text


async def test_a_refused_embed_is_posted_as_plain_text(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    emulator.fail("POST", rf"/channels/{p.CHANNEL_ID}/messages", 400, {"message": "Invalid Form Body", "code": 50035})
    sent = await adapter.platform.send(GENERAL, Reply(title="Drop", text="Tomorrow", image_url="not a url"))
    assert sent is not None
    first, second = emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")
    assert first.status == 400 and second.json["content"] == "Drop\nTomorrow" and "embeds" not in second.json


async def test_a_429_discord_py_gives_up_on_is_retried_after_retry_after(adapter: DiscordAdapter,
                                                                         emulator: DiscordEmulator) -> None:
    """Without the ``Via`` header (a proxy strips it) discord.py raises at once; Hearth waits and retries."""
    emulator.rate_limit("POST", rf"/channels/{p.CHANNEL_ID}/messages", retry_after=0.02, via=False)
    assert await adapter.platform.send(GENERAL, Reply(text="hello")) is not None
    assert [r.status for r in emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")][:2] == [429, 200]
    emulator.rate_limit("PUT", ROLE_PATH, retry_after=0.02, via=False, times=2)
    assert (await adapter.platform.grant_role(p.NELLY_ID, TIER, "tier")).applied
    assert [r.status for r in emulator.sent("PUT", ROLE_PATH)] == [429, 429, 204]
    assert adapter.platform.roles.progress.rate_limited == 2
