"""An in-process event bus: listeners by event type, called in subscription order."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bot.kit.events import Event

log = logging.getLogger("hearth.bus")

E = TypeVar("E", bound=Event)
Listener = Callable[[Any], Awaitable[None]]


class EventBus:
    """Delivers each published event to the listeners of its type and of its base classes.

    A failing listener is logged and does not stop the others: one broken feature must not
    silence the rest of the community.
    """

    def __init__(self) -> None:
        self._listeners: dict[type[Event], list[Listener]] = defaultdict(list)
        self._dispatch_cache: dict[type[Event], tuple[Listener, ...]] = {}
        self.published = 0
        self.failures = 0

    def subscribe(self, event_type: type[E], listener: Callable[[E], Awaitable[None]]) -> None:
        self._listeners[event_type].append(listener)
        self._dispatch_cache.clear()

    def _listeners_for(self, event_type: type[Event]) -> tuple[Listener, ...]:
        cached = self._dispatch_cache.get(event_type)
        if cached is None:
            cached = tuple(
                listener
                for klass in event_type.__mro__
                if issubclass(klass, Event)
                for listener in self._listeners.get(klass, ())
            )
            self._dispatch_cache[event_type] = cached
        return cached

    def wants(self, event_type: type[Event]) -> bool:
        """Whether anyone listens: a hot path skips building events nobody would receive."""
        return bool(self._listeners_for(event_type))

    async def publish(self, event: Event) -> None:
        self.published += 1
        for listener in self._listeners_for(type(event)):
            try:
                await listener(event)
            except Exception:
                self.failures += 1
                log.exception("listener %s failed on %s", getattr(listener, "__qualname__", listener),
                              type(event).__name__)
