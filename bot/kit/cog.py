"""The shape of a feature: commands, button actions, deep links, event listeners and lifecycle hooks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.kit.commands import Command
from bot.kit.events import Event
from bot.kit.registry import Action, DeepLink

Listener = tuple[type[Event], Callable[[Any], Awaitable[None]]]


class Cog:
    """Base class of every feature. Override what the feature has; the defaults declare nothing.

    Cogs are built by their module's ``setup(services)`` function with every dependency passed in.
    """

    name = "cog"

    def commands(self) -> Sequence[Command]:
        return ()

    def actions(self) -> Sequence[Action]:
        return ()

    def deep_links(self) -> Sequence[DeepLink]:
        return ()

    def listeners(self) -> Sequence[Listener]:
        return ()

    async def start(self) -> None:
        """Called once the database and scheduler are up (schedule jobs here)."""

    async def stop(self) -> None:
        """Called on shutdown, before the database closes."""
