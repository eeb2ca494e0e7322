"""Polls through the real Discord adapter (discord.py) against the loopback Discord: native poll and buttons."""

from __future__ import annotations

import asyncio

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from cogs.polls.service import PollService
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator

TEXT, EPHEMERAL = 3, 64


def polls(app: Hearth) -> PollService:
    return next(cog for cog in app.cogs if cog.name == "polls").service  # type: ignore[attr-defined]


def create(closes: str, votes: str, text: str) -> dict:
    options = (p.option("closes", TEXT, closes), p.option("choice", TEXT, "single"), p.option("votes", TEXT, votes),
               p.option("text", TEXT, text))
    return p.slash("mod", p.subcommand("poll", p.subcommand("create", *options), group=True))


async def tally_becomes(app: Hearth, poll_id: int, expected: tuple[tuple[int, ...], int]) -> None:
    for _ in range(500):
        poll = await polls(app).store.get(poll_id)
        if poll is not None and (poll.counts, poll.voters) == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the tally never became {expected}: {poll}")


async def test_a_native_discord_poll_counts_votes_by_member(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                            app: Hearth) -> None:
    callback = await emulator.interact(create("2d", "public", "Next drop? | Red | Blue"))
    assert int(callback.json["data"]["flags"]) & EPHEMERAL  # the moderator's confirmation is private
    sent = await emulator.wait_for("POST", rf"/channels/{p.COMMANDS_CHANNEL_ID}/messages")
    poll = sent.json["poll"]
    assert poll["question"]["text"] == "Next drop?" and poll["duration"] == 48
    assert [a["poll_media"]["text"] for a in poll["answers"]] == ["Red", "Blue"]
    [post] = await polls(app).store.posts(1)
    assert post.native and post.message_id
    vote = {"user_id": p.NELLY_ID, "channel_id": p.COMMANDS_CHANNEL_ID, "message_id": post.message_id,
            "guild_id": p.GUILD_ID}
    await emulator.dispatch("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 1})
    await tally_becomes(app, 1, ((1, 0), 1))
    await emulator.dispatch("MESSAGE_POLL_VOTE_REMOVE", {**vote, "answer_id": 1})  # Discord: change = remove + add
    await emulator.dispatch("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 2})
    await tally_becomes(app, 1, ((0, 1), 1))


async def test_an_anonymous_poll_has_buttons_that_vote_privately(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                                 app: Hearth) -> None:
    await emulator.interact(create("1d", "anonymous", "Tea or coffee? | Tea | Coffee"))
    sent = await emulator.wait_for("POST", rf"/channels/{p.COMMANDS_CHANNEL_ID}/messages")
    assert "poll" not in sent.json
    buttons = [b for row in sent.json["components"] for b in row["components"]]
    assert [b["label"] for b in buttons] == ["Tea", "Coffee", "📈 Results"]
    message = {"id": p.snowflake(), "channel_id": p.COMMANDS_CHANNEL_ID, "content": "", "type": 0,
               "author": p.BOT_USER, "embeds": sent.json["embeds"], "attachments": [],
               "timestamp": "2026-01-05T09:00:00+00:00", "edited_timestamp": None, "tts": False,
               "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False, "flags": 0,
               "components": sent.json["components"]}
    nelly = p.member(p.NELLY, permissions=p.MEMBER_PERMISSIONS)
    pressed = await emulator.interact(p.button(buttons[1]["custom_id"], message, member_data=nelly))
    assert int(pressed.json["data"]["flags"]) & EPHEMERAL
    assert pressed.json["data"]["embeds"][0]["description"] == "Your vote on poll #1: Coffee."
    again = await emulator.interact(p.button(buttons[1]["custom_id"], message, member_data=nelly))
    assert "one vote per member" in again.json["data"]["embeds"][0]["description"]
    await tally_becomes(app, 1, ((0, 1), 1))
