"""The gateway half of the Discord emulator: HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME.

Sessions keep every dispatch they sent, so a RESUME replays what the client missed — exactly what
Discord does. ``replay_overlap`` makes a RESUME also replay events the client already had (Discord
may, after an unclean disconnect), to prove the adapter deduplicates.

Sharding as Discord does it: an IDENTIFY with ``shard: [id, count]`` gets a READY (and GUILD_CREATEs) for
only the servers of that shard, ``(guild_id >> 22) % count``, and a server's events go to its shard's
session. A shard id outside the count is closed with 4010 (Invalid Shard).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

HELLO, HEARTBEAT, IDENTIFY, RESUME, RECONNECT, REQUEST_MEMBERS, INVALID_SESSION = 10, 1, 2, 6, 7, 8, 9
HEARTBEAT_ACK, DISPATCH = 11, 0


@dataclass
class Session:
    session_id: str
    intents: int
    socket: web.WebSocketResponse | None = None
    seq: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    shard: tuple[int, int] | None = None


def shard_of(guild_id: str | int, count: int) -> int:
    """The shard Discord sends a server's events to."""
    return (int(guild_id) >> 22) % count


class Gateway:
    def __init__(self, ready: Callable[[Session], dict[str, Any]], guilds: Callable[[], list[dict[str, Any]]]) -> None:
        self._ready = ready
        self._guilds = guilds
        self.sessions: dict[str, Session] = {}
        self.current: Session | None = None
        self.shards: dict[int, Session] = {}  # shard id → its latest session
        self.identifies: list[dict[str, Any]] = []
        self.resumes: list[dict[str, Any]] = []
        self.replay_overlap = 0
        self.refuse_identify: int | None = None  # close code for IDENTIFY, e.g. 4014 (privileged intents off)
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Condition()

    async def _send(self, socket: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        if not socket.closed:
            await socket.send_str(json.dumps(frame))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_connections(self, count: int, timeout: float = 5.0) -> None:
        """Until ``count`` IDENTIFYs plus RESUMEs have been answered."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: len(self.identifies) + len(self.resumes) >= count), timeout)

    async def dispatch(self, event: str, data: dict[str, Any], session: Session | None = None) -> int:
        """Send a dispatch on its server's shard (else the current session); kept for replay while the client's away."""
        session = session or self.session_for(data)
        if session is None:
            raise RuntimeError("no gateway session for this event: the client (or its shard) hasn't identified yet")
        session.seq += 1
        frame = {"op": DISPATCH, "t": event, "s": session.seq, "d": data}
        session.history.append(frame)
        if session.socket is not None:
            await self._send(session.socket, frame)
        return session.seq

    def session_for(self, data: dict[str, Any]) -> Session | None:
        """The session a server's event goes to: its shard's (None if that shard isn't connected)."""
        guild_id = data.get("guild_id") if isinstance(data, dict) else None
        if guild_id is None or not self.shards:
            return self.current
        count = next(iter(self.shards.values())).shard[1]  # type: ignore[index]
        return self.shards.get(shard_of(guild_id, count))

    def guilds_for(self, session: Session) -> list[dict[str, Any]]:
        guilds = self._guilds()
        if session.shard is None:
            return guilds
        shard_id, count = session.shard
        return [guild for guild in guilds if shard_of(guild["id"], count) == shard_id]

    async def request_reconnect(self) -> None:
        """Op 7: Discord asks the client to reconnect and resume."""
        if self.current is not None and self.current.socket is not None:
            await self._send(self.current.socket, {"op": RECONNECT, "d": None, "s": None, "t": None})

    async def drop(self, code: int = 4000) -> None:
        """Close the socket the way a network failure or a Discord restart does."""
        if self.current is not None and self.current.socket is not None:
            socket, self.current.socket = self.current.socket, None
            await socket.close(code=code)

    async def invalidate(self) -> None:
        """Op 9 (not resumable): the client must IDENTIFY again, starting a new session."""
        if self.current is not None and self.current.socket is not None:
            await self._send(self.current.socket, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close(code=1001)

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(autoping=True)
        await socket.prepare(request)
        self._sockets.add(socket)
        await self._send(socket, {"op": HELLO, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for message in socket:
                if message.type is not WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                await self._on_frame(socket, payload.get("op"), payload.get("d") or {})
        finally:
            self._sockets.discard(socket)
            for session in self.sessions.values():
                if session.socket is socket:
                    session.socket = None
        return socket

    async def _on_frame(self, socket: web.WebSocketResponse, op: int | None, data: Any) -> None:
        if op == HEARTBEAT:
            await self._send(socket, {"op": HEARTBEAT_ACK, "d": None, "s": None, "t": None})
        elif op == IDENTIFY and self.refuse_identify is not None:
            await socket.close(code=self.refuse_identify)
        elif op == IDENTIFY:
            shard = data.get("shard")
            if shard is not None and not 0 <= int(shard[0]) < int(shard[1]):
                await socket.close(code=4010)  # Invalid Shard
                return
            session = Session(session_id=uuid.uuid4().hex, intents=int(data.get("intents", 0)), socket=socket,
                              shard=(int(shard[0]), int(shard[1])) if shard is not None else None)
            self.sessions[session.session_id] = session
            self.current = session
            if session.shard is not None:
                self.shards[session.shard[0]] = session
            self.identifies.append(data)
            guilds = self.guilds_for(session)
            ready = self._ready(session)
            ready["guilds"] = [{"id": guild["id"], "unavailable": True} for guild in guilds]
            if session.shard is not None:
                ready["shard"] = list(session.shard)
            await self.dispatch("READY", ready, session)
            for guild in guilds:
                await self.dispatch("GUILD_CREATE", guild, session)
            await self._notify()
        elif op == RESUME:
            session = self.sessions.get(str(data.get("session_id")))
            if session is None:
                await self._send(socket, {"op": INVALID_SESSION, "d": False, "s": None, "t": None})
                return
            session.socket = socket
            self.current = session
            self.resumes.append(data)
            since = int(data.get("seq") or 0) - self.replay_overlap
            for frame in [f for f in session.history if f["s"] > since]:
                await self._send(socket, frame)
            await self.dispatch("RESUMED", {"_trace": ["emulator"]}, session)
            await self._notify()
        elif op == REQUEST_MEMBERS:
            for guild in self._guilds():
                if str(guild["id"]) == str(data.get("guild_id")):
                    await self.dispatch("GUILD_MEMBERS_CHUNK", {
                        "guild_id": guild["id"], "members": guild["members"], "chunk_index": 0, "chunk_count": 1,
                        "nonce": data.get("nonce")})
