"""Gateway events become kit events on the bus: messages, reactions, members, threads, poll votes."""

from __future__ import annotations

from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.adapter import intents
from bot.kit.events import (
    BotRemoved,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
)
from bot.kit.platform import Place
from bot.kit.reply import Poll, Reply
from tests.bot.adapters.discord.conftest import Recorder
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator


async def test_the_fixture_message_earns_a_kit_event(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                     recorder: Recorder) -> None:
    data = p.dispatch_data("MESSAGE_CREATE")  # exactly as recorded
    await emulator.dispatch("MESSAGE_CREATE", data)
    [posted] = await recorder.wait(MessagePosted)
    assert posted.message.message_id == data["id"] and posted.text == "!order 1001"
    assert posted.message.place == Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID)
    assert (posted.author.user_id, posted.author.display_name, posted.author.is_bot) == (p.AUTHOR_ID, "Mason", False)
    assert posted.reply_to is None and posted.attachments == () and posted.mentions == ()


async def test_reply_attachments_and_mentions_come_through(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                           recorder: Recorder) -> None:
    attachment = {"id": p.snowflake(), "filename": "haul.jpg", "size": 2048, "url": "https://cdn.invalid/haul.jpg",
                  "proxy_url": "https://cdn.invalid/haul.jpg", "content_type": "image/jpeg"}
    mention = {**p.NELLY, "member": {"roles": [], "joined_at": "2020-01-01T00:00:00+00:00", "deaf": False,
                                     "mute": False, "nick": "Nell"}}
    data = p.message_create("look <@80351110224678912>", attachments=[attachment], mentions=[mention], type=19,
                            message_reference={"message_id": "334385199974967042", "channel_id": p.CHANNEL_ID,
                                               "guild_id": p.GUILD_ID, "type": 0})
    await emulator.dispatch("MESSAGE_CREATE", data)
    [posted] = await recorder.wait(MessagePosted)
    assert posted.reply_to is not None and posted.reply_to.message_id == "334385199974967042"
    assert [(a.filename, a.content_type, a.size) for a in posted.attachments] == [("haul.jpg", "image/jpeg", 2048)]
    assert [(u.user_id, u.display_name) for u in posted.mentions] == [(p.NELLY_ID, "Nell")]


async def test_a_message_in_a_thread_names_thread_and_channel(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                              recorder: Recorder) -> None:
    thread = {**p.channel(p.snowflake(), "unboxing", kind=11, parent_id=p.CHANNEL_ID), "owner_id": p.NELLY_ID,
              "thread_metadata": {"archived": False, "auto_archive_duration": 1440,
                                  "archive_timestamp": "2026-01-05T09:00:00+00:00", "locked": False},
              "newly_created": True, "member_count": 1, "message_count": 0}
    await emulator.dispatch("THREAD_CREATE", thread)
    [created] = await recorder.wait(ThreadCreated)
    assert created.place == Place("discord", p.CHANNEL_ID, thread_id=thread["id"], guild_id=p.GUILD_ID)
    assert created.title == "unboxing" and created.parent is not None and created.parent.message_id == thread["id"]
    # A message in a thread the client has never seen (not in its cache): the parent comes from REST, once.
    unseen = {**p.channel(p.snowflake(), "old", kind=11, parent_id=p.CHANNEL_ID),
              "thread_metadata": thread["thread_metadata"]}
    emulator.guild["threads"].append(unseen)
    for channel_id in (thread["id"], unseen["id"], unseen["id"]):
        await emulator.dispatch("MESSAGE_CREATE", p.message_create("in thread", channel_id=channel_id,
                                                                   channel_type=11))
    posts = await recorder.wait(MessagePosted, 3)
    assert {(m.message.place.chat_id, m.message.place.thread_id) for m in posts} == {
        (p.CHANNEL_ID, thread["id"]), (p.CHANNEL_ID, unseen["id"])}
    assert len(emulator.sent("GET", rf"/channels/{unseen['id']}")) == 1


async def test_bots_and_the_bots_own_echo_are_ignored(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                      recorder: Recorder) -> None:
    sent = await adapter.platform.send(Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID), Reply(text="hi"))
    assert sent is not None  # Discord echoed it on the gateway as a MESSAGE_CREATE from Hearth
    other_bot = p.user(p.snowflake(), "otherbot", bot=True)
    await emulator.dispatch("MESSAGE_CREATE", p.message_create("beep", author=other_bot))
    await emulator.dispatch("MESSAGE_CREATE", p.message_create("pinned a message", type=6))  # a system message
    await emulator.dispatch("MESSAGE_CREATE", p.message_create("a human"))
    await recorder.wait(MessagePosted)
    await adapter.events.drained()
    assert [m.text for m in recorder.of(MessagePosted)] == ["a human"]
    assert any(f["d"]["author"]["id"] == p.BOT_ID for f in emulator.gateway.current.history  # type: ignore[union-attr]
               if f["t"] == "MESSAGE_CREATE")


