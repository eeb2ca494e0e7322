"""The Telegram adapter: python-telegram-bot run by hand on Hearth's event loop.

Lifecycle (never ``run_polling()``, which wants a loop of its own): ``initialize`` (getMe) → command
menus → ``updater.start_polling`` or ``setWebhook`` → ``start``; and ``updater.stop`` → ``stop`` →
``shutdown`` on the way down. Updates go through one PTB handler into ``UpdateHandler``; whatever
it can't use is counted in ``hearth_telegram_updates_ignored_total`` and never raised.
"""

from __future__ import annotations

import logging
import ssl
from pathlib import Path
from typing import Any

from prometheus_client import Counter
from telegram import BotCommandScopeAllChatAdministrators, Update
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler

from bot.adapters.base import AdapterDeps
from bot.adapters.poll_keys import PollKeys
from bot.adapters.telegram.bot import build_bot, default_ssl_context, is_malformed, parse_update
from bot.adapters.telegram.handlers import Malformed, Parts, UpdateHandler
from bot.adapters.telegram.menus import menu
from bot.adapters.telegram.platform import TelegramPlatform
from bot.adapters.telegram.render import ActionAliases
from bot.adapters.telegram.roles import ModeratorCheck
from bot.adapters.telegram.sendqueue import Monotonic, SendQueue, Sleep
from bot.adapters.telegram.state import ChatStates, Grants
from bot.adapters.telegram.updates import KnownUsers
from bot.adapters.telegram.webhook import WebhookReceiver, webhook_address, webhook_secret
from bot.kit.commands import Permission

log = logging.getLogger("hearth.telegram")

# What Hearth listens to. chat_member and message_reaction are only sent when asked for by name
# (and only to admins); edited messages, channel posts, inline queries and payments are not used.
ALLOWED_UPDATES = ["message", "callback_query", "message_reaction", "chat_member", "my_chat_member",
                   "poll_answer", "chat_join_request"]
CONCURRENT_UPDATES = 32
POLL_TIMEOUT_SECONDS = 10


