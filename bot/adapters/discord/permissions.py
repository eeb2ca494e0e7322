"""Who counts as a moderator on Discord, which permissions Hearth needs, and what a 403 means.

Hiding moderator commands (``default_member_permissions``) is only a display hint a server admin can
override, so every interaction is also checked here from the permissions Discord sends with it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from contextvars import ContextVar
from typing import Any

import discord

from bot.kit.commands import Permission

# What each Platform action needs on Discord, named as the Server Settings screens name it.
NEEDED_FOR: Mapping[str, str] = {
    "send": "View Channel, Send Messages and Embed Links",
    "send_thread": "Send Messages in Threads and Embed Links",
    "files": "Attach Files",
    "edit": "View Channel",
    "delete": "Manage Messages",
    "thread": "Create Public Threads",
    "poll": "Send Polls",
    "role": "Manage Roles",
    "member": "View Server Members",
    "commands": "applications.commands (re-invite with `hearth discord invite`)",
}

# The bot invite asks for exactly these, each for a feature (docs/discord.md explains each one).
INVITE_PERMISSION_NAMES: Mapping[str, str] = {
    "view_channel": "View Channels",
    "read_message_history": "Read Message History",
    "send_messages": "Send Messages",
    "send_messages_in_threads": "Send Messages in Threads",
    "embed_links": "Embed Links",
    "attach_files": "Attach Files",
    "create_public_threads": "Create Public Threads",
    "send_polls": "Send Polls",
    "manage_messages": "Manage Messages",
    "manage_roles": "Manage Roles",
}
INVITE_PERMISSIONS = discord.Permissions(**dict.fromkeys(INVITE_PERMISSION_NAMES, True))

# Problems Discord reported while one interaction ran (403s from platform actions): the adapter shows
# them to the moderator who ran the command, because the cog only sees "it didn't work".
_notices: ContextVar[list[str] | None] = ContextVar("hearth_discord_notices", default=None)


def begin_notices() -> list[str]:
    collected: list[str] = []
    _notices.set(collected)
    return collected


def report(message: str) -> None:
    collected = _notices.get()
    if collected is not None and message not in collected:
        collected.append(message)


def permission_bit(name: str) -> int:
    """The bit of a ``discord.Permissions`` flag name such as ``manage_guild``."""
    value = discord.Permissions.VALID_FLAGS.get(name)
    if value is None:
        raise ValueError(f"{name!r} is not a Discord permission name")
    return int(value)


def actor_role(member: Mapping[str, Any] | None, *, moderator_permission: str,
               moderator_role_ids: Collection[int], owner_id: int | None = None) -> Permission:
    """The kit permission of an interaction's member (``None`` in a DM: a plain member)."""
    if not member:
        return Permission.MEMBER
    try:
        permissions = discord.Permissions(int(member.get("permissions") or 0))
    except (TypeError, ValueError):
        permissions = discord.Permissions.none()
    user = member.get("user") or {}
    if permissions.administrator or (owner_id is not None and str(user.get("id")) == str(owner_id)):
        return Permission.ADMIN
    roles = {str(role) for role in member.get("roles") or ()}
    if getattr(permissions, moderator_permission, False) or roles & {str(r) for r in moderator_role_ids}:
        return Permission.MODERATOR
    return Permission.MEMBER


def default_member_permissions(level: Permission, moderator_permission: str) -> str | None:
    """What Discord should require to *see* a command (``None``: everyone)."""
    if level is Permission.MEMBER:
        return None
    if level is Permission.ADMIN:
        return str(permission_bit("administrator"))
    return str(permission_bit(moderator_permission))


def explain(error: discord.HTTPException, action: str, *, where: str = "") -> str:
    """One sentence a moderator can act on, naming the Discord permission that is missing."""
    place = f" {where}" if where else ""
    code = getattr(error, "code", 0)
    if code == 50001:
        return (f"Discord refused: Hearth can't see{place or ' that channel'} (Missing Access). "
                "Give Hearth's role the View Channel permission there.")
    if code == 50007:
        return "Discord refused: that member doesn't accept direct messages from Hearth."
    if code == 50013 or error.status == 403:
        needed = NEEDED_FOR.get(action, "the required")
        hint = (" Hearth's role must also be above the role it hands out (Server Settings → Roles)."
                if action == "role" else "")
        return (f"Discord refused: Hearth is missing the {needed} permission{place}. "
                f"Give Hearth's role {needed} in Server Settings → Roles or the channel's permissions.{hint}")
    if code == 10007:
        return "Discord says that member is no longer in the server."
    if code == 10011:
        return "Discord says that role no longer exists — check the role id in the config."
    if code in {10003, 10008}:
        return f"Discord says the {'channel' if code == 10003 else 'message'} no longer exists."
    text = getattr(error, "text", "") or str(error)
    return f"Discord answered {error.status}: {text}"