async def test_reactions_added_and_removed(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                           recorder: Recorder) -> None:
    await emulator.dispatch("MESSAGE_CREATE", p.dispatch_data("MESSAGE_CREATE"))
    await emulator.dispatch("MESSAGE_REACTION_ADD", p.dispatch_data("MESSAGE_REACTION_ADD"))
    removed = {"user_id": p.NELLY_ID, "channel_id": p.CHANNEL_ID, "message_id": "334385199974967042",
               "guild_id": p.GUILD_ID, "emoji": {"id": None, "name": "🔥"}, "burst": False, "type": 0}
    await emulator.dispatch("MESSAGE_REACTION_REMOVE", removed)
    [gone] = await recorder.wait(ReactionRemoved)
    [added] = recorder.of(ReactionAdded)
    assert (added.emoji, added.user.user_id, added.user.display_name) == ("🔥", p.NELLY_ID, "Nelly")
    assert added.message.message_id == "334385199974967042" and added.message.place.chat_id == p.CHANNEL_ID
    assert added.message_author is not None and added.message_author.user_id == p.AUTHOR_ID
    assert (gone.emoji, gone.user.user_id) == ("🔥", p.NELLY_ID)
    kinds = [type(e).__name__ for e in recorder.events if type(e).__name__ in
             ("MessagePosted", "ReactionAdded", "ReactionRemoved")]
    assert kinds == ["MessagePosted", "ReactionAdded", "ReactionRemoved"]  # in gateway order


async def test_members_join_and_leave(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                      recorder: Recorder) -> None:
    await emulator.dispatch("GUILD_MEMBER_ADD", p.dispatch_data("GUILD_MEMBER_ADD"))
    await emulator.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": p.GUILD_ID, "user": p.NELLY})
    [left] = await recorder.wait(MemberLeft)
    [joined] = recorder.of(MemberJoined)
    assert (joined.user.user_id, joined.user.display_name) == (p.NELLY_ID, "Nelly")
    assert joined.place == Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID)  # the server's system channel
    assert left.user.user_id == p.NELLY_ID and left.place.guild_id == p.GUILD_ID


async def test_poll_votes_carry_the_voters_whole_choice(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                        recorder: Recorder) -> None:
    sent = await adapter.platform.send_poll(Place("discord", p.CHANNEL_ID, guild_id=p.GUILD_ID),
                                            Poll("Next drop?", ("Red", "Blue", "Green"), poll_key="polls:7"))
    assert sent is not None
    vote = {"user_id": p.NELLY_ID, "channel_id": p.CHANNEL_ID, "message_id": sent.message_id, "guild_id": p.GUILD_ID}
    await emulator.dispatch("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 1})
    await emulator.dispatch("MESSAGE_POLL_VOTE_ADD", {**vote, "answer_id": 3})
    await emulator.dispatch("MESSAGE_POLL_VOTE_REMOVE", {**vote, "answer_id": 1})
    answers = await recorder.wait(PollAnswered, 3)
    assert [a.option_ids for a in answers] == [(0,), (0, 2), (2,)]
    assert {a.poll_id for a in answers} == {"polls:7"}  # the cog's key, not Discord's message id


async def test_only_the_needed_intents_are_requested(adapter: DiscordAdapter, emulator: DiscordEmulator) -> None:
    requested = emulator.gateway.identifies[0]["intents"]
    # guilds, guild messages, guild reactions, guild polls; privileged: members and message content.
    assert requested == (1 << 0) | (1 << 9) | (1 << 10) | (1 << 24) | (1 << 1) | (1 << 15) == intents().value


async def test_removal_from_the_server_stops_posts_to_its_channels(adapter: DiscordAdapter, emulator: DiscordEmulator,
                                                                    recorder: Recorder) -> None:
    await emulator.dispatch("GUILD_DELETE", {"id": p.GUILD_ID, "unavailable": True})  # an outage: nothing
    await emulator.dispatch("GUILD_CREATE", emulator.guild)
    await emulator.dispatch("GUILD_DELETE", {"id": p.GUILD_ID})  # kicked
    removed = await recorder.wait(BotRemoved, 3)
    assert {e.place.key for e in removed} == {f"discord:{c['id']}" for c in emulator.guild["channels"]}
