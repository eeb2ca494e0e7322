"""Discord payloads for tests, built on the recorded fixtures in ../shared/fixtures/discord/.

Builders start from a deep copy of a fixture and only add or override fields (ids, content, options):
fixtures are never simplified, so quirks of real payloads (the INTERACTION_CREATE member without
``flags``, the doc examples without ``application_id``) reach the adapter as Discord sends them.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "discord"
DISCORD_EPOCH_MS = 1420070400000

GUILD_ID = "290926798626357999"
CHANNEL_ID = "290926798999357250"  # the channel of the MESSAGE_CREATE fixture
COMMANDS_CHANNEL_ID = "645027906669510667"  # the channel of the INTERACTION_CREATE fixture
FORUM_ID = "290926798999357300"
APP_ID = BOT_ID = "775799577604522054"
MASON_ID = "53908232506183680"  # the fixture's interaction member: permissions 2147483647 (administrator)
NELLY_ID = "80351110224678912"
AUTHOR_ID = "53908099506183680"  # the MESSAGE_CREATE fixture's author
MODERATOR_ROLE_ID = "539082325061836999"  # Mason's role in the fixture
TIER_ROLE_ID = "539082325061837001"

# view channel, send messages, embed links, attach files, history, reactions, use application commands
MEMBER_PERMISSIONS = str(1024 | 2048 | 16384 | 32768 | 65536 | 64 | (1 << 31))
MANAGE_GUILD = 32
MODERATOR_PERMISSIONS = str(int(MEMBER_PERMISSIONS) | MANAGE_GUILD | 8192)

_counter = itertools.count(1)


def snowflake() -> str:
    """A fresh id, shaped like Discord's (milliseconds since 2015 in the high bits)."""
    return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(_counter) & 0x3FFFFF))


@cache
def _load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def fixture(name: str) -> dict[str, Any]:
    return copy.deepcopy(_load(name))


def dispatch_data(name: str) -> dict[str, Any]:
    """The ``d`` of a recorded gateway dispatch, e.g. ``dispatch_data("reconstructed.MESSAGE_CREATE")``."""
    return fixture(f"reconstructed.{name}.dispatch")["d"]


def user(user_id: str, username: str, *, bot: bool = False, global_name: str | None = None) -> dict[str, Any]:
    data = fixture("docs.user.example")
    data.update(id=user_id, username=username, global_name=global_name, discriminator="0", bot=bot, email=None)
    return data


BOT_USER = user(BOT_ID, "Hearth", bot=True)
MASON = {**_load("reconstructed.INTERACTION_CREATE.dispatch")["d"]["member"]["user"]}
NELLY = {**_load("reconstructed.GUILD_MEMBER_ADD.dispatch")["d"]["user"]}
AUTHOR = {**_load("reconstructed.MESSAGE_CREATE.dispatch")["d"]["author"]}


def member(of: Mapping[str, Any], *, roles: Iterable[str] = (), permissions: str | None = None,
           nick: str | None = None) -> dict[str, Any]:
    data = fixture("docs.guild-member.example")
    data.update(user=dict(of), roles=list(roles), nick=nick, flags=0, pending=False)
    if permissions is not None:
        data["permissions"] = permissions
    return data


def channel(channel_id: str, name: str, *, kind: int = 0, position: int = 0, parent_id: str | None = None
            ) -> dict[str, Any]:
    return {"id": channel_id, "type": kind, "name": name, "position": position, "guild_id": GUILD_ID,
            "parent_id": parent_id, "permission_overwrites": [], "nsfw": False, "topic": None,
            "last_message_id": None, "rate_limit_per_user": 0, "flags": 0}


