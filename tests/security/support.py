"""What the security tests share: the privileged commands of an app with every cog, handler spies, table
row counts, and well-formed arguments for any command.

Arguments are built from each command's declared parameters, so a moderator command added tomorrow is
covered without editing a list, and the invocation really reaches the handler when the caller may run it
(each platform test proves that with a moderator, so a refusal is the permission check and nothing else).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select

from bot.adapters.discord.commands import OPTION_TYPES
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.registry import Action, CommandRegistry
from bot.kit.reply import Reply
from cogs import AVAILABLE
from storage.database import Database
from storage.models import Base

# Every cog, not the default list: a cog that is off by default still gets its moderator commands checked.
ALL_COGS = "[cogs]\nenabled = [" + ", ".join(f'"{name}"' for name in AVAILABLE) + "]\n"
REFUSAL_WORDS = ("is for moderators only", "is for admins only")
SPIED = "spied: the handler ran"


def privileged_commands(registry: CommandRegistry) -> list[Command]:
    return [command for command in registry.all() if command.permission > Permission.MEMBER]


def privileged_actions(registry: CommandRegistry) -> list[Action]:
    # The registry has no public listing of actions; the tests read the same dict dispatch uses.
    return [action for action in registry._actions.values() if action.permission > Permission.MEMBER]


class HandlerSpy:
    """Wraps the handler of every privileged command and button action in the real registry.

    ``delegate=True`` runs the real handler after recording the call (a refusal test: any call fails it);
    ``delegate=False`` answers ``SPIED`` instead (the moderator check: proves the call got through without
    changing anything).
    """

    def __init__(self, registry: CommandRegistry) -> None:
        self.calls: list[str] = []
        self.delegate = True
        self.commands = privileged_commands(registry)
        self.actions = privileged_actions(registry)
        # Replacing entries of the dicts the dispatcher reads: commands are frozen dataclasses.
        for command in self.commands:
            registry._commands[command.path] = dataclasses.replace(command, handler=self._command(command))
        for action in self.actions:
            registry._actions[action.prefix] = dataclasses.replace(action, handler=self._action(action))

    def _command(self, command: Command) -> Callable[[Context], Awaitable[Any]]:
        async def spy(ctx: Context) -> Any:
            self.calls.append(command.path)
            return await command.handler(ctx) if self.delegate else Reply(text=SPIED)

        return spy

    def _action(self, action: Action) -> Callable[[Context, str], Awaitable[Any]]:
        async def spy(ctx: Context, rest: str) -> Any:
            self.calls.append(f"action {action.prefix}")
            return await action.handler(ctx, rest) if self.delegate else Reply(text=SPIED)

        return spy


async def row_counts(database: Database) -> dict[str, int]:
    """Rows in every table of the schema: a refused command must not change any of them."""
    counts: dict[str, int] = {}
    async with database.session() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int((await session.execute(select(func.count()).select_from(table))).scalar_one())
    return counts


def is_refusal(text: str) -> bool:
    return any(words in text for words in REFUSAL_WORDS) and "Traceback" not in text


def _int_value(param: Param) -> int:
    low = param.min_value if param.min_value is not None else 1
    return low if param.max_value is None else min(low, param.max_value)


def _plain_value(param: Param) -> str | int:
    """A valid value for a non-member, non-channel parameter."""
    if param.kind is ParamKind.INT:
        return _int_value(param)
    if param.kind is ParamKind.CHOICE:
        return param.choices[0]
    if param.kind is ParamKind.DURATION:
        return "1h"
    return "security"


def required(command: Command) -> list[Param]:
    # Optional parameters all come after the required ones (Command enforces it).
    return [param for param in command.params if param.required]


def text_arguments(command: Command, member: str, channel: str) -> str:
    """``/path`` followed by a valid value for each required parameter, as typed in a text chat."""
    parts = [f"/{command.path}"]
    for param in required(command):
        if param.kind is ParamKind.ATTACHMENT:
            raise AssertionError(f"/{command.path}: a required attachment can't be typed; extend the test")
        if param.kind is ParamKind.MEMBER:
            parts.append(member)
        elif param.kind is ParamKind.CHANNEL:
            parts.append(channel)
        else:
            parts.append(str(_plain_value(param)))
    return " ".join(parts)


def discord_options(command: Command, member_id: str, channel_id: str) -> dict[str, Any]:
    """The ``data`` of a Discord slash interaction for ``command`` with valid options (no ``resolved``)."""
    options: list[dict[str, Any]] = []
    for param in required(command):
        if param.kind is ParamKind.ATTACHMENT:
            raise AssertionError(f"/{command.path}: a required attachment needs resolved data; extend the test")
        value: Any = (member_id if param.kind is ParamKind.MEMBER else channel_id if param.kind is ParamKind.CHANNEL
                      else _plain_value(param))
        options.append({"name": param.name, "type": OPTION_TYPES[param.kind], "value": value})
    words = command.words
    if len(words) == 3:
        options = [{"name": words[1], "type": 2, "options": [{"name": words[2], "type": 1, "options": options}]}]
    elif len(words) == 2:
        options = [{"name": words[1], "type": 1, "options": options}]
    return {"name": words[0], "type": 1, "options": options}
