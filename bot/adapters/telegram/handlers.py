"""Each Telegram update turned into what Hearth does: a kit event on the bus, or a command dispatched.

``route`` answers whether the update was used; the adapter counts the rest as ignored. Telegram is
asked nothing here except who is an admin (for commands and buttons) and the answers themselves.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from telegram import CallbackQuery, ChatJoinRequest, ChatMemberUpdated, Message, PollAnswer, Update
from telegram.error import TelegramError

from bot.adapters.poll_keys import PollKeys
from bot.adapters.telegram.platform import TelegramPlatform
from bot.adapters.telegram.render import ActionAliases
from bot.adapters.telegram.roles import ModeratorCheck
from bot.adapters.telegram.state import ChatStates, Grants
from bot.adapters.telegram.updates import (
    PLATFORM,
    CommandLine,
    KnownUsers,
    attachments_of,
    bot_lost_access,
    command_line,
    membership_event,
    mentions_in,
    message_ref,
    place_of,
    platform_user,
    reaction_events,
    reply_target,
)
from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.context import Invocation
from bot.kit.dispatch import Dispatcher
from bot.kit.events import (
    BotRemoved,
    ChoiceClicked,
    DeepLinkOpened,
    MessagePosted,
    PollAnswered,
    ThreadCreated,
)
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.kit.reply import Reply

log = logging.getLogger("hearth.telegram")

ALERT_LIMIT = 200
ANONYMOUS_HINT = ("I can't tell who you are while you post anonymously: turn off “Remain anonymous” in your "
                  "admin rights to use my commands.")
EXPIRED = "That button has expired — run the command again."


class Malformed(Exception):
    """An update missing what Telegram always sends (a chat, a sender): counted and ignored."""


@dataclass
class Parts:
    """The adapter's shared pieces, handed over once instead of as a dozen arguments."""

    platform: TelegramPlatform
    dispatcher: Dispatcher
    bus: EventBus
    clock: Clock
    users: KnownUsers
    chats: ChatStates
    polls: PollKeys
    grants: Grants
    moderators: ModeratorCheck
    aliases: ActionAliases


