"""What a cog's ``setup()`` receives: every shared dependency, built once in ``bot/app.py``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import CollectorRegistry

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.context import Context
from bot.kit.platform import Platform
from bot.kit.registry import CommandRegistry
from bot.kit.reply import Reply
from cogs.members.service import MemberService
from cogs.points.engine import PointsEngine
from cogs.profile.sections import ProfileSections
from storage.database import Database

if TYPE_CHECKING:
    from bot.config import HearthConfig


class Platforms:
    """The platforms connected right now, by name; adapters register as they start."""

    def __init__(self) -> None:
        self._by_name: dict[str, Platform] = {}

    def add(self, platform: Platform) -> None:
        self._by_name[platform.name] = platform

    def remove(self, name: str) -> None:
        self._by_name.pop(name, None)

    def get(self, name: str) -> Platform | None:
        return self._by_name.get(name)

    def all(self) -> list[Platform]:
        return list(self._by_name.values())


class StartHandlers:
    """What a plain ``/start`` (no deep-link payload) shows: the first registered handler that answers.

    The help cog owns ``/start`` (and its deep links); onboarding registers here to welcome new members.
    """

    def __init__(self) -> None:
        self._handlers: list[Callable[[Context], Awaitable[Reply | None]]] = []

    def add(self, handler: Callable[[Context], Awaitable[Reply | None]]) -> None:
        self._handlers.append(handler)

    async def answer(self, ctx: Context) -> Reply | None:
        for handler in self._handlers:
            reply = await handler(ctx)
            if reply is not None:
                return reply
        return None


@dataclass(frozen=True)
class Services:
    config: HearthConfig
    database: Database
    bus: EventBus
    clock: Clock
    members: MemberService
    registry: CommandRegistry
    scheduler: AsyncIOScheduler
    web: web.Application
    platforms: Platforms
    instance_secret: bytes
    profile_sections: ProfileSections
    points: PointsEngine
    # Store webhook signing secrets by provider, from HEARTH_<PROVIDER>_WEBHOOK_SECRET.
    webhook_secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Plain /start hooks (onboarding), and the CRM webhook signing secret (HEARTH_CRM_WEBHOOK_SECRET).
    start_handlers: StartHandlers = field(default_factory=StartHandlers)
    crm_webhook_secret: str | None = field(default=None, repr=False)
    # Store Admin API tokens by provider (HEARTH_SHOPIFY_ADMIN_TOKEN), for features that call the store.
    store_api_tokens: Mapping[str, str] = field(default_factory=dict, repr=False)
    # The process's Prometheus registry (``GET /metrics``): features register collectors of their own figures.
    prometheus: CollectorRegistry | None = field(default=None, repr=False)