def default_guild() -> dict[str, Any]:
    """The emulator's server: the fixtures' guild, channels and people."""
    members = [member(BOT_USER, roles=[]), member(MASON, roles=[MODERATOR_ROLE_ID]), member(NELLY),
               member(AUTHOR)]
    return {
        "id": GUILD_ID, "name": "Fixture Guild", "icon": None, "owner_id": MASON_ID, "unavailable": False,
        "member_count": len(members), "large": False, "features": [], "system_channel_id": CHANNEL_ID,
        "afk_timeout": 300, "verification_level": 0, "default_message_notifications": 0,
        "explicit_content_filter": 0, "mfa_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
        "roles": [
            {"id": GUILD_ID, "name": "@everyone", "permissions": MEMBER_PERMISSIONS, "position": 0, "color": 0,
             "hoist": False, "managed": False, "mentionable": False, "flags": 0},
            {"id": MODERATOR_ROLE_ID, "name": "Moderator", "permissions": MEMBER_PERMISSIONS, "position": 2,
             "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0},
            {"id": TIER_ROLE_ID, "name": "Power User", "permissions": "0", "position": 1, "color": 0,
             "hoist": False, "managed": False, "mentionable": False, "flags": 0},
        ],
        "channels": [channel(CHANNEL_ID, "general"), channel(COMMANDS_CHANNEL_ID, "commands", position=1),
                     channel(FORUM_ID, "showcase", kind=15, position=2)],
        "threads": [], "members": members, "emojis": [], "stickers": [], "voice_states": [], "presences": [],
        "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
    }


def message_create(content: str, *, author: Mapping[str, Any] | None = None, channel_id: str = CHANNEL_ID,
                   message_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """A MESSAGE_CREATE ``d`` from the fixture, with its own id (and any field overridden)."""
    data = dispatch_data("MESSAGE_CREATE")
    data.update(id=message_id or snowflake(), content=content, channel_id=channel_id)
    if author is not None:
        data["author"] = dict(author)
    data.update(fields)
    return data


def option(name: str, kind: int, value: Any) -> dict[str, Any]:
    return {"name": name, "type": kind, "value": value}


def subcommand(name: str, *options: dict[str, Any], group: bool = False) -> dict[str, Any]:
    return {"name": name, "type": 2 if group else 1, "options": list(options)}


def interaction(kind: int, data: dict[str, Any], *, member_data: dict[str, Any] | None = None,
                dm_user: Mapping[str, Any] | None = None, channel_id: str = COMMANDS_CHANNEL_ID,
                **fields: Any) -> dict[str, Any]:
    """An INTERACTION_CREATE ``d`` from the fixture: fixture member (Mason) unless another is given."""
    payload = dispatch_data("INTERACTION_CREATE")
    payload.update(id=snowflake(), token=f"tok-{snowflake()}", type=kind, data=data, channel_id=channel_id,
                   application_id=APP_ID)
    if member_data is not None:
        payload["member"] = member_data
    if dm_user is not None:  # a DM: no guild, no member, a plain user
        payload.pop("member", None)
        payload.pop("guild_id", None)
        payload.update(user=dict(dm_user), context=1)
    payload.update(fields)
    return payload


def slash(name: str, *options: dict[str, Any], resolved: dict[str, Any] | None = None, **kwargs: Any
          ) -> dict[str, Any]:
    data: dict[str, Any] = {"id": snowflake(), "name": name, "type": 1, "options": list(options),
                            "guild_id": GUILD_ID}
    if resolved is not None:
        data["resolved"] = resolved
    return interaction(2, data, **kwargs)


def resolved_user(of: Mapping[str, Any], *, nick: str | None = None) -> dict[str, Any]:
    """``data.resolved`` for a user option, shaped like the user-command fixture's."""
    template = fixture("docs.interaction.user-command.type2")["data"]["resolved"]
    sample_id = next(iter(template["users"]))
    member_data = template["members"][sample_id]
    member_data["nick"] = nick
    return {"users": {str(of["id"]): dict(of)}, "members": {str(of["id"]): member_data}}


def button(custom_id: str, message: Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
    return interaction(3, {"custom_id": custom_id, "component_type": 2}, message=dict(message), **kwargs)


def reaction_add(message_id: str, *, emoji: str = "🔥", channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    data = dispatch_data("MESSAGE_REACTION_ADD")
    data.update(message_id=message_id, channel_id=channel_id, emoji={"id": None, "name": emoji})
    return data


def member_add(of: Mapping[str, Any] | None = None) -> dict[str, Any]:
    data = dispatch_data("GUILD_MEMBER_ADD")
    if of is not None:
        data["user"] = dict(of)
    return data
