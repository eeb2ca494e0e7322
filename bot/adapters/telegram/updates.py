"""Telegram updates read as kit values: users, places, attachments, command lines and events.

Pure functions over PTB objects (plus a small cache of users seen by username), so each rule —
which reply is a real reply, which command is ours, how a ``text_mention`` becomes ``<@id>`` — is
testable without a network.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from telegram import (
    ChatMember,
    ChatMemberUpdated,
    Message,
    MessageEntity,
    MessageReactionUpdated,
    ReactionType,
    ReactionTypeCustomEmoji,
    ReactionTypeEmoji,
    User,
)

from bot.adapters.telegram.render import FILE_URL_PREFIX
from bot.kit.events import Event, MemberJoined, MemberLeft, ReactionAdded, ReactionRemoved
from bot.kit.platform import Attachment, MessageRef, Place, PlatformUser

PLATFORM = "telegram"
# Statuses in which a user is inside the chat ("restricted" depends on ``is_member``).
INSIDE = {ChatMember.MEMBER, ChatMember.ADMINISTRATOR, ChatMember.OWNER}
OUTSIDE = {ChatMember.LEFT, ChatMember.BANNED}
REPLY_THREAD_PREFIX = "reply:"


def display_name(user: User) -> str:
    return " ".join(part for part in (user.first_name, user.last_name) if part) or (user.username or str(user.id))


def platform_user(user: User) -> PlatformUser:
    return PlatformUser(platform=PLATFORM, user_id=str(user.id), display_name=display_name(user),
                        username=user.username, is_bot=user.is_bot)


def unresolved_mention(username: str) -> PlatformUser:
    """An @mention of someone Hearth hasn't seen: Telegram gives no id, so the id is the @name itself
    (it can never collide with a numeric Telegram id, and ``members.find`` correctly finds no one)."""
    return PlatformUser(platform=PLATFORM, user_id=f"@{username}", display_name=f"@{username}", username=username)


class KnownUsers:
    """Users seen in updates, by lowercase username: an ``@mention`` entity carries only the name."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._by_name: OrderedDict[str, PlatformUser] = OrderedDict()
        self._by_id: OrderedDict[str, PlatformUser] = OrderedDict()
        self._capacity = capacity

    def see(self, user: User | None) -> PlatformUser | None:
        if user is None:
            return None
        seen = platform_user(user)
        for index, key in ((self._by_id, seen.user_id), (self._by_name, (seen.username or "").lower())):
            if key:
                index[key] = seen
                index.move_to_end(key)
                if len(index) > self._capacity:
                    index.popitem(last=False)
        return seen

    def by_username(self, username: str) -> PlatformUser | None:
        return self._by_name.get(username.lower())

    def by_id(self, user_id: str) -> PlatformUser | None:
        return self._by_id.get(user_id)


def is_topic_message(message: Message) -> bool:
    return bool(message.is_topic_message and message.message_thread_id)


def place_of(message: Message) -> Place:
    """The chat, and the forum topic when the message is in one (reply chains aren't places)."""
    thread = str(message.message_thread_id) if is_topic_message(message) else None
    return Place(platform=PLATFORM, chat_id=str(message.chat.id), thread_id=thread,
                 is_private=message.chat.type == "private")


def message_ref(message: Message) -> MessageRef:
    return MessageRef(place=place_of(message), message_id=str(message.message_id))


def reply_target(message: Message) -> Message | None:
    """The message really replied to. In a forum every topic message "replies" to the topic's first
    message; that is the topic, not a reply to someone."""
    target = message.reply_to_message
    if target is None or target.forum_topic_created is not None:
        return None
    if is_topic_message(message) and target.message_id == message.message_thread_id:
        return None
    return target


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    found: list[Attachment] = []
    if message.photo:
        largest = message.photo[-1]  # sizes come smallest first
        found.append(Attachment(f"photo_{largest.file_unique_id}.jpg", FILE_URL_PREFIX + largest.file_id,
                                "image/jpeg", largest.file_size))
    named = ((message.video, "video.mp4", "video/mp4"), (message.animation, "animation.mp4", "video/mp4"),
             (message.document, "document", None), (message.audio, "audio.mp3", "audio/mpeg"),
             (message.voice, "voice.ogg", "audio/ogg"), (message.video_note, "video_note.mp4", "video/mp4"))
    for media, default_name, default_type in named:
        if media is not None:
            found.append(Attachment(getattr(media, "file_name", None) or default_name, FILE_URL_PREFIX + media.file_id,
                                    getattr(media, "mime_type", None) or default_type, media.file_size))
    return tuple(found)


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _span(encoded: bytes, start: int, end: int) -> str:
    """Entity offsets and lengths are in UTF-16 code units, not Python characters."""
    return encoded[start * 2:end * 2].decode("utf-16-le", errors="replace")


