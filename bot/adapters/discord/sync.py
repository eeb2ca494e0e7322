"""``hearth discord sync`` and ``invite``: talk to Discord's REST API only (never the gateway)."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import discord

from bot.adapters.discord.commands import SyncTarget, TreeDiff, diff
from bot.adapters.discord.endpoints import Endpoints
from bot.adapters.discord.permissions import INVITE_PERMISSION_NAMES, INVITE_PERMISSIONS

Say = Callable[[str], None]


class SyncProblem(Exception):
    """Discord refused something; the message says what to do about it."""


@dataclass(frozen=True)
class SyncResult:
    target: SyncTarget
    diff: TreeDiff
    pushed: bool


class RestSession:
    """A discord.py client used only for REST (login = ``GET /users/@me`` + application info)."""

    def __init__(self, token: str, environ: Mapping[str, str] | None = None) -> None:
        self._token = token
        self._endpoints = Endpoints.from_env(os.environ if environ is None else environ)
        self._restore: Callable[[], None] | None = None
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False  # no voice: no warning about it
        self.client = discord.Client(intents=discord.Intents.none())

    async def __aenter__(self) -> RestSession:
        self._restore = self._endpoints.apply()
        try:
            await self.client.login(self._token)
        except discord.LoginFailure:
            await self.__aexit__()
            raise SyncProblem("Discord rejected HEARTH_DISCORD_TOKEN: copy the bot token again from the "
                              "Developer Portal (your application → Bot → Reset Token)") from None
        except (discord.HTTPException, OSError) as error:
            await self.__aexit__()
            raise SyncProblem(f"couldn't reach Discord's API: {error}") from error
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()
        if self._restore is not None:
            self._restore()
            self._restore = None

    @property
    def application_id(self) -> int:
        app_id = self.client.application_id
        if app_id is None:
            raise SyncProblem("Discord didn't say which application this token belongs to")
        return app_id


def _refused(target: SyncTarget, error: discord.HTTPException) -> SyncProblem:
    if target.guild_id is not None and error.status in (403, 404):
        return SyncProblem(
            f"Discord refused access to {target.label} ({error.status} {error.text or ''}). Is Hearth in that "
            "server, invited with the applications.commands scope? Print the link with `hearth discord invite`.")
    return SyncProblem(f"Discord refused the commands for {target.label}: {error.status} {error.text}")


async def sync_targets(session: RestSession, targets: Sequence[SyncTarget], *, dry_run: bool = False
                       ) -> list[SyncResult]:
    """For each scope: read what Discord has, compare, and overwrite only when something changed."""
    http = session.client.http
    app_id = session.application_id
    results: list[SyncResult] = []
    for target in targets:
        is_global = target.guild_id is None
        try:
            current: list[dict[str, Any]] = (await http.get_global_commands(app_id) if is_global
                                             else await http.get_guild_commands(app_id, target.guild_id))
            changes = diff(current, target.commands, global_scope=is_global)
            push = changes.any and not dry_run
            if push:
                if is_global:
                    await http.bulk_upsert_global_commands(app_id, target.commands)
                else:
                    await http.bulk_upsert_guild_commands(app_id, target.guild_id, target.commands)
        except discord.HTTPException as error:
            raise _refused(target, error) from error
        results.append(SyncResult(target, changes, push))
    return results


def describe(result: SyncResult, *, dry_run: bool = False) -> list[str]:
    changes = result.diff
    if not changes.any:
        return [f"{result.target.label}: no changes ({len(changes.unchanged)} commands up to date)"]
    verb = "would change" if dry_run else "updated"
    lines = [f"{result.target.label}: {verb} — {len(changes.added)} added, {len(changes.changed)} changed, "
             f"{len(changes.removed)} removed, {len(changes.unchanged)} unchanged"]
    lines += [f"  + /{name}" for name in changes.added]
    lines += [f"  ~ /{name}" for name in changes.changed]
    lines += [f"  - /{name}" for name in changes.removed]
    return lines


def client_id_from_token(token: str) -> int | None:
    """A bot token starts with the bot's user id in base64 (the application id for every modern app)."""
    head = token.split(".", 1)[0]
    try:
        decoded = base64.b64decode(head + "=" * (-len(head) % 4), validate=False).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(decoded) if decoded.isdigit() else None


def invite_url(client_id: int, guild_id: int | None = None) -> str:
    guild = discord.Object(guild_id) if guild_id is not None else discord.utils.MISSING
    return discord.utils.oauth_url(client_id, permissions=INVITE_PERMISSIONS, guild=guild,
                                   scopes=("bot", "applications.commands"), disable_guild_select=guild_id is not None)


def permission_names() -> list[str]:
    return list(INVITE_PERMISSION_NAMES.values())
