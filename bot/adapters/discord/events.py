"""Gateway events as kit events, published on the bus in the order Discord sent them.

discord.py runs each listener as its own task; the handlers here only enqueue (no ``await`` before
that), and one publisher task translates and publishes in order, so a cog sees a message before the
reactions to it. Messages from bots (including Hearth's own echo) and system messages are skipped.
Event times come from the injected clock (when Hearth learned of it), like every other adapter.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.adapters.discord.convert import (
    PLATFORM,
    PlaceResolver,
    attachment_from_object,
    unknown_user,
    user_from_object,
)
from bot.adapters.poll_keys import PollKeys
from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import (
    BotRemoved,
    Event,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
)
from bot.kit.platform import MessageRef, Place, PlatformUser

log = logging.getLogger("hearth.discord")
CHAT_MESSAGES = (discord.MessageType.default, discord.MessageType.reply)
FORUMS = (discord.ChannelType.forum, discord.ChannelType.media)
Translation = Callable[[], Awaitable[Event | None]]


class EventPublisher:
    """Turns discord.py's gateway callbacks into kit events on ``bus``."""

    def __init__(self, client: discord.Client, bus: EventBus, clock: Clock, places: PlaceResolver,
                 polls: PollKeys) -> None:
        self._client = client
        self._polls = polls
        self._bus = bus
        self._clock = clock
        self._places = places
        self._queue: asyncio.Queue[Translation] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._votes: dict[tuple[int, int], set[int]] = {}

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord-events")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def drained(self) -> None:
        """Wait until every event received so far is published (tests, shutdown)."""
        await self._queue.join()

    async def _run(self) -> None:
        while True:
            translate = await self._queue.get()
            try:
                event = await translate()
                if event is not None:
                    await self._bus.publish(event)
            except Exception:
                log.exception("couldn't turn a Discord event into a Hearth event")
            finally:
                self._queue.task_done()

    def _own(self, user_id: int) -> bool:
        me = self._client.user
        return me is not None and me.id == user_id

    def _guild_place(self, guild: discord.Guild | None, guild_id: int) -> Place:
        # Joins and leaves happen to the server; its system channel is where a welcome would go.
        channel = guild.system_channel.id if guild is not None and guild.system_channel else guild_id
        return Place(platform=PLATFORM, chat_id=str(channel), guild_id=str(guild_id))

    # --- discord.py listeners: each only enqueues ---------------------------------------------------

    def message(self, message: discord.Message) -> None:
        if message.author.bot or message.webhook_id or self._own(message.author.id):
            return
        if message.type not in CHAT_MESSAGES:
            return
        self._queue.put_nowait(lambda: self._message(message))

    async def _message(self, message: discord.Message) -> Event:
        guild_id = message.guild.id if message.guild else getattr(message.channel, "guild_id", None)
        place = await self._places.place(message.channel.id, guild_id)
        reply_to = None
        reference = message.reference
        if reference is not None and reference.message_id and reference.type is discord.MessageReferenceType.default:
            same = reference.channel_id == message.channel.id
            target = place if same else await self._places.place(reference.channel_id, guild_id)
            reply_to = MessageRef(place=target, message_id=str(reference.message_id))
        return MessagePosted(
            message=MessageRef(place=place, message_id=str(message.id)),
            author=user_from_object(message.author),
            text=message.content,
            at=self._clock.now(),
            reply_to=reply_to,
            attachments=tuple(attachment_from_object(a) for a in message.attachments),
            mentions=tuple(user_from_object(u) for u in message.mentions),
        )

    def reaction(self, payload: discord.RawReactionActionEvent) -> None:
        if self._own(payload.user_id) or (payload.member is not None and payload.member.bot):
            return
        self._queue.put_nowait(lambda: self._reaction(payload))

    async def _reaction(self, payload: discord.RawReactionActionEvent) -> Event:
        place = await self._places.place(payload.channel_id, payload.guild_id)
        message = MessageRef(place=place, message_id=str(payload.message_id))
        user = user_from_object(payload.member) if payload.member is not None else self._user(payload.user_id)
        if payload.event_type == "REACTION_REMOVE":
            return ReactionRemoved(message=message, user=user, emoji=str(payload.emoji), at=self._clock.now())
        author = unknown_user(payload.message_author_id) if payload.message_author_id else None
        return ReactionAdded(message=message, user=user, emoji=str(payload.emoji), at=self._clock.now(),
                             message_author=author)

    def _user(self, user_id: int) -> PlatformUser:
        cached = self._client.get_user(user_id)
        return user_from_object(cached) if cached is not None else unknown_user(user_id)

    def member_joined(self, member: discord.Member) -> None:
        if self._own(member.id):
            return
        event = MemberJoined(user=user_from_object(member), place=self._guild_place(member.guild, member.guild.id),
                             at=self._clock.now())
        self._queue.put_nowait(lambda: _ready(event))

    def member_left(self, payload: discord.RawMemberRemoveEvent) -> None:
        if self._own(payload.user.id):
            return
        guild = self._client.get_guild(payload.guild_id)
        event = MemberLeft(user=user_from_object(payload.user), place=self._guild_place(guild, payload.guild_id),
                           at=self._clock.now())
        self._queue.put_nowait(lambda: _ready(event))

    def thread_created(self, thread: discord.Thread) -> None:
        if thread.owner_id is not None and self._own(thread.owner_id):
            return  # Hearth opened it itself (create_thread): the cog already knows
        self._places.remember_thread(thread.id, thread.parent_id)
        guild_id = str(thread.guild.id)
        place = Place(platform=PLATFORM, chat_id=str(thread.parent_id), thread_id=str(thread.id), guild_id=guild_id)
        parent: MessageRef | None = None
        # A thread started from a message (or a forum post's opening message) shares that message's id.
        if thread.parent is not None and thread.parent.type in FORUMS:
            parent = MessageRef(place=place, message_id=str(thread.id))
        elif thread.type is not discord.ChannelType.private_thread:
            parent_place = Place(platform=PLATFORM, chat_id=str(thread.parent_id), guild_id=guild_id)
            parent = MessageRef(place=parent_place, message_id=str(thread.id))
        event = ThreadCreated(place=place, parent=parent, title=thread.name, at=self._clock.now())
        self._queue.put_nowait(lambda: _ready(event))

    def guild_removed(self, guild: discord.Guild) -> None:
        """Kicked from a server (not an outage): every channel there is gone for scheduled posts."""
        at = self._clock.now()
        for channel in guild.channels:
            if isinstance(channel, discord.CategoryChannel):
                continue
            event = BotRemoved(place=Place(platform=PLATFORM, chat_id=str(channel.id), guild_id=str(guild.id)), at=at)
            self._queue.put_nowait(lambda event=event: _ready(event))  # type: ignore[misc]

    def poll_vote(self, payload: discord.RawPollVoteActionEvent, added: bool) -> None:
        """Discord sends one event per answer; the kit wants the voter's whole choice (0-based)."""
        if self._own(payload.user_id):
            return
        key = (payload.message_id, payload.user_id)
        chosen = self._votes.setdefault(key, set())
        (chosen.add if added else chosen.discard)(payload.answer_id - 1)
        options = tuple(sorted(chosen))
        if not chosen:
            del self._votes[key]
        event = PollAnswered(poll_id=self._polls.key_for(str(payload.message_id)), user=self._user(payload.user_id),
                             option_ids=options, at=self._clock.now())
        self._queue.put_nowait(lambda: _ready(event))


async def _ready(event: Event) -> Event:
    return event
