"""Reading slash-command interactions: the command path, typed option values, autocomplete answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapters.discord.commands import LIMIT, SUB_COMMAND, SUB_COMMAND_GROUP
from bot.adapters.discord.convert import (
    PLATFORM,
    PlaceResolver,
    attachment_from_payload,
    unknown_user,
    user_from_payload,
)
from bot.kit.commands import Command, ParamKind
from bot.kit.platform import Attachment, Place, PlatformUser

USER, CHANNEL, ATTACHMENT = 6, 7, 11


@dataclass(frozen=True)
class Called:
    """What an application-command interaction asked for, before the kit parses it."""

    path: str
    options: list[dict[str, Any]]
    resolved: Mapping[str, Any]

    @property
    def focused(self) -> dict[str, Any] | None:
        return next((o for o in self.options if o.get("focused")), None)


def read_call(data: Mapping[str, Any]) -> Called:
    """Walk ``data.options`` through groups and subcommands to the leaf's options."""
    words = [str(data.get("name", ""))]
    options: list[dict[str, Any]] = list(data.get("options") or [])
    while options and options[0].get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
        words.append(str(options[0].get("name", "")))
        options = list(options[0].get("options") or [])
    return Called(" ".join(words), options, data.get("resolved") or {})


def _user(user_id: str, resolved: Mapping[str, Any]) -> PlatformUser:
    user = (resolved.get("users") or {}).get(user_id)
    if user is None:
        return unknown_user(user_id)
    return user_from_payload({"id": user_id, **user}, (resolved.get("members") or {}).get(user_id))


def _channel(channel_id: str, resolved: Mapping[str, Any], guild_id: int | None,
             places: PlaceResolver) -> Place:
    channel = (resolved.get("channels") or {}).get(channel_id) or {}
    found = places.from_payload({"id": channel_id, **channel}, guild_id)
    if found is not None:
        return found
    return Place(platform=PLATFORM, chat_id=channel_id, guild_id=str(guild_id) if guild_id else None)


def _attachment(attachment_id: str, resolved: Mapping[str, Any]) -> Attachment | str:
    data = (resolved.get("attachments") or {}).get(attachment_id)
    return attachment_from_payload(data) if data else attachment_id


def _snowflake(value: object) -> bool:
    text = str(value)
    return isinstance(value, str | int) and not isinstance(value, bool) and text.isascii() and text.isdigit()


def option_values(called: Called, guild_id: int | None, places: PlaceResolver) -> dict[str, object]:
    """Typed values by option name. Wrong or unknown ones are passed on: the kit names the problem."""
    values: dict[str, object] = {}
    for item in called.options:
        name, kind, value = str(item.get("name")), item.get("type"), item.get("value")
        if value is None:
            continue
        if kind in (USER, CHANNEL, ATTACHMENT) and not _snowflake(value):
            values[name] = value  # Discord sends ids here; anything else is passed on for the kit to refuse
        elif kind == USER:
            values[name] = _user(str(value), called.resolved)
        elif kind == CHANNEL:
            values[name] = _channel(str(value), called.resolved, guild_id, places)
        elif kind == ATTACHMENT:
            values[name] = _attachment(str(value), called.resolved)
        else:
            values[name] = value
    return values


def suggest(command: Command | None, called: Called) -> list[str]:
    """Choices for the option being typed: prefix matches first, then the rest that contain the text."""
    focused = called.focused
    if command is None or focused is None:
        return []
    param = next((p for p in command.params if p.name == focused.get("name")), None)
    if param is None or param.kind is not ParamKind.CHOICE:
        return []
    typed = str(focused.get("value") or "").strip().lower()
    starts = [c for c in param.choices if c.startswith(typed)]
    contains = [c for c in param.choices if typed in c and c not in starts]
    return (starts + contains)[:LIMIT]


def choice_payload(choices: Sequence[str]) -> list[dict[str, str]]:
    return [{"name": choice, "value": choice} for choice in choices]
