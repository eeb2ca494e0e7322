"""The REST routes of the Discord emulator: what Discord answers, and what it echoes on the gateway."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tests.emulators import discord_checks as checks
from tests.emulators import discord_payloads as payloads

if TYPE_CHECKING:
    from tests.emulators.discord import DiscordEmulator, Recorded

EPHEMERAL, LOADING = 64, 128
Result = tuple[int, Any]


@dataclass
class PendingInteraction:
    data: dict[str, Any]
    answered: int | None = None  # the callback type once answered
    original: dict[str, Any] | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Routes:
    def __init__(self, emulator: DiscordEmulator) -> None:
        self.emulator = emulator
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        self.messages: dict[str, dict[str, Any]] = {}
        self.interactions: dict[str, PendingInteraction] = {}
        self.dm_channels: dict[str, dict[str, Any]] = {}
        self._table: list[tuple[str, re.Pattern[str], Callable[..., Awaitable[Result]]]] = [
            (method, re.compile(pattern), handler) for method, pattern, handler in (
                ("GET", r"/gateway(/bot)?", self.gateway_info),
                ("GET", r"/users/@me", self.me),
                ("GET", r"/oauth2/applications/@me", self.application),
                ("GET", r"/applications/\d+(/guilds/(?P<guild>\d+))?/commands", self.list_commands),
                ("PUT", r"/applications/\d+(/guilds/(?P<guild>\d+))?/commands", self.overwrite_commands),
                ("POST", r"/channels/(?P<channel>\d+)/messages", self.create_message),
                ("PATCH", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self.edit_message),
                ("DELETE", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)", self.delete_message),
                ("POST", r"/channels/(?P<channel>\d+)/messages/(?P<message>\d+)/threads", self.start_thread),
                ("GET", r"/channels/(?P<channel>\d+)", self.get_channel),
                ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self.callback),
                ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", self.followup),
                ("PATCH", r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)", self.edit_original),
                ("DELETE", r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)",
                 self.delete_original),
                ("PUT", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)/roles/(?P<role>\d+)", self.add_role),
                ("DELETE", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)/roles/(?P<role>\d+)", self.remove_role),
                ("GET", r"/guilds/(?P<guild>\d+)/members/(?P<user>\d+)", self.get_member),
                ("GET", r"/guilds/(?P<guild>\d+)/roles", self.get_roles),
                ("POST", r"/users/@me/channels", self.open_dm),
                ("GET", r"/users/(?P<user>\d+)", self.get_user),
            )
        ]

    async def answer(self, request: Recorded) -> Result:
        from tests.emulators.discord import Answer

        for method, pattern, handler in self._table:
            match = pattern.fullmatch(request.path)
            if match and method == request.method:
                try:
                    return await handler(request, **{k: v for k, v in match.groupdict().items() if k in
                                                     handler.__code__.co_varnames})
                except checks.Invalid as invalid:
                    raise Answer(400, invalid.body) from None
        raise Answer(404, {"message": "404: Not Found", "code": 0})

    # --- state helpers -----------------------------------------------------------------------------

    def _fail(self, code: int, message: str, status: int = 404) -> Exception:
        from tests.emulators.discord import Answer

        return Answer(status, {"message": message, "code": code})

    def _member(self, user_id: str) -> dict[str, Any] | None:
        return next((m for m in self.emulator.guild["members"] if m["user"]["id"] == user_id), None)

    def _channel(self, channel_id: str) -> dict[str, Any] | None:
        guild = self.emulator.guild
        found = next((c for c in guild["channels"] + guild["threads"] if c["id"] == channel_id), None)
        return found or next((c for c in self.dm_channels.values() if c["id"] == channel_id), None)

    def expect_interaction(self, data: dict[str, Any]) -> None:
        self.interactions[str(data["id"])] = PendingInteraction(data)

    def expire(self, interaction_id: str) -> None:
        """Discord forgets interactions after 15 minutes (or when the token is wrong)."""
        self.interactions.pop(interaction_id, None)

    def _by_token(self, token: str) -> PendingInteraction:
        for pending in self.interactions.values():
            if pending.data["token"] == token:
                return pending
        raise self._fail(10015, "Unknown Webhook")

    def _message(self, channel_id: str, body: dict[str, Any], *, kind: int = 0, files: int = 0) -> dict[str, Any]:
        body = body or {}
        message: dict[str, Any] = {
            "id": payloads.snowflake(), "channel_id": channel_id, "author": self.emulator.bot, "type": kind,
            "content": body.get("content") or "", "embeds": body.get("embeds") or [],
            "components": body.get("components") or [], "timestamp": _now(), "edited_timestamp": None,
            "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "pinned": False,
            "flags": int(body.get("flags") or 0), "reactions": [],
            "attachments": [{"id": payloads.snowflake(), "filename": a.get("filename", f"file{n}"), "size": 1,
                             "url": f"https://cdn.invalid/{n}", "proxy_url": f"https://cdn.invalid/{n}"}
                            for n, a in enumerate(body.get("attachments") or [{}] * files)],
        }
        if body.get("message_reference"):
            message["type"] = 19
            message["message_reference"] = {**body["message_reference"], "type": 0}
        if body.get("poll"):
            poll = body["poll"]
            expiry = datetime.now(UTC) + timedelta(hours=int(poll.get("duration") or 24))
            message["poll"] = {
                "question": poll["question"], "allow_multiselect": bool(poll.get("allow_multiselect")),
                "layout_type": poll.get("layout_type", 1), "expiry": expiry.isoformat(),
                "answers": [{"answer_id": n, "poll_media": a["poll_media"]} for n, a in
                            enumerate(poll["answers"], start=1)],
                "results": {"is_finalized": False, "answer_counts": []}}
        if self._channel(channel_id) is not None and channel_id not in {c["id"] for c in self.dm_channels.values()}:
            message["guild_id"] = self.emulator.guild["id"]
        return message

    async def _echo(self, message: dict[str, Any]) -> None:
        """Discord sends the bot its own messages too: the adapter must ignore them."""
        # Only to the shard that receives this server (none connected: nobody hears it, as on Discord).
        if "guild_id" in message and self.emulator.gateway.session_for(message) is not None:
            member = {"roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0}
            await self.emulator.gateway.dispatch("MESSAGE_CREATE", {**message, "member": member, "channel_type": 0})

    # --- routes ------------------------------------------------------------------------------------

    async def gateway_info(self, request: Recorded) -> Result:
        return 200, {"url": self.emulator.gateway_url.rstrip("/"), "shards": 1,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                             "max_concurrency": 1}}

    async def me(self, request: Recorded) -> Result:
        return 200, {**self.emulator.bot, "verified": True, "mfa_enabled": False, "flags": 0}

    async def application(self, request: Recorded) -> Result:
        owner = payloads.MASON
        return 200, {"id": payloads.APP_ID, "name": "Hearth", "description": "", "icon": None, "bot_public": True,
                     "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "team": None,
                     "owner": {"id": owner["id"], "username": owner["username"],
                               "discriminator": owner["discriminator"], "avatar": None},
                     "interactions_endpoint_url": None, "bot": self.emulator.bot}

    async def list_commands(self, request: Recorded, guild: str | None = None) -> Result:
        if guild is not None and guild != self.emulator.guild["id"]:
            raise self._fail(50001, "Missing Access", 403)
        return 200, self.commands.get(guild, [])

    async def overwrite_commands(self, request: Recorded, guild: str | None = None) -> Result:
        if guild is not None and guild != self.emulator.guild["id"]:
            raise self._fail(50001, "Missing Access", 403)
        checks.commands(request.json)
        stored = []
        for command in request.json or []:
            saved = {"id": payloads.snowflake(), "application_id": payloads.APP_ID, "version": payloads.snowflake(),
                     "type": 1, "default_member_permissions": None, "nsfw": False, **command}
            # Discord leaves out required=false and autocomplete=false when it answers.
            saved["options"] = [_strip_defaults(o) for o in command.get("options") or []]
            if guild is not None:
                saved.update(guild_id=guild, contexts=None)
            stored.append(saved)
        self.commands[guild] = stored
        return 200, stored

    async def create_message(self, request: Recorded, channel: str) -> Result:
        dm = next((user for user, c in self.dm_channels.items() if c["id"] == channel), None)
        if dm is not None and dm in self.emulator.closed_dms:
            raise self._fail(50007, "Cannot send messages to this user", 403)
        if self._channel(channel) is None:
            raise self._fail(10003, "Unknown Channel")
        checks.message(request.json, files=len(request.files))
        message = self._message(channel, request.json or {}, files=len(request.files))
        self.messages[message["id"]] = message
        await self._echo(message)
        return 200, message

    async def edit_message(self, request: Recorded, channel: str, message: str) -> Result:
        if message not in self.messages:
            raise self._fail(10008, "Unknown Message")
        checks.message(request.json, edit=True)
        self.messages[message].update({k: v for k, v in (request.json or {}).items() if k != "attachments"},
                                      edited_timestamp=_now())
        return 200, self.messages[message]

    async def delete_message(self, request: Recorded, channel: str, message: str) -> Result:
        if self.messages.pop(message, None) is None:
            raise self._fail(10008, "Unknown Message")
        return 204, None

    async def start_thread(self, request: Recorded, channel: str, message: str) -> Result:
        if message not in self.messages and self._channel(channel) is None:
            raise self._fail(10008, "Unknown Message")
        body = request.json or {}
        checks._limit("name", body.get("name"), 100, required=True)
        thread = {**payloads.channel(message, body.get("name", "thread"), kind=11, parent_id=channel),
                  "owner_id": self.emulator.bot["id"], "member_count": 1, "message_count": 0,
                  "thread_metadata": {"archived": False, "auto_archive_duration": body.get("auto_archive_duration",
                                                                                            1440),
                                      "archive_timestamp": _now(), "locked": False}}
        self.emulator.guild["threads"].append(thread)
        if self.emulator.gateway.session_for(thread) is not None:
            await self.emulator.gateway.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return 201, thread

    async def get_channel(self, request: Recorded, channel: str) -> Result:
        found = self._channel(channel)
        if found is None:
            raise self._fail(10003, "Unknown Channel")
        return 200, found

    async def callback(self, request: Recorded, id: str, token: str) -> Result:
        pending = self.interactions.get(id)
        if pending is None or pending.data["token"] != token:
            raise self._fail(10062, "Unknown interaction")
        if pending.answered is not None:
            raise self._fail(40060, "Interaction has already been acknowledged.", 400)
        body = request.json or {}
        kind, data = int(body.get("type", 0)), body.get("data") or {}
        if kind in (4, 7):
            checks.message(data, files=len(request.files), edit=kind == 7)
        elif kind == 8:
            checks.autocomplete(data)
        pending.answered = kind
        flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
        interaction = {"id": id, "type": pending.data["type"], "response_message_loading": kind == 5,
                       "response_message_ephemeral": bool(flags & EPHEMERAL)}
        if kind not in (4, 5):
            return 200, {"interaction": interaction}
        message = self._message(pending.data.get("channel_id", ""), {**data, "flags": flags}, kind=20,
                                files=len(request.files))
        pending.original = message
        interaction["response_message_id"] = message["id"]
        if kind == 4 and not flags & EPHEMERAL:
            await self._echo(message)
        return 200, {"interaction": interaction, "resource": {"type": kind, "message": message}}

    async def followup(self, request: Recorded, token: str) -> Result:
        pending = self._by_token(token)
        checks.message(request.json, files=len(request.files))
        message = self._message(pending.data.get("channel_id", ""), request.json or {}, kind=20,
                                files=len(request.files))
        return (200, message) if request.query.get("wait", "").lower() in ("1", "true") else (204, None)

    async def edit_original(self, request: Recorded, token: str, message: str) -> Result:
        pending = self._by_token(token)
        if pending.original is None:
            raise self._fail(10008, "Unknown Message")
        checks.message(request.json, edit=True)
        pending.original.update({k: v for k, v in (request.json or {}).items() if k != "attachments"})
        pending.original["flags"] = int(pending.original.get("flags") or 0) & ~LOADING
        return 200, pending.original

    async def delete_original(self, request: Recorded, token: str, message: str) -> Result:
        pending = self._by_token(token)
        if pending.original is None:
            raise self._fail(10008, "Unknown Message")
        pending.original = None
        return 204, None

    def _role_target(self, guild: str, user: str, role: str) -> dict[str, Any]:
        if guild != self.emulator.guild["id"]:
            raise self._fail(10004, "Unknown Guild")
        member = self._member(user)
        if member is None:
            raise self._fail(10007, "Unknown Member")
        if not any(r["id"] == role for r in self.emulator.guild["roles"]):
            raise self._fail(10011, "Unknown Role")
        return member

    async def add_role(self, request: Recorded, guild: str, user: str, role: str) -> Result:
        member = self._role_target(guild, user, role)
        if role not in member["roles"]:
            member["roles"].append(role)
        return 204, None

    async def remove_role(self, request: Recorded, guild: str, user: str, role: str) -> Result:
        member = self._role_target(guild, user, role)
        if role in member["roles"]:
            member["roles"].remove(role)
        return 204, None

    async def get_member(self, request: Recorded, guild: str, user: str) -> Result:
        member = self._member(user) if guild == self.emulator.guild["id"] else None
        if member is None:
            raise self._fail(10007, "Unknown Member")
        return 200, member

    async def get_roles(self, request: Recorded, guild: str) -> Result:
        for known in (self.emulator.guild, *self.emulator.extra_guilds):
            if known["id"] == guild:
                return 200, known["roles"]
        raise self._fail(10004, "Unknown Guild")

    async def get_user(self, request: Recorded, user: str) -> Result:
        member = self._member(user)
        if member is None:
            raise self._fail(10013, "Unknown User")
        return 200, member["user"]

    async def open_dm(self, request: Recorded) -> Result:
        recipient = str((request.json or {}).get("recipient_id"))
        member = self._member(recipient)
        if member is None:
            raise self._fail(50007, "Cannot send messages to this user", 403)
        channel = self.dm_channels.setdefault(recipient, {"id": payloads.snowflake(), "type": 1,
                                                          "recipients": [member["user"]], "last_message_id": None})
        return 200, channel


def _strip_defaults(item: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in item.items() if not (k in ("required", "autocomplete") and v is False)}
    if "options" in item:
        shown["options"] = [_strip_defaults(child) for child in item["options"]]
    return shown