@dataclass(frozen=True)
class CommandLine:
    """A ``/command`` we should handle: ``text`` is what goes in ``Invocation.text``."""

    name: str
    addressed: bool
    text: str
    mentions: tuple[PlatformUser, ...]
    # "/help@other_bot": a command, but for another bot in the group.
    other_bot: bool = False


def mentions_in(text: str, entities: tuple[MessageEntity, ...], users: KnownUsers, bot_username: str,
                *, start: int = 0, keep_unresolved: bool = True) -> tuple[str, tuple[PlatformUser, ...]]:
    """The text from UTF-16 offset ``start`` with each ``text_mention`` rewritten to ``<@id>``, and the
    users mentioned (``text_mention`` users; ``@name`` mentions looked up, else ``unresolved_mention``)."""
    encoded = _utf16(text)
    pieces: list[str] = []
    position = start
    found: dict[str, PlatformUser] = {}
    for entity in sorted(entities, key=lambda e: e.offset):
        end = entity.offset + entity.length
        if entity.offset < start or end * 2 > len(encoded):
            continue
        if entity.type == MessageEntity.TEXT_MENTION and entity.user is not None:
            user = platform_user(entity.user)
            users.see(entity.user)
            found[user.user_id] = user
            pieces += [_span(encoded, position, entity.offset), f"<@{entity.user.id}>"]
            position = end
        elif entity.type == MessageEntity.MENTION:
            name = _span(encoded, entity.offset + 1, end)
            if not name or name.lower() == bot_username.lower():
                continue
            known = users.by_username(name)
            if known is not None:
                found[known.user_id] = known
            elif keep_unresolved:
                found[f"@{name.lower()}"] = unresolved_mention(name)
    pieces.append(_span(encoded, position, len(encoded) // 2))
    return "".join(pieces), tuple(found.values())


def command_line(message: Message, users: KnownUsers, bot_username: str) -> CommandLine | None:
    """The command in a message or caption (``other_bot`` when it names another bot), or ``None``."""
    text = message.text if message.text is not None else message.caption
    entities = message.entities if message.text is not None else message.caption_entities
    if not text or not entities:
        return None
    head = next((e for e in entities if e.type == MessageEntity.BOT_COMMAND and e.offset == 0), None)
    if head is None:
        return None
    word = _span(_utf16(text), 1, head.length)
    name, _, target = word.partition("@")
    if target and target.lower() != bot_username.lower():
        return CommandLine(name=name.lower(), addressed=False, text="", mentions=(), other_bot=True)
    rest, mentions = mentions_in(text, tuple(entities), users, bot_username, start=head.length)
    return CommandLine(name=name.lower(), addressed=bool(target), text=f"{name.lower()}{rest}".strip(),
                       mentions=mentions)


def _emoji(reaction: ReactionType) -> str | None:
    if isinstance(reaction, ReactionTypeEmoji):
        return reaction.emoji
    if isinstance(reaction, ReactionTypeCustomEmoji):
        return f"custom:{reaction.custom_emoji_id}"
    if reaction.type == "paid":
        return "paid"
    return None


def reaction_events(update: MessageReactionUpdated, at: datetime) -> list[Event]:
    """Added and removed reactions as events; anonymous ones (``actor_chat``) have no person to credit."""
    if update.user is None:
        return []
    user = platform_user(update.user)
    # Telegram doesn't say which topic the message is in; the chat and message id identify it.
    ref = MessageRef(Place(platform=PLATFORM, chat_id=str(update.chat.id), is_private=update.chat.type == "private"),
                     str(update.message_id))
    old = [e for e in map(_emoji, update.old_reaction or ()) if e]
    new = [e for e in map(_emoji, update.new_reaction or ()) if e]
    events: list[Event] = [ReactionRemoved(ref, user, emoji, at) for emoji in old if emoji not in new]
    events += [ReactionAdded(ref, user, emoji, at) for emoji in new if emoji not in old]
    return events


def _inside(member: ChatMember) -> bool:
    if member.status == ChatMember.RESTRICTED:
        return bool(getattr(member, "is_member", False))
    return member.status in INSIDE


def membership_event(update: ChatMemberUpdated, at: datetime) -> Event | None:
    """A join (with the invite link used, if any) or a leave; promotions and restrictions are neither."""
    was, now = _inside(update.old_chat_member), _inside(update.new_chat_member)
    if was == now:
        return None
    user = platform_user(update.new_chat_member.user)
    place = Place(platform=PLATFORM, chat_id=str(update.chat.id), is_private=update.chat.type == "private")
    if now:
        link = update.invite_link
        return MemberJoined(user=user, place=place, at=at, invite_link=link.invite_link if link else None,
                            invite_name=link.name if link else None)
    return MemberLeft(user=user, place=place, at=at)


def bot_lost_access(update: ChatMemberUpdated) -> bool | None:
    """True when the bot was removed or blocked, False when it's back, None when nothing changed."""
    was, now = _inside(update.old_chat_member), _inside(update.new_chat_member)
    if was == now:
        return None
    return not now
