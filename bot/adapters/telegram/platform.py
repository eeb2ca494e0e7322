"""The kit's Platform on Telegram: HTML messages, topics, native polls, DMs and gated chats as roles.

Every send goes through the SendQueue (rate limits, ``retry_after``). Telegram's refusals become
``None`` / ``RoleChange(applied=False)`` with one log line, never an exception in a cog: a chat the
bot was removed from is marked inactive and skipped, a user who blocked the bot gets no DMs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

from telegram import InputFile, LinkPreviewOptions, Message, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, TelegramError

from bot.adapters.poll_keys import PollKeys
from bot.adapters.telegram.render import (
    CAPTION_LIMIT,
    ActionAliases,
    Rendered,
    render,
    render_single,
    utf16_length,
)
from bot.adapters.telegram.sendqueue import QueueClosed, SendQueue
from bot.adapters.telegram.state import ChatStates, Grants
from bot.adapters.telegram.updates import INSIDE, PLATFORM, REPLY_THREAD_PREFIX, KnownUsers
from bot.kit.clock import Clock
from bot.kit.platform import Capabilities, MessageRef, Place, PlatformUser, Role, RoleChange
from bot.kit.reply import Choice, Poll, Reply

log = logging.getLogger("hearth.telegram")

T = TypeVar("T")
INVITE_TTL = timedelta(days=7)
NOT_ADMIN_HINT = "Hearth must be an admin of that chat with the “Invite users via link” and “Ban users” rights."


class BadReference(ValueError):
    """A place, message or role id that can't be Telegram's (a Discord id, a typo in a config list)."""


def _number(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise BadReference(f"{what} {value!r} is not a Telegram id") from None


def _thread(place: Place) -> tuple[int | None, int | None]:
    """(forum topic id, message to reply to) for a place: topics are ids, reply threads are "reply:<id>"."""
    thread = place.thread_id
    if not thread:
        return None, None
    if thread.startswith(REPLY_THREAD_PREFIX):
        return None, _number(thread.removeprefix(REPLY_THREAD_PREFIX), "message")
    return _number(thread, "topic"), None


class TelegramPlatform:
    """Implements ``bot.kit.platform.Platform``; every method is safe to call concurrently."""

    name = PLATFORM
    capabilities = Capabilities(threads=True, native_polls=True, buttons=True, roles=True, direct_messages=True,
                                extra=frozenset({"deep_links", "invite_links"}))

    def __init__(self, bot: Any, queue: SendQueue, *, chats: ChatStates, polls: PollKeys, grants: Grants,
                 users: KnownUsers, aliases: ActionAliases, clock: Clock) -> None:
        self.bot = bot
        self.queue = queue
        self.chats = chats
        self.polls = polls
        self.grants = grants
        self.users = users
        self.aliases = aliases
        self.clock = clock

    # --- the one place Telegram errors are turned into outcomes ----------------------------------

    async def _call(self, chat_id: int, what: str, call: Callable[[int], Awaitable[T]], *,
                    paced: bool = True) -> T | None:
        chat_id = self.chats.current_id(chat_id)
        if not self.chats.is_active(chat_id):
            if self.chats.report_drop(chat_id):
                log.info("not sending %s to Telegram chat %s: the bot was removed or blocked there", what, chat_id)
            return None
        for _ in range(2):
            try:
                return await self.queue.run(chat_id, lambda chat=chat_id: call(chat), paced=paced)
            except ChatMigrated as moved:
                self.chats.moved(chat_id, moved.new_chat_id)
                chat_id = moved.new_chat_id
            except Forbidden as refused:
                # Kicked from a group, or the user blocked the bot / never started it: stop trying.
                self.chats.deactivate(chat_id, refused.message)
                return None
            except BadRequest as problem:
                log.warning("Telegram refused %s in chat %s: %s", what, chat_id, problem.message)
                return None
            except (NetworkError, TelegramError) as problem:
                log.warning("couldn't send %s to Telegram chat %s: %s", what, chat_id, problem)
                return None
            except QueueClosed:
                log.warning("dropped %s to Telegram chat %s: shutting down", what, chat_id)
                return None
            except Exception:
                # An answer PTB can't read (a Bot API server out of step with PTB): the cog goes on.
                log.exception("unexpected answer to %s in Telegram chat %s", what, chat_id)
                return None
        return None

    # --- messages ----------------------------------------------------------------------------------

    async def _deliver(self, chat_id: int, rendered: Rendered, *, topic: int | None, reply_to: int | None,
                       files: tuple[Any, ...] = ()) -> Message | None:
        """Send the chunks (photo first if any); the keyboard rides on the last message."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        chunks = list(rendered.chunks)
        first: Message | None = None
        if rendered.photo_file_id:
            caption = chunks.pop(0) if chunks and utf16_length(chunks[0]) <= CAPTION_LIMIT else None
            markup = rendered.markup if not chunks else None
            first = await self._call(chat_id, "a photo", lambda chat: self.bot.send_photo(
                chat, rendered.photo_file_id, caption=caption, parse_mode=ParseMode.HTML, reply_markup=markup,
                message_thread_id=topic, reply_parameters=reply))
            if first is None:
                return None
            reply = None
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            preview = (LinkPreviewOptions(url=rendered.preview_url, prefer_large_media=True) if index == 0
                       and rendered.preview_url else LinkPreviewOptions(is_disabled=True))
            sent = await self._call(chat_id, "a message", lambda chat, c=chunk, m=last, p=preview, r=reply:
                                    self.bot.send_message(chat, c, parse_mode=ParseMode.HTML,
                                                          reply_markup=rendered.markup if m else None,
                                                          message_thread_id=topic, reply_parameters=r,
                                                          link_preview_options=p))
            if sent is None:
                return first
            first = first or sent
            reply = None  # only the first part answers the message; the rest follow it
        for upload in files:
            document = await self._call(chat_id, "a file", lambda chat, u=upload: self.bot.send_document(
                chat, InputFile(u.data, filename=u.filename), message_thread_id=topic))
            first = first or document
        return first

    def _ref(self, place: Place, message: Message | None) -> MessageRef | None:
        if message is None:
            return None
        chat_id = str(message.chat.id) if message.chat else place.chat_id
        moved = place if chat_id == place.chat_id else Place(PLATFORM, chat_id, place.thread_id, None,
                                                             place.is_private)
        return MessageRef(moved, str(message.message_id))

    async def send(self, place: Place, reply: Reply) -> MessageRef | None:
        rendered = render(reply, self.aliases)
        if not rendered.chunks and not rendered.photo_file_id and not reply.files:
            log.info("not sending an empty reply to %s", place.key)
            return None
        try:
            topic, reply_to = _thread(place)
            chat_id = _number(place.chat_id, "chat")
        except BadReference as problem:
            log.warning("not sending to %s: %s", place.key, problem)
            return None
        message = await self._deliver(chat_id, rendered, topic=topic, reply_to=reply_to, files=reply.files)
        return self._ref(place, message)

    async def reply(self, to: MessageRef, reply: Reply) -> MessageRef | None:
        try:
            topic, _ = _thread(to.place)
            chat_id, message_id = _number(to.place.chat_id, "chat"), _number(to.message_id, "message")
        except BadReference as problem:
            log.warning("not replying in %s: %s", to.place.key, problem)
            return None
        message = await self._deliver(chat_id, render(reply, self.aliases), topic=topic, reply_to=message_id,
                                      files=reply.files)
        return self._ref(to.place, message)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        text = render_single(reply)
        if not text or not (message.place.chat_id.lstrip("-").isdigit() and message.message_id.isdigit()):
            return
        markup = render(Reply(choices=reply.choices), self.aliases).markup

        async def edit_text(chat: int) -> Any:
            try:
                return await self.bot.edit_message_text(text, chat_id=chat, message_id=int(message.message_id),
                                                        parse_mode=ParseMode.HTML, reply_markup=markup)
            except BadRequest as problem:
                if "not modified" in problem.message:
                    return None  # the same content again: nothing to do
                raise

        await self._call(int(message.place.chat_id), "an edit", edit_text)

    async def delete(self, message: MessageRef) -> None:
        if not (message.place.chat_id.lstrip("-").isdigit() and message.message_id.isdigit()):
            return
        await self._call(int(message.place.chat_id), "a delete", lambda chat: self.bot.delete_message(
            chat, int(message.message_id)), paced=False)

    async def create_thread(self, message: MessageRef, title: str) -> Place:
        """A forum topic where the chat is a forum, otherwise a reply chain under the message."""
        if message.place.thread_id and not message.place.thread_id.startswith(REPLY_THREAD_PREFIX):
            return message.place  # already inside a topic: topics don't nest
        if not message.place.chat_id.lstrip("-").isdigit():
            return message.place
        chat_id = self.chats.current_id(int(message.place.chat_id))
        if await self._is_forum(chat_id):
            topic = await self._call(chat_id, "a new topic", lambda chat: self.bot.create_forum_topic(
                chat, (title.strip() or "Thread")[:128]), paced=False)
            if topic is not None:
                return Place(PLATFORM, str(chat_id), str(topic.message_thread_id), None, message.place.is_private)
        return Place(PLATFORM, str(chat_id), f"{REPLY_THREAD_PREFIX}{message.message_id}", None,
                     message.place.is_private)

    async def _is_forum(self, chat_id: int) -> bool:
        known = self.chats.is_forum(chat_id)
        if known is None and chat_id < 0:
            chat = await self._call(chat_id, "a chat lookup", lambda chat: self.bot.get_chat(chat), paced=False)
            known = bool(chat and chat.is_forum)
            self.chats.note_forum(chat_id, known)
        return bool(known)

    async def send_poll(self, place: Place, poll: Poll) -> MessageRef | None:
        options = [option.strip()[:100] for option in poll.options if option.strip()][:12]
        if len(options) < 2:
            log.warning("not sending poll %r: Telegram needs 2 to 12 options", poll.question[:40])
            return None
        try:
            topic, reply_to = _thread(place)
            chat_id = _number(place.chat_id, "chat")
        except BadReference as problem:
            log.warning("not sending a poll to %s: %s", place.key, problem)
            return None
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        message = await self._call(chat_id, "a poll", lambda chat: self.bot.send_poll(
            chat, poll.question.strip()[:300] or "Poll", options, is_anonymous=poll.anonymous,
            allows_multiple_answers=poll.multiple, message_thread_id=topic, reply_parameters=reply))
        if message is not None and message.poll is not None:
            self.polls.add(message.poll.id, poll.poll_key)
        return self._ref(place, message)

    async def send_direct(self, user_id: str, reply: Reply) -> MessageRef | None:
        if not user_id.lstrip("-").isdigit() or int(user_id) <= 0:
            log.info("can't DM Telegram user %r: not a user id", user_id)
            return None
        place = Place(PLATFORM, user_id, is_private=True)
        return await self.send(place, reply)

    # --- gated chats as roles ----------------------------------------------------------------------

    async def grant_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        """Approve a pending join request, or DM a one-time invite link to the gated chat."""
        try:
            chat_id, user = _number(role.role_id, "chat"), _number(user_id, "user")
        except BadReference as problem:
            return RoleChange(applied=False, error=str(problem))
        self.grants.grant(chat_id, user)
        if self.grants.take_request(chat_id, user):
            approved = await self._call(chat_id, "a join approval", lambda chat: self.bot.approve_chat_join_request(
                chat, user), paced=False)
            if approved:
                return RoleChange(applied=True)
        status = await self._call(chat_id, "a member lookup", lambda chat: self.bot.member_status(chat, user),
                                  paced=False)
        if status in INSIDE:
            return RoleChange(applied=True)  # already in the chat: nothing to send
        link = await self._call(chat_id, "an invite link", lambda chat: self.bot.one_time_invite(
            chat, name=(reason or "Hearth")[:32], expire_date=self.clock.now() + INVITE_TTL), paced=False)
        if link is None:
            return RoleChange(applied=False, error=NOT_ADMIN_HINT)
        place_name = role.name or "the members' chat"
        sent = await self.send_direct(user_id, Reply(
            title=f"You're invited to {place_name}", text=f"{reason}\nThis link works once, for you only.".strip(),
            choices=(Choice(label=f"Join {place_name}", action="", style="link", url=link),)))
        if sent is None:
            return RoleChange(applied=False, invite_link=link,
                              error="I couldn't DM them the invite link: they need to start a chat with me first.")
        return RoleChange(applied=True, invite_link=link)

    async def revoke_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        """Remove from the gated chat without a lasting ban: ban, then unban at once."""
        try:
            chat_id, user = _number(role.role_id, "chat"), _number(user_id, "user")
        except BadReference as problem:
            return RoleChange(applied=False, error=str(problem))
        self.grants.revoke(chat_id, user)
        banned = await self._call(chat_id, "a removal", lambda chat: self.bot.ban_chat_member(chat, user),
                                  paced=False)
        if not banned:
            return RoleChange(applied=False, error=NOT_ADMIN_HINT)
        await self._call(chat_id, "an unban", lambda chat: self.bot.unban_chat_member(chat, user, only_if_banned=True),
                         paced=False)
        log.info("removed Telegram user %s from chat %s: %s", user, chat_id, reason)
        return RoleChange(applied=True)

    async def create_invite_link(self, place: Place, name: str) -> str | None:
        """A named invite link to a group (the bot must be an admin allowed to invite users)."""
        try:
            chat_id = _number(place.chat_id, "chat")
        except BadReference as problem:
            log.info("no invite link: %s", problem)
            return None
        return await self._call(chat_id, "an invite link", lambda chat: self.bot.named_invite(chat, name=name[:32]),
                                paced=False)

    async def fetch_user(self, user_id: str) -> PlatformUser | None:
        known = self.users.by_id(user_id)
        if known is not None or not user_id.isdigit():
            return known
        try:
            chat = await self.bot.get_chat(int(user_id))
        except TelegramError:
            return None
        if chat.type != "private":
            return None
        name = " ".join(p for p in (chat.first_name, chat.last_name) if p) or chat.username or user_id
        return PlatformUser(PLATFORM, user_id, name, chat.username)

