"""A guard between discord.py's gateway socket and its event parsers.

discord.py runs each dispatch through ``ConnectionState.parsers[EVENT](data)`` inside the socket loop,
so one payload it can't read (a missing key) ends the whole connection. The guard wraps every parser to:

- fill fields Discord documents as always present but its own examples omit (``member.flags``,
  ``version`` …) — discord.py indexes them directly;
- drop events already seen: a RESUME replays everything after the last sequence number the client
  acknowledged, and a reconnect may overlap, so messages are deduplicated by message id, interactions
  by interaction id and every other dispatch by (session, sequence);
- keep the raw interaction payload (discord.py's ``Interaction`` drops ``channel_id`` when Discord sends
  no ``channel`` object) and the channel type of messages, for the adapter to read;
- log and skip a payload discord.py still can't parse, instead of dropping the connection;
- tell the adapter when every server listed in READY has arrived (no fixed ``guild_ready_timeout`` wait).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import discord

log = logging.getLogger("hearth.discord")

# Events whose replay is legitimate state (a new READY) rather than a duplicate.
_NEVER_DEDUPED = frozenset({"READY", "RESUMED", "GUILD_CREATE"})
DEFAULT_ATTACHMENT_LIMIT = 10 * 1024 * 1024


class Recent:
    """A bounded set: remembers the last ``size`` keys, oldest forgotten first."""

    def __init__(self, size: int) -> None:
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._size = size

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; ``False`` if it was already there."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)
        return True


def _fill_member(member: Any) -> None:
    if isinstance(member, dict):
        member.setdefault("flags", 0)
        member.setdefault("roles", [])


def normalise(event: str, data: Any, application_id: int | None) -> None:
    """Add the fields discord.py requires but some payloads (Discord's own doc examples) leave out."""
    if not isinstance(data, dict):
        return
    if event == "INTERACTION_CREATE":
        _fill_member(data.get("member"))
        data.setdefault("version", 1)
        data.setdefault("attachment_size_limit", DEFAULT_ATTACHMENT_LIMIT)
        if "application_id" not in data and application_id is not None:
            data["application_id"] = str(application_id)
    elif event in {"MESSAGE_CREATE", "MESSAGE_UPDATE"}:
        for message in (data, data.get("referenced_message")):
            if isinstance(message, dict):
                _fill_member(message.get("member"))
                for mentioned in message.get("mentions") or ():
                    if isinstance(mentioned, dict):
                        _fill_member(mentioned.get("member"))
    elif event in {"GUILD_MEMBER_ADD", "GUILD_MEMBER_UPDATE"}:
        _fill_member(data)
    elif event == "MESSAGE_REACTION_ADD":
        _fill_member(data.get("member"))
    elif event == "GUILD_CREATE":
        for member in data.get("members") or ():
            _fill_member(member)


class GatewayGuard:
    """Installed on a ``discord.Client`` before it connects; see the module docstring."""

    def __init__(self, client: discord.Client, *, remember: int = 20_000, shards: int = 1) -> None:
        self._client = client
        self._messages = Recent(remember)
        self._interactions = Recent(remember)
        self._sequences = Recent(remember)
        self._raw_interactions: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._channel_types: OrderedDict[int, int] = OrderedDict()
        self._waiting_guilds: set[str] = set()
        # Each shard sends its own READY listing its servers: ready once every shard did and all arrived.
        self._shards = shards
        self._readies = 0
        self.ready = asyncio.Event()
        self.duplicates = 0
        self.skipped = 0

    def install(self) -> None:
        parsers: dict[str, Callable[[Any], None]] = self._client._connection.parsers
        for event, parse in list(parsers.items()):
            parsers[event] = self._guarded(event, parse)

    def take_interaction(self, interaction_id: int) -> dict[str, Any]:
        """The raw INTERACTION_CREATE payload (forgotten once taken)."""
        return self._raw_interactions.pop(interaction_id, {})

    def channel_type(self, channel_id: int) -> int | None:
        return self._channel_types.get(channel_id)

    def _duplicate(self, event: str, data: Any) -> bool:
        if event in _NEVER_DEDUPED or not isinstance(data, dict):
            return False
        if event == "MESSAGE_CREATE" and "id" in data:
            return not self._messages.add(str(data["id"]))
        if event == "INTERACTION_CREATE" and "id" in data:
            return not self._interactions.add(str(data["id"]))
        socket = self._client.ws
        if socket is None or socket.sequence is None:
            return False
        return not self._sequences.add((socket.session_id, socket.sequence))

    def _observe(self, event: str, data: dict[str, Any]) -> None:
        if event == "READY":
            self._readies += 1
            self._waiting_guilds |= {str(g.get("id")) for g in data.get("guilds") or () if isinstance(g, dict)}
            if not self._waiting_guilds and self._readies >= self._shards:
                self.ready.set()
        elif event == "GUILD_CREATE":
            self._waiting_guilds.discard(str(data.get("id")))
            if not self._waiting_guilds and self._readies >= self._shards:
                self.ready.set()
        elif event == "INTERACTION_CREATE" and "id" in data:
            self._raw_interactions[int(data["id"])] = data
            while len(self._raw_interactions) > 1000:  # unhandled ones (no listener yet) must not pile up
                self._raw_interactions.popitem(last=False)
        elif event == "MESSAGE_CREATE" and "channel_type" in data and "channel_id" in data:
            self._channel_types[int(data["channel_id"])] = int(data["channel_type"])
            while len(self._channel_types) > 5000:
                self._channel_types.popitem(last=False)

    def _guarded(self, event: str, parse: Callable[[Any], None]) -> Callable[[Any], None]:
        def guarded(data: Any) -> None:
            try:
                if self._duplicate(event, data):
                    self.duplicates += 1
                    log.debug("dropped a replayed %s", event)
                    return
                normalise(event, data, self._client.application_id)
                if isinstance(data, dict):
                    self._observe(event, data)
                parse(data)
            except Exception:
                self.skipped += 1
                log.exception("skipped a %s event Hearth could not read; the connection stays up", event)

        return guarded