class TelegramAdapter:
    """Connects Hearth to one Telegram bot. ``start`` returns once Telegram answered; ``stop`` is idempotent.

    ``ssl_context`` lets tests (and a process running several bots) share one loaded CA bundle;
    ``sleep``/``monotonic`` drive the send queue's waits (tests see ``retry_after`` without waiting).
    """

    def __init__(self, deps: AdapterDeps, *, ssl_context: ssl.SSLContext | None = None, sleep: Sleep | None = None,
                 monotonic: Monotonic | None = None, poll_timeout: int = POLL_TIMEOUT_SECONDS) -> None:
        token = deps.secrets.telegram_token
        if not token:
            raise ValueError("HEARTH_TELEGRAM_TOKEN is not set")
        self.deps = deps
        self.config = deps.config.telegram
        self.poll_timeout = poll_timeout
        self.received = Counter("hearth_telegram_updates", "Telegram updates received, by type", ("type",),
                                registry=deps.metrics.registry)
        self.ignored = Counter("hearth_telegram_updates_ignored",
                               "Telegram updates ignored: malformed, unknown type, or not used", ("reason",),
                               registry=deps.metrics.registry)
        self.bot = build_bot(token, self.config.base_url, ssl_context or default_ssl_context(), self._malformed)
        self.queue = SendQueue(sleep=sleep, monotonic=monotonic)
        self.chats = ChatStates()
        self.users = KnownUsers()
        self.aliases = ActionAliases()
        self.moderators = ModeratorCheck(self.bot, self.config.moderator_user_ids)
        self.platform = TelegramPlatform(self.bot, self.queue, chats=self.chats,
                                         polls=PollKeys(Path(deps.config.data_dir) / "telegram-polls.json"),
                                         grants=Grants(), users=self.users, aliases=self.aliases, clock=deps.clock)
        self.handler = UpdateHandler(Parts(
            platform=self.platform, dispatcher=deps.dispatcher, bus=deps.bus, clock=deps.clock, users=self.users,
            chats=self.chats, polls=self.platform.polls, grants=self.platform.grants, moderators=self.moderators,
            aliases=self.aliases), self.bot)
        builder = ApplicationBuilder().bot(self.bot).job_queue(None).concurrent_updates(CONCURRENT_UPDATES)
        self.webhook_url: str | None = None
        self.webhook: WebhookReceiver | None = None
        self.webhook_secret = webhook_secret(deps.secrets.instance, token)
        if self.config.webhook_url:
            # The route must exist before Hearth's web server starts (aiohttp freezes the router then).
            self.webhook_url, path = webhook_address(self.config.webhook_url)
            receiver = WebhookReceiver(self.webhook_secret, self._accept_webhook, self._malformed)
            deps.web.router.add_post(path, receiver.handle)
            self.webhook = receiver
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.add_handler(TypeHandler(Update, self._on_update))
        self.application.add_error_handler(self._on_error)
        self._running = False
        self.updates_done = 0  # updates fully handled (used or ignored): tests and health checks wait on it

    # --- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        try:
            try:
                await self.application.initialize()  # getMe: a wrong token fails here, loudly
            except InvalidToken:
                # PTB's message quotes the token; this one must be safe to print and log.
                raise RuntimeError("Telegram rejected HEARTH_TELEGRAM_TOKEN: check it with @BotFather") from None
            await self._publish_menus()
            if self.webhook_url:
                await self.bot.set_webhook(self.webhook_url, secret_token=self.webhook_secret,
                                           allowed_updates=ALLOWED_UPDATES, max_connections=40)
                log.info("Telegram webhook set to %s", self.webhook_url)
            else:
                assert self.application.updater is not None
                # start_polling deletes any webhook first, so switching modes needs no manual step.
                await self.application.updater.start_polling(timeout=self.poll_timeout,
                                                             allowed_updates=ALLOWED_UPDATES,
                                                             error_callback=self._polling_error)
            await self.application.start()
        except BaseException:
            await self._shutdown()
            raise
        self._running = True
        log.info("Telegram connected as @%s (%s)", self.bot.username, "webhook" if self.webhook_url else "polling")

    async def stop(self) -> None:
        if not self._running:
            return
        self._running = False
        await self._shutdown()

    async def _shutdown(self) -> None:
        updater = self.application.updater
        if updater is not None and updater.running:
            await updater.stop()
        self.queue.close()  # replies held by a rate limit must not hold the shutdown
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()

    async def _publish_menus(self) -> None:
        """setMyCommands per scope: members see member commands; admins also see moderator ones."""
        commands = self.deps.dispatcher.registry.all()
        try:
            await self.bot.set_my_commands(menu(commands, Permission.MEMBER))
            await self.bot.set_my_commands(menu(commands, Permission.ADMIN),
                                           scope=BotCommandScopeAllChatAdministrators())
        except TelegramError as problem:
            # The menu is a convenience: commands work without it, so don't refuse to start.
            log.warning("couldn't publish the Telegram command menu: %s", problem)

    # --- updates -------------------------------------------------------------------------------------

    def _malformed(self, _data: Any) -> None:
        self.ignored.labels("malformed").inc()

    async def _accept_webhook(self, data: Any) -> bool:
        if not self._running:
            return False
        update = parse_update(data, self.bot, self._malformed)
        if update is not None:
            await self.application.update_queue.put(update)
        return True

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await self._handle(update)
        finally:
            self.updates_done += 1

    async def _handle(self, update: Update) -> None:
        if is_malformed(update):
            return  # counted when it was parsed
        kind = next((name for name in ALLOWED_UPDATES if getattr(update, name, None) is not None), None)
        self.received.labels(kind or "other").inc()
        try:
            used = await self.handler.route(update)
        except Malformed as problem:
            self.ignored.labels("malformed").inc()
            log.warning("ignored Telegram update %s: %s", update.update_id, problem)
            return
        except Exception:
            self.ignored.labels("failed").inc()
            log.exception("handling Telegram update %s failed", update.update_id)
            return
        if not used:
            # A type Hearth doesn't use (edited message, channel post) or one newer than PTB knows.
            reason = "unknown" if kind is None and update.api_kwargs else "unused"
            self.ignored.labels(reason).inc()
            log.debug("ignored Telegram update %s (%s)", update.update_id, reason)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("Telegram update %s failed", getattr(update, "update_id", "?"), exc_info=context.error)

    def _polling_error(self, error: TelegramError) -> None:
        # PTB retries with backoff by itself; its default callback logs every retry as an ERROR.
        if isinstance(error, Conflict):
            log.warning("another process is polling with this Telegram token — only one may run: %s", error)
        else:
            log.warning("polling Telegram failed, retrying: %s", error)