class UpdateHandler:
    def __init__(self, parts: Parts, bot: Any) -> None:
        self.p = parts
        self.bot = bot

    @property
    def username(self) -> str:
        return self.bot.username or ""

    async def route(self, update: Update) -> bool:
        if update.message is not None:
            return await self.on_message(update.message)
        if update.callback_query is not None:
            return await self.on_callback(update.callback_query)
        if update.message_reaction is not None:
            reaction = update.message_reaction
            if reaction.chat is None:
                raise Malformed("reaction without a chat")
            self.p.users.see(reaction.user)
            for event in reaction_events(reaction, self.p.clock.now()):
                await self.p.bus.publish(event)
            return True
        if update.chat_member is not None:
            return await self.on_member(update.chat_member)
        if update.my_chat_member is not None:
            return await self.on_bot_member(update.my_chat_member)
        if update.poll_answer is not None:
            return await self.on_poll_answer(update.poll_answer)
        if update.chat_join_request is not None:
            return await self.on_join_request(update.chat_join_request)
        return False

    # --- messages and commands ----------------------------------------------------------------------

    async def on_message(self, message: Message) -> bool:
        chat = message.chat
        if chat is None or message.date is None:
            raise Malformed("message without chat or date")
        self.p.chats.note_forum(chat.id, chat.is_forum)
        if message.migrate_to_chat_id:
            self.p.chats.moved(chat.id, message.migrate_to_chat_id)
            return True
        sender = message.from_user
        if chat.type == "channel" or sender is None:
            return False
        if sender.id == self.bot.id:
            return True  # our own message, echoed
        line = command_line(message, self.p.users, self.username)
        if message.sender_chat is not None:
            # Posted as the group (an anonymous admin) or as a channel: there is no person to act for.
            if line is not None and line.addressed and message.sender_chat.id == chat.id:
                await self.p.platform.reply(message_ref(message), Reply.error(ANONYMOUS_HINT))
            return True
        self.p.users.see(sender)
        if chat.type == "private":
            self.p.chats.activate(chat.id)  # they wrote to us: DMs work (again)
        target = reply_target(message)
        if target is not None:
            self.p.users.see(target.from_user)
        if message.forum_topic_created is not None:
            await self.p.bus.publish(ThreadCreated(place_of(message), None, message.forum_topic_created.name,
                                                   self.p.clock.now()))
            return True
        if line is not None:
            if line.other_bot:
                return True
            return await self.on_command(message, line, target)
        return await self.on_chat_message(message, target)

    async def on_chat_message(self, message: Message, target: Message | None) -> bool:
        text = message.text if message.text is not None else message.caption
        attachments = attachments_of(message)
        if text is None and not attachments and message.sticker is None:
            return False  # a service message (pinned, title changed …): nothing a member said
        entities = message.entities if message.text is not None else message.caption_entities
        _, mentions = mentions_in(text or "", tuple(entities or ()), self.p.users, self.username,
                                  keep_unresolved=False)
        reply_to = message_ref(target) if target is not None else None
        assert message.from_user is not None
        await self.p.bus.publish(MessagePosted(
            message=message_ref(message), author=platform_user(message.from_user), text=text or "",
            at=self.p.clock.now(), reply_to=reply_to, attachments=attachments, mentions=mentions))
        return True

    def _ours(self, line: CommandLine, place: Place) -> bool:
        """In a group a bare ``/word`` may be another bot's: answer only words Hearth has (or ``@us``)."""
        if line.addressed or place.is_private:
            return True
        commands = self.p.dispatcher.registry.all()
        return any(command.words[0] == line.name for command in commands)

    async def on_command(self, message: Message, line: CommandLine, target: Message | None) -> bool:
        place = place_of(message)
        if not self._ours(line, place):
            return True
        assert message.from_user is not None
        actor = platform_user(message.from_user)
        role = await self.p.moderators.role(message.chat.id, message.from_user.id, private=place.is_private)
        ref = message_ref(message)
        reply_user = platform_user(target.from_user) if target is not None and target.from_user else None
        if line.name == "start" and place.is_private and line.text.startswith("start "):
            payload = line.text.removeprefix("start ").strip()
            await self.p.bus.publish(DeepLinkOpened(actor, payload, place, self.p.clock.now()))
        invocation = Invocation(platform=self.p.platform, actor=actor, place=place, role=role, text=line.text,
                                message=ref, mentions=line.mentions, reply_to_user=reply_user,
                                attachments=attachments_of(message))
        outcome = await self.p.dispatcher.dispatch(invocation)
        for reply in outcome.replies:
            note = await self.answer(reply, actor, place, ref)
            if note:
                await self.p.platform.reply(ref, Reply(text=note))
        return True

    async def answer(self, reply: Reply, actor: PlatformUser, place: Place, origin: MessageRef | None) -> str | None:
        """Show a reply where it belongs; a private one in a group goes by DM. Returns a short note for
        the group (or the button's toast) when the reply went elsewhere or couldn't be delivered."""
        if reply.private and not place.is_private and reply.tone != "error":
            if await self.p.platform.send_direct(actor.user_id, reply) is not None:
                return "📬 I sent you the details in a private message."
            return (f"I can't message you privately yet: open https://t.me/{self.username} , press Start, "
                    "then try again.")
        if origin is not None:
            await self.p.platform.reply(origin, reply)
        else:
            await self.p.platform.send(place, reply)
        return None

    # --- buttons -------------------------------------------------------------------------------------

    async def on_callback(self, query: CallbackQuery) -> bool:
        if query.from_user is None or not query.id:
            raise Malformed("callback query without sender or id")
        self.p.users.see(query.from_user)
        actor = platform_user(query.from_user)
        place, ref = self._button_origin(query, actor)
        action = self.p.aliases.decode(query.data) if query.data else None
        if action is None:
            await self._toast(query, EXPIRED, alert=True)
            return True
        role = await self.p.moderators.role(int(place.chat_id), query.from_user.id, private=place.is_private)
        await self.p.bus.publish(ChoiceClicked(action, actor, ref, self.p.clock.now()))
        outcome = await self.p.dispatcher.dispatch_action(self.p.platform, actor, place, role, action, ref)
        toast: str | None = None
        alert = False
        for reply in outcome.replies:
            if toast is None and reply.tone == "error" and len(reply.plain_text()) <= ALERT_LIMIT:
                toast, alert = reply.plain_text(), True  # a refusal shows as a pop-up, not in the chat
                continue
            note = await self.answer(reply, actor, place, ref)
            toast = toast or note
        await self._toast(query, toast, alert=alert)
        return True

    @staticmethod
    def _button_origin(query: CallbackQuery, actor: PlatformUser) -> tuple[Place, MessageRef | None]:
        """Where the pressed button is: its message (even one too old to read: its chat and id are kept),
        or the presser's private chat for buttons on inline messages."""
        message = query.message
        if isinstance(message, Message):
            return place_of(message), message_ref(message)
        if message is not None and message.chat is not None:
            place = Place(PLATFORM, str(message.chat.id), is_private=message.chat.type == "private")
            return place, MessageRef(place, str(message.message_id))
        place = Place(PLATFORM, actor.user_id, is_private=True)
        return place, None

    async def _toast(self, query: CallbackQuery, text: str | None, *, alert: bool = False) -> None:
        # Always answered, even with nothing to say: otherwise the button spins for the user.
        try:
            await self.bot.answer_callback_query(query.id, text=(text or None) and text[:ALERT_LIMIT],
                                                 show_alert=alert)
        except TelegramError as problem:
            log.info("couldn't answer a button press: %s", problem)

    # --- members, polls, join requests ------------------------------------------------------------

    async def on_member(self, update: ChatMemberUpdated) -> bool:
        if update.chat is None or update.new_chat_member is None or update.old_chat_member is None:
            raise Malformed("chat_member without chat or statuses")
        user = update.new_chat_member.user
        self.p.users.see(user)
        self.p.moderators.forget(update.chat.id, user.id)
        event = membership_event(update, self.p.clock.now())
        if event is not None:
            await self.p.bus.publish(event)
        return True

    async def on_bot_member(self, update: ChatMemberUpdated) -> bool:
        if update.chat is None or update.new_chat_member is None or update.old_chat_member is None:
            raise Malformed("my_chat_member without chat or statuses")
        chat = update.chat
        lost = bot_lost_access(update)
        if lost is None:
            return True
        if not lost:
            self.p.chats.activate(chat.id)
            return True
        status = update.new_chat_member.status
        if self.p.chats.deactivate(chat.id, f"bot status is now {status}"):
            place = Place(PLATFORM, str(chat.id), is_private=chat.type == "private")
            await self.p.bus.publish(BotRemoved(place, self.p.clock.now()))
        return True

    async def on_poll_answer(self, answer: PollAnswer) -> bool:
        if answer.user is None:
            return True  # voted as a chat (anonymously): no member to credit
        self.p.users.see(answer.user)
        await self.p.bus.publish(PollAnswered(self.p.polls.key_for(answer.poll_id), platform_user(answer.user),
                                              tuple(answer.option_ids), self.p.clock.now()))
        return True

    async def on_join_request(self, request: ChatJoinRequest) -> bool:
        chat_id, user_id = request.chat.id, request.from_user.id
        self.p.users.see(request.from_user)
        if not self.p.grants.is_granted(chat_id, user_id):
            self.p.grants.requested(chat_id, user_id)  # approved if a grant comes later; else admins decide
            log.info("join request from %s for chat %s left to the admins (no grant yet)", user_id, chat_id)
            return True
        try:
            await self.bot.approve_chat_join_request(chat_id, user_id)
            log.info("approved join request from %s for gated chat %s", user_id, chat_id)
        except TelegramError as problem:
            log.warning("couldn't approve %s into chat %s: %s", user_id, chat_id, problem)
        return True
