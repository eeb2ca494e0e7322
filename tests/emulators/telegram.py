"""A loopback Telegram Bot API server for tests: the real python-telegram-bot talks to it over HTTP.

Point PTB at ``emulator.base_url`` (``http://127.0.0.1:PORT/bot``). The emulator keeps the state a
bot can observe (chats, member statuses, sent messages, invite links, join requests), long-polls
``getUpdates`` like Telegram (held until an update arrives, released on stop), filters updates by
``allowed_updates``, refuses what Telegram refuses (``telegram_checks``), records every call, and
can be told to answer 429 with ``retry_after`` or 403 like a user who blocked the bot.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.emulators import telegram_checks as checks
from tests.emulators.telegram_methods import MethodsMixin

# Fields PTB sends as plain strings; everything else arrives as a JSON string in a form field.
TEXT_FIELDS = {"text", "caption", "question", "name", "title", "url", "secret_token", "description", "explanation",
               "callback_query_id", "parse_mode", "invite_link", "ip_address", "language_code", "photo", "document",
               "icon_custom_emoji_id", "business_connection_id", "message_effect_id"}
# Update types Telegram only sends when listed in allowed_updates.
OPT_IN_TYPES = {"chat_member", "message_reaction", "message_reaction_count"}
KNOWN_TYPES = {"message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
               "business_message", "edited_business_message", "deleted_business_messages", "message_reaction",
               "message_reaction_count", "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
               "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_member",
               "chat_join_request", "chat_boost", "removed_chat_boost"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


@dataclass
class ApiCall:
    """One request the bot made: the method, its decoded parameters, uploaded files, and our answer."""

    method: str
    params: dict[str, Any]
    files: dict[str, bytes] = field(default_factory=dict)
    status: int = 200
    result: Any = None


@dataclass
class Fault:
    method: str
    code: int
    description: str
    retry_after: int | None = None
    times: int = 1
    when: Callable[[dict[str, Any]], bool] | None = None
    parameters: dict[str, Any] | None = None


def make_user(user_id: int, first_name: str, username: str | None = None, *, bot: bool = False) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": bot, "first_name": first_name}
    if username:
        user["username"] = username
    return user


def supergroup(chat_id: int, title: str, *, forum: bool = False) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "title": title, "type": "supergroup"}
    if forum:
        chat["is_forum"] = True
    return chat


def private_chat(user: dict[str, Any]) -> dict[str, Any]:
    chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
    if "username" in user:
        chat["username"] = user["username"]
    return chat


def utf16_length(text: str) -> int:
    return checks.utf16_length(text)


class TelegramEmulator(MethodsMixin):
    """Start with ``await emulator.start()``; stop with ``await emulator.stop()`` (releases held polls)."""

    def __init__(self, *, bot_id: int = 7000000001, username: str = "store_community_bot",
                 first_name: str = "Store Bot", secret: str = "AAHearthEmulator-token_0123456789") -> None:
        self.bot_user = make_user(bot_id, first_name, username, bot=True)
        self.token = f"{bot_id}:{secret}"
        self.calls: list[ApiCall] = []
        self.faults: list[Fault] = []
        self.chats: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.statuses: dict[tuple[int, int], str] = {}
        self.blocked_by: set[int] = set()  # users who blocked the bot: sends answer 403
        self.join_requests: set[tuple[int, int]] = set()
        self.invite_links: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.webhook: dict[str, Any] = {}
        self.allowed_updates: list[str] = []
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._last_update_id = 0
        self._message_ids = itertools.count(5000)
        self._changed = asyncio.Event()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024**2)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._stopping = True
        self._notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # --- what tests use ---------------------------------------------------------------------------

    def add_chat(self, chat: dict[str, Any]) -> dict[str, Any]:
        self.chats[chat["id"]] = chat
        return chat

    def set_status(self, chat_id: int, user: dict[str, Any], status: str) -> None:
        self.users[user["id"]] = user
        self.statuses[(chat_id, user["id"])] = status

    def fail(self, method: str, code: int, description: str, *, retry_after: int | None = None, times: int = 1,
             when: Callable[[dict[str, Any]], bool] | None = None, parameters: dict[str, Any] | None = None) -> None:
        """The next ``times`` calls of ``method`` (matching ``when``) get this error instead of a result
        (``retry_after`` and ``parameters`` such as ``migrate_to_chat_id`` go in ``parameters``)."""
        self.faults.append(Fault(method, code, description, retry_after, times, when, parameters))

    def inject(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates. Ids are renumbered upward, as Telegram assigns them."""
        update = dict(update)
        update_id = max(next(self._update_ids), self._last_update_id + 1, int(update.get("update_id") or 0))
        self._last_update_id = update_id
        update["update_id"] = update_id
        self._pending.append(update)
        self._notify()
        return update_id

    def calls_to(self, method: str) -> list[ApiCall]:
        return [call for call in self.calls if call.method == method and call.status == 200]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked after every request); fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out waiting; calls so far: {[c.method for c in self.calls]}")
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                pass
        return value

    async def wait_call(self, method: str, predicate: Callable[[ApiCall], bool] | None = None, *,
                        count: int = 1, timeout: float = 5.0) -> ApiCall:
        def found() -> list[ApiCall]:
            matching = [c for c in self.calls_to(method) if predicate is None or predicate(c)]
            return matching if len(matching) >= count else []

        return (await self.wait_for(found, timeout))[count - 1]

    async def deliver_webhook(self, update: dict[str, Any] | bytes, *, secret: str | None = None,
                              url: str | None = None) -> int:
        """POST an update to the webhook the bot set, as Telegram does; returns the HTTP status.

        ``url`` replaces the host part a reverse proxy would map (tests serve Hearth on 127.0.0.1);
        ``secret`` replaces the token the bot registered (to test refusals)."""
        headers = {"Content-Type": "application/json"}
        token = self.webhook.get("secret_token") if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        body = update if isinstance(update, bytes) else json.dumps({**update, "update_id": self.inject_id()})
        async with aiohttp.ClientSession() as session, \
                session.post(url or self.webhook["url"], data=body, headers=headers) as response:
            return response.status

    def inject_id(self) -> int:
        self._last_update_id = max(next(self._update_ids), self._last_update_id + 1)
        return self._last_update_id

    # --- update builders (shapes as Telegram sends them) -------------------------------------------

    def message_update(self, chat: dict[str, Any], sender: dict[str, Any], text: str | None,
                       **extra: Any) -> dict[str, Any]:
        """A message (``text=None``: a service message); a leading ``/word`` gets its ``bot_command``
        entity, as Telegram clients do."""
        message: dict[str, Any] = {"message_id": next(self._message_ids), "from": sender, "chat": chat,
                                   "date": int(time.time())}
        if text is not None:
            message["text"] = text
        entities = list(extra.pop("entities", []))
        if text and text.startswith("/"):
            command = text.split()[0]
            entities.insert(0, {"offset": 0, "length": utf16_length(command), "type": "bot_command"})
        if entities:
            message["entities"] = entities
        message.update(extra)
        return {"message": message}

    def chat_object(self, chat_id: int) -> dict[str, Any]:
        if chat_id in self.chats:
            return self.chats[chat_id]
        if chat_id > 0:
            user = self.users.get(chat_id, make_user(chat_id, "User"))
            return private_chat(user)
        return supergroup(chat_id, f"Chat {chat_id}")

    # --- HTTP ---------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        method = request.match_info["method"]
        params, files = await self._decode(request)
        call = ApiCall(method, params, files)
        self.calls.append(call)
        try:
            self._maybe_fail(method, params)
            handler = getattr(self, f"api_{method.lower()}", None)
            if handler is None:
                raise ApiError(404, "Not Found: method not found")
            call.result = await handler(params, files)
            body: dict[str, Any] = {"ok": True, "result": call.result}
        except checks.BadRequest as problem:
            call.status, body = 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {problem}"}
        except ApiError as error:
            call.status = error.code
            body = {"ok": False, "error_code": error.code, "description": error.description}
            if error.parameters:
                body["parameters"] = error.parameters
        finally:
            self._notify()
        return self._answer(call.status, body)

    @staticmethod
    def _answer(status: int, body: dict[str, Any]) -> web.Response:
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")

    @staticmethod
    async def _decode(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        if request.content_type == "application/json":
            return await request.json(), {}
        params: dict[str, Any] = {}
        files: dict[str, bytes] = {}
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                files[name] = value.file.read()
            elif name in TEXT_FIELDS:
                params[name] = value
            else:
                try:
                    params[name] = json.loads(value)
                except ValueError:
                    params[name] = value
        return params, files

    def _maybe_fail(self, method: str, params: dict[str, Any]) -> None:
        for fault in self.faults:
            if fault.method == method and fault.times > 0 and (fault.when is None or fault.when(params)):
                fault.times -= 1
                parameters = dict(fault.parameters or {})
                if fault.retry_after is not None:
                    parameters["retry_after"] = fault.retry_after
                raise ApiError(fault.code, fault.description, parameters or None)

    # --- long polling ---------------------------------------------------------------------------------

    def _deliverable(self, update: dict[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if kind not in KNOWN_TYPES:
            return True  # a type newer than this emulator: delivered, the bot must cope
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in OPT_IN_TYPES

    async def api_getupdates(self, params: dict[str, Any], _files: dict[str, bytes]) -> list[dict[str, Any]]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                                "to delete the webhook first")
        if params.get("allowed_updates") is not None:
            self.allowed_updates = list(params["allowed_updates"])
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while True:
            # Updates below the offset are confirmed; those the bot didn't ask for are never sent.
            self._pending = [u for u in self._pending if u["update_id"] >= offset and self._deliverable(u)]
            if self._pending or self._stopping:
                return self._pending[:limit]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                return []
