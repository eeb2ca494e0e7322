"""What Discord's API refuses, so the emulator refuses it too (``400 Invalid Form Body``, code 50035).

An adapter that sends a 257-character embed title, a sixth button in a row, a required option after an
optional one or a description over 100 characters must fail against the emulator as it would on Discord.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
OPTION_TYPES = set(range(3, 12))


class Invalid(Exception):
    """Answered as ``{"message": "Invalid Form Body", "code": 50035, "errors": {"<field>": …}}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    @property
    def body(self) -> dict[str, Any]:
        return {"message": "Invalid Form Body", "code": 50035,
                "errors": {self.field: {"_errors": [{"code": "BASE_TYPE_BAD", "message": self.message}]}}}


def _limit(field: str, value: Any, limit: int, *, required: bool = False) -> None:
    if value is None:
        if required:
            raise Invalid(field, "This field is required")
        return
    if not isinstance(value, str) or (required and not value.strip()):
        raise Invalid(field, "Must be a non-empty string")
    if len(value) > limit:
        raise Invalid(field, f"Must be {limit} or fewer in length.")


def _embed(embed: dict[str, Any], field: str) -> None:
    _limit(f"{field}.title", embed.get("title"), 256)
    _limit(f"{field}.description", embed.get("description"), 4096)
    fields = embed.get("fields") or []
    if len(fields) > 25:
        raise Invalid(f"{field}.fields", "Must be 25 or fewer in length.")
    for n, item in enumerate(fields):
        _limit(f"{field}.fields.{n}.name", item.get("name"), 256, required=True)
        _limit(f"{field}.fields.{n}.value", item.get("value"), 1024, required=True)
    _limit(f"{field}.footer.text", (embed.get("footer") or {}).get("text"), 2048)
    total = sum(len(str(embed.get(k) or "")) for k in ("title", "description"))
    total += sum(len(f.get("name", "")) + len(f.get("value", "")) for f in fields)
    total += len((embed.get("footer") or {}).get("text") or "")
    if total > 6000:
        raise Invalid(field, "Embed size exceeds maximum size of 6000")


def _buttons(components: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    if len(components) > 5:
        raise Invalid("components", "Must be 5 or fewer in length.")
    for n, row in enumerate(components):
        if row.get("type") != 1 or not 1 <= len(row.get("components") or []) <= 5:
            raise Invalid(f"components.{n}", "An action row holds 1 to 5 components")
        yield from row["components"]


def message(body: dict[str, Any] | None, *, files: int = 0, edit: bool = False) -> None:
    """A message create/edit body, an interaction response's ``data`` or a followup."""
    body = body or {}
    _limit("content", body.get("content"), 2000)
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        raise Invalid("embeds", "Must be 10 or fewer in length.")
    for n, embed in enumerate(embeds):
        _embed(embed, f"embeds.{n}")
    custom_ids: set[str] = set()
    for button in _buttons(body.get("components") or []):
        _limit("components.label", button.get("label"), 80)
        if button.get("style") == 5:
            if not button.get("url") or button.get("custom_id"):
                raise Invalid("components.url", "A link button has a url and no custom_id")
        else:
            _limit("components.custom_id", button.get("custom_id"), 100, required=True)
            if button["custom_id"] in custom_ids:
                raise Invalid("components.custom_id", "Component custom id cannot be duplicated")
            custom_ids.add(button["custom_id"])
    poll = body.get("poll")
    if poll is not None:
        _limit("poll.question.text", (poll.get("question") or {}).get("text"), 300, required=True)
        answers = poll.get("answers") or []
        if not 1 <= len(answers) <= 10:
            raise Invalid("poll.answers", "Must be between 1 and 10 in length.")
        for n, answer in enumerate(answers):
            _limit(f"poll.answers.{n}.poll_media.text", (answer.get("poll_media") or {}).get("text"), 55,
                   required=True)
        if not 1 <= int(poll.get("duration") or 24) <= 768:
            raise Invalid("poll.duration", "Must be between 1 and 768")
    if not edit and not (body.get("content") or embeds or body.get("components") or poll or files
                         or body.get("sticker_ids")):
        raise Invalid("content", "Cannot send an empty message")


def _option(option: dict[str, Any], field: str, depth: int) -> None:
    """``depth`` 0 is a top-level command; its options are at depth 1, a group's subcommands at 2."""
    name = option.get("name", "")
    if not COMMAND_NAME.match(name) or name != name.lower():
        raise Invalid(f"{field}.name", "Command name is invalid")
    _limit(f"{field}.description", option.get("description"), 100, required=True)
    kind = option.get("type")
    children = option.get("options") or []
    if len(children) > 25:
        raise Invalid(f"{field}.options", "Must be 25 or fewer in length.")
    if depth > 0:
        if (kind == SUB_COMMAND_GROUP and depth != 1) or (kind == SUB_COMMAND and depth > 2):
            raise Invalid(f"{field}.type", "Sub-commands nest at most command → group → subcommand")
        if kind not in (SUB_COMMAND, SUB_COMMAND_GROUP) and kind not in OPTION_TYPES:
            raise Invalid(f"{field}.type", "Unknown option type")
    if kind == SUB_COMMAND_GROUP and any(c.get("type") != SUB_COMMAND for c in children):
        raise Invalid(f"{field}.options", "A group holds only subcommands")
    if kind not in (SUB_COMMAND, SUB_COMMAND_GROUP) and depth > 0 and children:
        raise Invalid(f"{field}.options", "Only commands, groups and subcommands have options")
    choices = option.get("choices") or []
    if len(choices) > 25 or (choices and option.get("autocomplete")):
        raise Invalid(f"{field}.choices", "At most 25 choices, and never with autocomplete")
    _options(children, field, depth + 1)


def _options(options: list[dict[str, Any]], field: str, depth: int) -> None:
    plain = [o for o in options if o.get("type") not in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if plain and len(plain) != len(options):
        raise Invalid(f"{field}.options", "Sub-commands and options can't be mixed")
    required = [bool(o.get("required")) for o in plain]
    if required != sorted(required, reverse=True):
        raise Invalid(f"{field}.options", "Required options must be placed before non-required options")
    for n, child in enumerate(options):
        _option(child, f"{field}.options.{n}", depth)


def commands(payload: Any) -> None:
    """A bulk overwrite of application commands."""
    if not isinstance(payload, list) or len(payload) > 100:
        raise Invalid("_", "Must be a list of 100 or fewer commands")
    names = [c.get("name") for c in payload]
    if len(set(names)) != len(names):
        raise Invalid("_", "Application command names must be unique")
    for n, command in enumerate(payload):
        if command.get("type", 1) != 1:
            continue  # context-menu commands: no description, no options
        _option(command, str(n), 0)
        permissions = command.get("default_member_permissions")
        if permissions is not None and not str(permissions).isdigit():
            raise Invalid(f"{n}.default_member_permissions", "Must be a permission bit set, as a string")


def autocomplete(data: dict[str, Any]) -> None:
    if len(data.get("choices") or []) > 25:
        raise Invalid("data.choices", "Must be 25 or fewer in length.")
