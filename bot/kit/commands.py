"""Commands declared once by cogs and rendered by every adapter.

A command's ``path`` is one to three lowercase words (``"profile"``, ``"mod report"``,
``"mod points grant"``): Discord renders the words as command / group / subcommand, Telegram
and the console read them from the text after the slash.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.kit.context import Context
    from bot.kit.reply import Reply

NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,32}$")
HELP_LIMIT = 100
# Discord allows command → group → subcommand; Telegram has no nesting, so three words is the cap.
MAX_PATH_WORDS = 3


class ParamKind(enum.Enum):
    TEXT = "text"
    INT = "int"
    CHOICE = "choice"
    MEMBER = "member"
    CHANNEL = "channel"
    ATTACHMENT = "attachment"
    DURATION = "duration"


class Permission(enum.IntEnum):
    """Who may run a command; higher values include the lower ones."""

    MEMBER = 0
    MODERATOR = 1
    ADMIN = 2


@dataclass(frozen=True)
class Param:
    """One typed argument of a command.

    ``rest=True`` on the last TEXT parameter makes it take the rest of the line (``/thanks @a great help``).
    """

    name: str
    kind: ParamKind
    help: str
    required: bool = True
    choices: tuple[str, ...] = ()
    rest: bool = False
    min_value: int | None = None
    max_value: int | None = None
    max_length: int | None = None

    def __post_init__(self) -> None:
        if not NAME_PATTERN.match(self.name):
            raise ValueError(f"parameter name {self.name!r} must match {NAME_PATTERN.pattern}")
        if len(self.help) > HELP_LIMIT:
            raise ValueError(f"parameter {self.name!r}: help is over {HELP_LIMIT} characters")
        if self.kind is ParamKind.CHOICE and not self.choices:
            raise ValueError(f"choice parameter {self.name!r} needs choices")
        if self.rest and self.kind is not ParamKind.TEXT:
            raise ValueError(f"only a text parameter can take the rest of the line ({self.name!r})")

    @property
    def placeholder(self) -> str:
        shown = "|".join(self.choices) if self.kind is ParamKind.CHOICE else self.name
        return f"<{shown}>" if self.required else f"[{shown}]"


Handler = Callable[["Context"], Awaitable["Reply | Sequence[Reply] | None"]]


@dataclass(frozen=True)
class Command:
    """A chat command: name path, help, typed parameters, permission and the handler to call."""

    path: str
    help: str
    handler: Handler = field(compare=False, repr=False)
    params: tuple[Param, ...] = ()
    permission: Permission = Permission.MEMBER
    # Where the command may run: "any", "guild" (a group/server) or "private" (a DM).
    scope: str = "any"
    examples: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        words = self.path.split(" ")
        if not 1 <= len(words) <= MAX_PATH_WORDS or not all(NAME_PATTERN.match(w) for w in words):
            raise ValueError(f"command path {self.path!r}: 1-3 words, each matching {NAME_PATTERN.pattern}")
        if not self.help or len(self.help) > HELP_LIMIT:
            raise ValueError(f"command {self.path!r}: help must be 1-{HELP_LIMIT} characters")
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"command {self.path!r}: duplicate parameter names")
        seen_optional = False
        for index, param in enumerate(self.params):
            if param.rest and index != len(self.params) - 1:
                raise ValueError(f"command {self.path!r}: only the last parameter may take the rest")
            if param.required and seen_optional:
                raise ValueError(f"command {self.path!r}: required parameter after an optional one")
            seen_optional = seen_optional or not param.required
        if self.scope not in {"any", "guild", "private"}:
            raise ValueError(f"command {self.path!r}: scope must be any, guild or private")

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.path.split(" "))

    @property
    def usage(self) -> str:
        parts = [f"/{self.path}", *(p.placeholder for p in self.params)]
        return " ".join(parts)


@dataclass(frozen=True)
class Arguments:
    """Parsed argument values by parameter name; absent optional parameters are missing."""

    values: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self.values.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self.values
