"""Every command, button action and deep-link prefix the enabled cogs declared."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.kit.commands import NAME_PATTERN, Command, Permission

if TYPE_CHECKING:
    from bot.kit.context import Context
    from bot.kit.reply import Reply

ActionHandler = Callable[["Context", str], Awaitable["Reply | None"]]


@dataclass(frozen=True)
class Action:
    """A button callback: ``prefix`` routes ``"prefix:rest"`` actions to ``handler(ctx, rest)``."""

    prefix: str
    handler: ActionHandler
    permission: Permission = Permission.MEMBER


@dataclass(frozen=True)
class DeepLink:
    """A ``/start <prefix>_<rest>`` payload owner (Telegram deep links, console `/start`)."""

    prefix: str
    handler: ActionHandler


class CommandRegistry:
    def __init__(self) -> None:
        self._commands: dict[str, Command] = {}
        self._actions: dict[str, Action] = {}
        self._deep_links: dict[str, DeepLink] = {}

    def add(self, command: Command) -> None:
        if command.path in self._commands:
            raise ValueError(f"command /{command.path} is declared twice")
        for other in self._commands.values():
            shorter, longer = sorted((command.words, other.words), key=len)
            if len(shorter) < len(longer) and longer[: len(shorter)] == shorter:
                # Discord can't have /mod both as a command and as a group of subcommands.
                raise ValueError(f"/{' '.join(shorter)} can't be both a command and a group")
        self._commands[command.path] = command

    def add_all(self, commands: Iterable[Command]) -> None:
        for command in commands:
            self.add(command)

    def add_action(self, action: Action) -> None:
        if not NAME_PATTERN.match(action.prefix) or action.prefix in self._actions:
            raise ValueError(f"action prefix {action.prefix!r} is invalid or taken")
        self._actions[action.prefix] = action

    def add_deep_link(self, link: DeepLink) -> None:
        if not NAME_PATTERN.match(link.prefix) or link.prefix in self._deep_links:
            raise ValueError(f"deep-link prefix {link.prefix!r} is invalid or taken")
        self._deep_links[link.prefix] = link

    def get(self, path: str) -> Command | None:
        return self._commands.get(path)

    def all(self) -> list[Command]:
        return sorted(self._commands.values(), key=lambda c: c.path)

    def visible_to(self, role: Permission) -> list[Command]:
        return [c for c in self.all() if c.permission <= role]

    def match(self, words: list[str]) -> tuple[Command | None, int]:
        """The command named by the first words (longest match), and how many words it used."""
        for length in range(min(3, len(words)), 0, -1):
            command = self._commands.get(" ".join(words[:length]).lower())
            if command is not None:
                return command, length
        return None, 0

    def group(self, prefix: str) -> list[Command]:
        """Commands under a group, e.g. every ``/mod points …`` for ``"mod points"``."""
        words = prefix.split()
        return [c for c in self.all() if list(c.words[: len(words)]) == words and len(c.words) > len(words)]

    def action(self, action: str) -> tuple[Action | None, str]:
        prefix, _, rest = action.partition(":")
        return self._actions.get(prefix), rest

    def deep_link(self, payload: str) -> tuple[DeepLink | None, str]:
        prefix, _, rest = payload.partition("_")
        return self._deep_links.get(prefix), rest
