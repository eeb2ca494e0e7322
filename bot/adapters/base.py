"""What every chat adapter gets, and what the runtime asks of it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.dispatch import Dispatcher
from bot.kit.platform import Platform
from bot.web.metrics import HearthMetrics

if TYPE_CHECKING:
    from bot.config import HearthConfig
    from bot.secrets import Secrets


@dataclass(frozen=True)
class AdapterDeps:
    config: HearthConfig
    secrets: Secrets
    dispatcher: Dispatcher
    bus: EventBus
    clock: Clock
    metrics: HearthMetrics
    web: web.Application


class Adapter(Protocol):
    """A connection to one chat platform. ``start`` returns once connected; ``stop`` is idempotent."""

    platform: Platform

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
