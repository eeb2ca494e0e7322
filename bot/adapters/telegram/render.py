"""A kit Reply as Telegram HTML (escaped) plus an inline keyboard, split to fit Telegram's limits.

Telegram refuses a message whose HTML doesn't parse (a member's ``<3`` or ``R&D`` would do it) or
whose text is over 4096 characters, so everything a cog wrote is escaped, and long replies are cut
between lines — never inside a tag — into several messages; the keyboard goes on the last one.
"""

from __future__ import annotations

import hashlib
import html
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.kit.reply import Choice, Reply

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
BUTTONS_PER_ROW = 3
LONG_LABEL = 20
TONE_MARKERS = {"error": "⚠️ ", "warning": "⚠️ ", "success": "✅ "}
ELLIPSIS = "…"
# Attachments received from Telegram are referenced by file id, never by a URL holding the bot token.
FILE_URL_PREFIX = "telegram-file:"
ALIAS_PREFIX = "~"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def _split_plain(text: str, limit: int) -> list[str]:
    """Plain text in pieces whose *escaped* form fits ``limit``; cuts at a space when there is one."""
    pieces: list[str] = []
    while text:
        size = 0
        end = 0
        for index, char in enumerate(text):
            size += utf16_length(escape(char))
            if size > limit:
                break
            end = index + 1
        end = max(end, 1)
        if end >= len(text):
            pieces.append(text)
            break
        space = text.rfind(" ", 0, end)
        cut = space + 1 if space > end // 2 else end
        pieces.append(text[:cut].rstrip(" "))
        text = text[cut:]
    return pieces


def _lines(text: str, limit: int, *, wrap: tuple[str, str] = ("", "")) -> list[str]:
    """Escaped HTML lines of ``text``, each wrapped in ``wrap`` tags and at most ``limit`` long."""
    room = limit - utf16_length(wrap[0] + wrap[1])
    out: list[str] = []
    for line in text.split("\n"):
        out.extend(f"{wrap[0]}{escape(piece)}{wrap[1]}" if piece else "" for piece in _split_plain(line, room) or [""])
    return out


def reply_lines(reply: Reply, limit: int = TEXT_LIMIT) -> list[str]:
    """The reply as HTML lines, each a complete fragment (tags open and close on the same line)."""
    marker = TONE_MARKERS.get(reply.tone, "")
    lines: list[str] = []
    if reply.title:
        lines += _lines(marker + reply.title, limit, wrap=("<b>", "</b>"))
        marker = ""
    if reply.text:
        lines += _lines(marker + reply.text, limit)
    for item in reply.fields:
        if lines and lines[-1] != "":
            lines.append("")
        if "\n" in item.value or utf16_length(item.name + item.value) > 60:
            lines += _lines(item.name, limit, wrap=("<b>", "</b>"))
            lines += _lines(item.value, limit)
        else:
            lines.append(f"<b>{escape(item.name)}:</b> {escape(item.value)}")
    if reply.footer:
        if lines and lines[-1] != "":
            lines.append("")
        lines += _lines(reply.footer, limit, wrap=("<i>", "</i>"))
    return lines


def pack(lines: list[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Join lines into as few messages as fit; a message never starts or ends with blank lines."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        extra = utf16_length(line) + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current).strip("\n"))
            current, size = [], 0
            if not line:
                continue
            extra = utf16_length(line)
        current.append(line)
        size += extra
    if current:
        chunks.append("\n".join(current).strip("\n"))
    return [chunk for chunk in chunks if chunk.strip()]


def render_chunks(reply: Reply, limit: int = TEXT_LIMIT) -> list[str]:
    return pack(reply_lines(reply, limit), limit)


def render_single(reply: Reply, limit: int = TEXT_LIMIT) -> str:
    """One message only (an edit, a caption): cut after the last line that fits, marked with "…"."""
    chunks = render_chunks(reply, limit - 2)
    if not chunks:
        return ""
    return chunks[0] + ("\n" + ELLIPSIS if len(chunks) > 1 else "")


class ActionAliases:
    """Telegram caps callback data at 64 bytes: longer actions travel as a short hash remembered here."""

    def __init__(self, capacity: int = 5000) -> None:
        self._by_alias: OrderedDict[str, str] = OrderedDict()
        self._capacity = capacity

    def encode(self, action: str) -> str:
        if len(action.encode()) <= CALLBACK_DATA_LIMIT and not action.startswith(ALIAS_PREFIX):
            return action
        alias = ALIAS_PREFIX + hashlib.sha256(action.encode()).hexdigest()[:40]
        self._by_alias[alias] = action
        self._by_alias.move_to_end(alias)
        while len(self._by_alias) > self._capacity:
            self._by_alias.popitem(last=False)
        return alias

    def decode(self, data: str) -> str | None:
        """The action behind callback data; ``None`` for an alias forgotten since (a restart)."""
        if data.startswith(ALIAS_PREFIX):
            return self._by_alias.get(data)
        return data


def keyboard(choices: tuple[Choice, ...], aliases: ActionAliases) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    per_row = 1 if any(len(c.label) > LONG_LABEL for c in choices) else BUTTONS_PER_ROW
    buttons = [
        InlineKeyboardButton(c.label[:64] or "·", url=c.url) if c.url
        else InlineKeyboardButton(c.label[:64] or "·", callback_data=aliases.encode(c.action))
        for c in choices
    ]
    return InlineKeyboardMarkup([buttons[i:i + per_row] for i in range(0, len(buttons), per_row)])


@dataclass(frozen=True)
class Rendered:
    """What to send for one Reply: text chunks (HTML), the keyboard for the last one, and media."""

    chunks: list[str]
    markup: InlineKeyboardMarkup | None
    photo_file_id: str | None = None
    preview_url: str | None = None


def render(reply: Reply, aliases: ActionAliases) -> Rendered:
    markup = keyboard(reply.choices, aliases)
    chunks = render_chunks(reply)
    if not chunks and markup is not None:
        chunks = ["👇"]  # Telegram needs some text to carry a keyboard
    image = reply.image_url or ""
    if image.startswith(FILE_URL_PREFIX):
        return Rendered(chunks, markup, photo_file_id=image.removeprefix(FILE_URL_PREFIX))
    preview = image if image.startswith(("https://", "http://")) else None
    return Rendered(chunks, markup, preview_url=preview)
