"""Turning what a user typed (or what Discord sent as options) into typed argument values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bot.kit.commands import Arguments, Command, Param, ParamKind
from bot.kit.platform import Attachment, Place, PlatformUser

# A token is a quoted string ("…", “…”, '…') or a run of non-space characters.
_TOKEN = re.compile(r"\"([^\"]*)\"|“([^”]*)”|'([^']*)'|(\S+)")
_DURATION_PART = re.compile(r"(\d+)\s*(w|d|h|m|s)", re.IGNORECASE)
_DURATION_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes", "s": "seconds"}
_MENTION_ID = re.compile(r"^<@!?(\d+)>$")
_CHANNEL_ID = re.compile(r"^<#(\d+)>$")
MAX_DURATION = timedelta(days=366)


class ArgumentError(ValueError):
    """The input does not fit the command; the message says what to fix, in one sentence."""


@dataclass(frozen=True)
class Token:
    value: str
    start: int


def tokenize(text: str) -> list[Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        value = next(group for group in match.groups() if group is not None)
        tokens.append(Token(value, match.start()))
    return tokens


def parse_duration(text: str) -> timedelta:
    """``90m``, ``2h``, ``1d12h``, ``1w`` → timedelta; bare numbers are minutes."""
    cleaned = text.strip().lower().replace(" ", "")
    if cleaned.isdigit():
        cleaned += "m"
    position, total = 0, timedelta()
    for part in _DURATION_PART.finditer(cleaned):
        if part.start() != position:
            break
        total += timedelta(**{_DURATION_UNITS[part.group(2)]: int(part.group(1))})
        position = part.end()
    if not cleaned or position != len(cleaned):
        raise ArgumentError(f"'{text}' is not a duration: use e.g. 30m, 2h, 1d or 1w")
    if total <= timedelta() or total > MAX_DURATION:
        raise ArgumentError(f"'{text}' is out of range: a duration is between 1 minute and 366 days")
    return total


@dataclass(frozen=True)
class TextInput:
    """Everything a text platform knows about a command line besides the words themselves."""

    platform: str
    mentions: tuple[PlatformUser, ...] = ()
    reply_to_user: PlatformUser | None = None
    attachments: tuple[Attachment, ...] = ()


def _member_from_token(token: str, source: TextInput) -> PlatformUser | None:
    id_match = _MENTION_ID.match(token)
    if id_match:
        user_id = id_match.group(1)
        for user in source.mentions:
            if user.user_id == user_id:
                return user
        return PlatformUser(platform=source.platform, user_id=user_id, display_name=user_id)
    if token.startswith("@") and len(token) > 1:
        name = token[1:].lower()
        for user in source.mentions:
            if (user.username or "").lower() == name or user.display_name.lower() == name:
                return user
        raise ArgumentError(f"I can't find {token}: mention them so the name is highlighted, or reply to them")
    return None


def _channel_from_token(token: str, platform: str) -> Place | None:
    id_match = _CHANNEL_ID.match(token)
    if id_match:
        return Place(platform=platform, chat_id=id_match.group(1))
    if token.startswith("#") and len(token) > 1:
        return Place(platform=platform, chat_id=token[1:])
    if token.lstrip("-").isdigit():
        return Place(platform=platform, chat_id=token)
    return None


def convert_value(param: Param, raw: Any) -> Any:
    """Validate one already-typed or text value against the parameter's rules."""
    if param.kind is ParamKind.INT:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise ArgumentError(f"{param.name} must be a whole number, not '{raw}'") from None
        if param.min_value is not None and value < param.min_value:
            raise ArgumentError(f"{param.name} must be at least {param.min_value}")
        if param.max_value is not None and value > param.max_value:
            raise ArgumentError(f"{param.name} must be at most {param.max_value}")
        return value
    if param.kind is ParamKind.CHOICE:
        value = str(raw).lower()
        if value not in param.choices:
            raise ArgumentError(f"{param.name} must be one of: {', '.join(param.choices)}")
        return value
    if param.kind is ParamKind.DURATION:
        return raw if isinstance(raw, timedelta) else parse_duration(str(raw))
    if param.kind is ParamKind.TEXT:
        value = str(raw).strip()
        if not value:
            raise ArgumentError(f"{param.name} can't be empty")
        if param.max_length is not None and len(value) > param.max_length:
            raise ArgumentError(f"{param.name} is {len(value)} characters; the limit is {param.max_length}")
        return value
    return raw


def parse_text(command: Command, text: str, source: TextInput) -> Arguments:
    """Parse the text after the command words, e.g. ``@alice 50 "great answer"``."""
    tokens = tokenize(text)
    index = 0
    values: dict[str, Any] = {}
    attachments = list(source.attachments)
    for param in command.params:
        if param.kind is ParamKind.ATTACHMENT:
            if attachments:
                values[param.name] = attachments.pop(0)
            elif param.required:
                raise ArgumentError(f"attach a file for {param.name}")
            continue
        if param.kind is ParamKind.MEMBER:
            token = tokens[index].value if index < len(tokens) else None
            user = _member_from_token(token, source) if token else None
            if user is not None:
                index += 1
            elif source.reply_to_user is not None:
                user = source.reply_to_user
            if user is not None:
                values[param.name] = user
            elif param.required:
                raise ArgumentError("say who: @mention them, or reply to one of their messages")
            continue
        if index >= len(tokens):
            if param.required:
                raise ArgumentError(f"{param.name} is missing")
            continue
        token = tokens[index]
        if param.kind is ParamKind.CHANNEL:
            place = _channel_from_token(token.value, source.platform)
            if place is None:
                if param.required:
                    raise ArgumentError(f"{param.name} must be a channel, like #general")
                continue
            values[param.name] = place
            index += 1
            continue
        if param.rest:
            values[param.name] = convert_value(param, text[token.start:])
            index = len(tokens)
            continue
        values[param.name] = convert_value(param, token.value)
        index += 1
    if index < len(tokens):
        extra = " ".join(t.value for t in tokens[index:])
        raise ArgumentError(f"I didn't expect '{extra}'")
    return Arguments(values)


def parse_options(command: Command, options: Mapping[str, Any]) -> Arguments:
    """Validate options a structured platform (Discord) already typed: members, channels, files."""
    values: dict[str, Any] = {}
    known = {p.name for p in command.params}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ArgumentError(f"unknown option {unknown[0]}")
    for param in command.params:
        raw = options.get(param.name)
        if raw is None or raw == "":
            if param.required:
                raise ArgumentError(f"{param.name} is missing")
            continue
        expected: tuple[type, ...] | None = {
            ParamKind.MEMBER: (PlatformUser,),
            ParamKind.CHANNEL: (Place,),
            ParamKind.ATTACHMENT: (Attachment,),
        }.get(param.kind)
        if expected is not None and not isinstance(raw, expected):
            raise ArgumentError(f"{param.name} has the wrong type")
        values[param.name] = convert_value(param, raw)
    return Arguments(values)
