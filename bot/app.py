"""The composition root: builds every service once, wires cogs and adapters, starts and stops them in order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import text

from bot.adapters.base import Adapter, AdapterDeps
from bot.config import HearthConfig
from bot.jobs import RunningJobs
from bot.kit.bus import EventBus
from bot.kit.clock import Clock, SystemClock
from bot.kit.cog import Cog
from bot.kit.dispatch import Dispatcher
from bot.kit.events import MemberForgotten
from bot.kit.registry import CommandRegistry
from bot.secrets import Secrets
from bot.web.metrics import HearthMetrics
from bot.web.server import WebServer, build_web_app
from cogs import load_cogs
from cogs.members.service import MemberService
from cogs.points.engine import PointsEngine
from cogs.points.rules import RuleBook
from cogs.profile.sections import ProfileSections
from cogs.services import Platforms, Services
from storage.database import Database
from storage.migrate import DatabaseProblem, SchemaState, newer_schema_message, schema_status

log = logging.getLogger("hearth")
# SIGTERM to exit stays within a few seconds (systemd and Docker wait 10 s or more before SIGKILL).
JOB_DRAIN_SECONDS = 5.0


class Hearth:
    """One Hearth process. Construct, ``await start(...)``, and ``await stop()`` on shutdown."""

    def __init__(self, config: HearthConfig, secrets: Secrets, *, clock: Clock | None = None) -> None:
        self.config = config
        self.secrets = secrets
        self.clock = clock or SystemClock()
        self.database = Database(config.database.url)
        self.bus = EventBus()
        self.registry = CommandRegistry()
        self.metrics = HearthMetrics(self.bus)
        self.members = MemberService(self.database, self.bus, self.clock, secrets.instance,
                                     timedelta(minutes=config.link.code_ttl_minutes))
        self.dispatcher = Dispatcher(self.registry, self.members, self.bus, self.clock,
                                     observe=lambda platform, status: self.metrics.commands.labels(
                                         platform, status).inc())
        self.timezone = ZoneInfo(config.community.timezone)
        self.points = PointsEngine(self.database, self.bus, self.clock, RuleBook(config.points, self.timezone),
                                   self.timezone, writer=config.points.writer)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.jobs = RunningJobs(self.scheduler)
        self.web_app = build_web_app(self.metrics, self.health)
        self.platforms = Platforms()
        self.services = Services(
            config=config, database=self.database, bus=self.bus, clock=self.clock, members=self.members,
            registry=self.registry, scheduler=self.scheduler, web=self.web_app, platforms=self.platforms,
            instance_secret=secrets.instance, profile_sections=ProfileSections(), points=self.points,
            webhook_secrets=secrets.webhook, store_api_tokens=secrets.store_api,
            crm_webhook_secret=secrets.crm_webhook, prometheus=self.metrics.registry,
        )
        self.bus.subscribe(MemberForgotten, self._forget_cached)
        self.cogs: list[Cog] = load_cogs(config.cogs.enabled, self.services)
        for cog in self.cogs:
            self._register(cog)
        self.adapters: list[Adapter] = []
        self.web_server: WebServer | None = None
        self._started_cogs: list[Cog] = []
        self._points_started = False

    async def _forget_cached(self, event: MemberForgotten) -> None:
        self.members.forget(event.platform_users, event.member_id)
        self.points.ranks.remove(event.member_id)

    def _register(self, cog: Cog) -> None:
        self.registry.add_all(cog.commands())
        for action in cog.actions():
            self.registry.add_action(action)
        for link in cog.deep_links():
            self.registry.add_deep_link(link)
        for event_type, listener in cog.listeners():
            self.bus.subscribe(event_type, listener)

    @property
    def adapter_deps(self) -> AdapterDeps:
        return AdapterDeps(config=self.config, secrets=self.secrets, dispatcher=self.dispatcher, bus=self.bus,
                           clock=self.clock, metrics=self.metrics, web=self.web_app)

    def chat_adapters(self) -> list[Adapter]:
        """The Discord and Telegram adapters whose tokens are set (imported only when needed)."""
        adapters: list[Adapter] = []
        if self.secrets.discord_token:
            from bot.adapters.discord import DiscordAdapter

            adapters.append(DiscordAdapter(self.adapter_deps))
        if self.secrets.telegram_token:
            from bot.adapters.telegram import TelegramAdapter

            adapters.append(TelegramAdapter(self.adapter_deps))
        return adapters

    async def health(self) -> dict[str, str]:
        try:
            async with self.database.session() as session:
                await session.execute(text("SELECT 1"))
            database = "ok"
        except Exception as error:
            database = f"error: {type(error).__name__}"
        return {"database": database}

    async def check_schema(self) -> None:
        status = await schema_status(self.database)
        if status.state is SchemaState.NEWER:
            raise DatabaseProblem(newer_schema_message(status))
        if status.state is not SchemaState.CURRENT:
            raise DatabaseProblem(
                f"the database is at {status.revision or 'an empty schema'}, not {status.head}: "
                "run `hearth db upgrade` first (make run does it for you)."
            )

    @contextlib.asynccontextmanager
    async def tools(self) -> AsyncIterator[Hearth]:
        """The app for command-line tools: database and points engine, no cogs, adapters or web server."""
        await self.check_schema()
        await self.points.start()
        try:
            yield self
        finally:
            await self.points.stop()
            await self.database.close()

    async def start(self, *, web: bool = True, adapters: list[Adapter] | None = None) -> None:
        started = time.time()
        await self.check_schema()
        self.metrics.start_time.set(started)
        self.scheduler.start()
        # Both read a table end to end (identities, member totals): side by side, each on its own connection.
        await asyncio.gather(self.members.warm_cache(), self.points.start())
        self._points_started = True
        for cog in self.cogs:
            await cog.start()
            self._started_cogs.append(cog)
        if web:
            self.web_server = WebServer(self.web_app, self.config.web.host, self.config.web.port)
            await self.web_server.start()
        for adapter in adapters or []:
            await adapter.start()
            self.adapters.append(adapter)
            self.platforms.add(adapter.platform)
            self.metrics.platform_up.labels(adapter.platform.name).set(1)
            log.info("%s connected", adapter.platform.name)
        log.info("Hearth started in %.0f ms: cogs %s", (time.time() - started) * 1000,
                 ", ".join(self.config.cogs.enabled))

    async def stop(self, *, job_wait: float = JOB_DRAIN_SECONDS) -> None:
        """Shut down in reverse order; one failing step doesn't stop the others."""
        if self.scheduler.running:
            self.scheduler.pause()  # no new run starts; the ones under way finish while the adapters are up
            await self.jobs.drain(job_wait)
        for adapter in reversed(self.adapters):
            await self._quietly(adapter.stop(), f"stopping {adapter.platform.name}")
            self.platforms.remove(adapter.platform.name)
            self.metrics.platform_up.labels(adapter.platform.name).set(0)
        self.adapters.clear()
        if self.web_server is not None:
            await self._quietly(self.web_server.stop(), "stopping the web server")
            self.web_server = None
        for cog in reversed(self._started_cogs):
            await self._quietly(cog.stop(), f"stopping cog {cog.name}")
        self._started_cogs.clear()
        if self._points_started:
            await self._quietly(self.points.stop(), "writing the last points")
            self._points_started = False
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self._quietly(self.database.close(), "closing the database")

    @staticmethod
    async def _quietly(step: object, what: str) -> None:
        try:
            await step  # type: ignore[misc]
        except Exception:
            log.exception("error while %s", what)
