"""Kit commands rendered as Discord application (slash) commands, as the JSON Discord's API takes.

Path words become command / group / subcommand: ``"mod points grant"`` is command ``mod``, group
``points``, subcommand ``grant``. Discord sets visibility (``default_member_permissions``) and where a
command appears (``contexts``) on the top-level command only, so a top word is hidden behind Manage
Server (or the configured permission) when everything under it is for moderators.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.adapters.discord.permissions import default_member_permissions
from bot.kit.commands import Command, Param, ParamKind, Permission

CHAT_INPUT = 1
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
OPTION_TYPES = {
    ParamKind.TEXT: 3,
    ParamKind.DURATION: 3,
    ParamKind.CHOICE: 3,
    ParamKind.INT: 4,
    ParamKind.MEMBER: 6,
    ParamKind.CHANNEL: 7,
    ParamKind.ATTACHMENT: 11,
}
# Text, announcement and forum/media channels and their threads: places a post can go.
POSTABLE_CHANNEL_TYPES = [0, 5, 10, 11, 12, 15, 16]
CONTEXT_GUILD, CONTEXT_BOT_DM = 0, 1
GUILD_INSTALL = 0
LIMIT = 25  # options per command, subcommands per group, choices per option
MAX_TOP_LEVEL = 100
DESCRIPTION_LIMIT = 100
DURATION_HINT = " (e.g. 30m, 2h, 1d)"


class CommandTreeError(ValueError):
    """The commands can't be shown on Discord as declared; ``problems`` says what to change."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _clip(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def option(param: Param) -> dict[str, Any]:
    help_text = param.help + DURATION_HINT if param.kind is ParamKind.DURATION else param.help
    rendered: dict[str, Any] = {"type": OPTION_TYPES[param.kind], "name": param.name,
                                "description": _clip(help_text), "required": param.required}
    if param.kind is ParamKind.CHOICE:
        if len(param.choices) <= LIMIT:
            rendered["choices"] = [{"name": choice, "value": choice} for choice in param.choices]
        else:
            # More than Discord lists: the user types and Hearth suggests (see options.suggest).
            rendered["autocomplete"] = True
    if param.kind is ParamKind.INT:
        if param.min_value is not None:
            rendered["min_value"] = param.min_value
        if param.max_value is not None:
            rendered["max_value"] = param.max_value
    if param.kind in (ParamKind.TEXT, ParamKind.DURATION) and param.max_length is not None:
        rendered["max_length"] = max(1, min(param.max_length, 6000))
    if param.kind is ParamKind.CHANNEL:
        rendered["channel_types"] = list(POSTABLE_CHANNEL_TYPES)
    return rendered


def _leaf(command: Command, name: str, kind: int | None) -> dict[str, Any]:
    rendered: dict[str, Any] = {"name": name, "description": command.help,
                                "options": [option(p) for p in command.params]}
    if kind is not None:
        rendered["type"] = kind
    return rendered


def _group_description(prefix: str, names: Iterable[str]) -> str:
    return _clip(f"/{prefix}: " + ", ".join(names))


def _contexts(commands: Sequence[Command]) -> list[int]:
    contexts: set[int] = set()
    for command in commands:
        if command.permission > Permission.MEMBER or command.scope == "guild":
            contexts.add(CONTEXT_GUILD)
        elif command.scope == "private":
            contexts.add(CONTEXT_BOT_DM)
        else:
            contexts.update((CONTEXT_GUILD, CONTEXT_BOT_DM))
    return sorted(contexts)


def render_top(word: str, commands: Sequence[Command], *, moderator_permission: str,
               global_scope: bool) -> dict[str, Any]:
    """One top-level application command for every kit command whose path starts with ``word``."""
    if len(commands) == 1 and commands[0].words == (word,):
        rendered = _leaf(commands[0], word, None)
    else:
        groups: dict[str, list[Command]] = defaultdict(list)
        options: list[dict[str, Any]] = []
        for command in commands:
            if len(command.words) == 2:
                options.append(_leaf(command, command.words[1], SUB_COMMAND))
            else:
                groups[command.words[1]].append(command)
        for name, members in groups.items():
            options.append({"type": SUB_COMMAND_GROUP, "name": name,
                            "description": _group_description(f"{word} {name}", (c.words[2] for c in members)),
                            "options": [_leaf(c, c.words[2], SUB_COMMAND) for c in members]})
        options.sort(key=lambda o: o["name"])
        rendered = {"name": word, "description": _group_description(word, (o["name"] for o in options)),
                    "options": options}
    rendered["type"] = CHAT_INPUT
    lowest = min(command.permission for command in commands)
    rendered["default_member_permissions"] = default_member_permissions(lowest, moderator_permission)
    if global_scope:
        rendered["contexts"] = _contexts(commands)
        rendered["integration_types"] = [GUILD_INSTALL]
    return rendered


