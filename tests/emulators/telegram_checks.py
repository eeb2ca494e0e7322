"""What the real Bot API refuses, so the Telegram emulator refuses it too.

Telegram answers ``400 Bad Request`` when HTML doesn't parse, a text is too long after parsing, a
button's callback data is over 64 bytes, or a command name is invalid. An adapter that escapes
badly or forgets to split long text must fail against the emulator as it would in production.
"""

from __future__ import annotations

import re
from typing import Any

# Tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
                "pre", "blockquote", "tg-emoji", "tg-time"}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^<>]*)?)>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024


class BadRequest(Exception):
    """Answered as ``{"ok": false, "error_code": 400, "description": "Bad Request: …"}``."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(name: str) -> str:
    if name in _NAMED:
        return _NAMED[name]
    return chr(int(name[2:], 16) if name.startswith("#x") else int(name[1:]))


def visible_html(text: str) -> str:
    """The text a user would see once Telegram parsed the HTML; raises BadRequest like Telegram."""
    out: list[str] = []
    stack: list[str] = []
    position = 0
    while position < len(text):
        char = text[position]
        if char == "<":
            tag = _TAG.match(text, position)
            if tag is None:
                raise BadRequest(f"can't parse entities: unsupported start tag at byte offset {position}")
            closing, name = tag.group(1) == "/", tag.group(2).lower()
            if name not in ALLOWED_TAGS:
                raise BadRequest(f'can\'t parse entities: unsupported start tag "{name}" at byte offset {position}')
            if closing:
                if not stack or stack.pop() != name:
                    raise BadRequest(f'can\'t parse entities: unmatched end tag "{name}" at byte offset {position}')
            else:
                stack.append(name)
            position = tag.end()
        elif char == "&":
            entity = _ENTITY.match(text, position)
            if entity is None:
                raise BadRequest(f"can't parse entities: unsupported entity at byte offset {position}")
            out.append(_decode_entity(entity.group(1)))
            position = entity.end()
        elif char == ">":
            raise BadRequest(f"can't parse entities: character '>' is reserved at byte offset {position}")
        else:
            out.append(char)
            position += 1
    if stack:
        raise BadRequest(f'can\'t parse entities: can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)


def check_text(text: str | None, parse_mode: str | None, *, limit: int = TEXT_LIMIT, caption: bool = False) -> str:
    """The visible text of a message or caption, after the checks Telegram makes."""
    if text is None or text == "":
        if caption:
            return ""
        raise BadRequest("message text is empty")
    visible = visible_html(text) if (parse_mode or "").upper() == "HTML" else text
    if not visible.strip() and not caption:
        raise BadRequest("text must be non-empty")
    if utf16_length(visible) > limit:
        raise BadRequest("message caption is too long" if caption else "message is too long")
    return visible


def check_keyboard(markup: Any) -> None:
    if markup is None:
        return
    if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
        raise BadRequest("can't parse reply keyboard markup JSON object")
    for row in markup["inline_keyboard"]:
        for button in row:
            if not button.get("text"):
                raise BadRequest("BUTTON_TEXT_EMPTY")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise BadRequest("BUTTON_DATA_INVALID")
            if data is None and not button.get("url"):
                raise BadRequest("BUTTON_TYPE_INVALID")


def check_commands(commands: Any) -> None:
    if not isinstance(commands, list) or len(commands) > 100:
        raise BadRequest("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not COMMAND_NAME.match(str(command.get("command", ""))):
            raise BadRequest("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")


def check_poll(question: str | None, options: Any) -> list[str]:
    if not question or len(question) > 300:
        raise BadRequest("POLL_QUESTION_INVALID")
    if not isinstance(options, list) or not 2 <= len(options) <= 12:
        raise BadRequest("POLL_OPTIONS_INVALID" if isinstance(options, list) else "can't parse options JSON object")
    texts = [option["text"] if isinstance(option, dict) else str(option) for option in options]
    if any(not 1 <= len(text) <= 100 for text in texts):
        raise BadRequest("POLL_OPTION_INVALID")
    return texts