def _check(rendered: list[dict[str, Any]]) -> None:
    problems: list[str] = []
    if len(rendered) > MAX_TOP_LEVEL:
        problems.append(f"{len(rendered)} top-level commands; Discord allows {MAX_TOP_LEVEL}")

    def walk(item: dict[str, Any], path: str) -> None:
        children = item.get("options") or []
        if len(children) > LIMIT:
            problems.append(f"/{path} has {len(children)} options or subcommands; Discord allows {LIMIT}")
        for child in children:
            if len(child.get("choices") or ()) > LIMIT:
                problems.append(f"/{path} {child['name']}: more than {LIMIT} choices")
            for choice in child.get("choices") or ():
                if len(choice["value"]) > DESCRIPTION_LIMIT:
                    problems.append(f"/{path} {child['name']}: choice {choice['value'][:20]!r}… is too long")
            if child.get("type") in (SUB_COMMAND, SUB_COMMAND_GROUP):
                walk(child, f"{path} {child['name']}")

    for item in rendered:
        walk(item, item["name"])
    if problems:
        raise CommandTreeError(problems)


def render_commands(commands: Iterable[Command], *, moderator_permission: str = "manage_guild",
                    global_scope: bool = False) -> list[dict[str, Any]]:
    """The payload for a bulk overwrite of one scope (a guild, or global when ``global_scope``)."""
    by_top: dict[str, list[Command]] = defaultdict(list)
    for command in sorted(commands, key=lambda c: c.path):
        by_top[command.words[0]].append(command)
    rendered = [render_top(word, members, moderator_permission=moderator_permission, global_scope=global_scope)
                for word, members in sorted(by_top.items())]
    _check(rendered)
    return rendered


@dataclass(frozen=True)
class SyncTarget:
    """One scope to overwrite: a guild id, or ``None`` for the global commands."""

    guild_id: int | None
    commands: list[dict[str, Any]]

    @property
    def label(self) -> str:
        return f"server {self.guild_id}" if self.guild_id is not None else "global"


def plan_sync(commands: Sequence[Command], guild_ids: Sequence[int], *, moderator_permission: str,
              include_global: bool = True) -> list[SyncTarget]:
    """Servers get the community's commands (instant updates); DM-only commands, or everything when no
    server is configured, are global. The global list is always written so stale global copies go away."""
    if not guild_ids:
        return [SyncTarget(None, render_commands(commands, moderator_permission=moderator_permission,
                                                 global_scope=True))]
    in_guild = [c for c in commands if c.scope != "private"]
    targets = [SyncTarget(g, render_commands(in_guild, moderator_permission=moderator_permission))
               for g in guild_ids]
    if include_global:
        private = [c for c in commands if c.scope == "private"]
        targets.append(SyncTarget(None, render_commands(private, moderator_permission=moderator_permission,
                                                        global_scope=True)))
    return targets


_OPTION_KEYS = ("type", "name", "description", "required", "choices", "min_value", "max_value",
                "min_length", "max_length", "autocomplete", "channel_types")


def _comparable_option(item: dict[str, Any]) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for key in _OPTION_KEYS:
        value = item.get(key)
        if value in (None, False, []):  # Discord omits defaults in what it returns
            continue
        if key == "choices":
            value = [(c.get("name"), c.get("value")) for c in value]
        elif key == "channel_types":
            value = sorted(value)
        shown[key] = value
    if item.get("options"):
        shown["options"] = [_comparable_option(child) for child in item["options"]]
    return shown


def comparable(command: dict[str, Any], *, global_scope: bool) -> dict[str, Any]:
    """The parts of a command that matter, normalised so Discord's answer compares with our payload."""
    shown = _comparable_option({**command, "type": command.get("type") or CHAT_INPUT})
    permissions = command.get("default_member_permissions")
    shown["default_member_permissions"] = str(permissions) if permissions not in (None, "") else None
    if global_scope:
        shown["contexts"] = sorted(command.get("contexts") or [])
    return shown


@dataclass(frozen=True)
class TreeDiff:
    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


def diff(current: Sequence[dict[str, Any]], wanted: Sequence[dict[str, Any]], *, global_scope: bool) -> TreeDiff:
    # A bulk overwrite also removes context-menu commands some other tool registered: list them as removed.
    have = {(c["name"] if c.get("type", CHAT_INPUT) == CHAT_INPUT else f"{c['name']} (context menu)"):
            comparable(c, global_scope=global_scope) for c in current}
    want = {c["name"]: comparable(c, global_scope=global_scope) for c in wanted}
    return TreeDiff(
        added=sorted(set(want) - set(have)),
        changed=sorted(n for n in set(want) & set(have) if want[n] != have[n]),
        removed=sorted(set(have) - set(want)),
        unchanged=sorted(n for n in set(want) & set(have) if want[n] == have[n]),
    )
