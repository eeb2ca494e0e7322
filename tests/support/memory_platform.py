"""An in-memory Platform for cog tests: records every action so tests assert on what was sent."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.kit.platform import Capabilities, MessageRef, Place, PlatformUser, Role, RoleChange
from bot.kit.reply import Poll, Reply


@dataclass
class Sent:
    kind: str  # send | reply | edit | delete | thread | poll | dm | grant | revoke | invite
    target: str
    reply: Reply | None = None
    poll: Poll | None = None
    detail: str = ""


@dataclass
class MemoryPlatform:
    name: str = "memory"
    capabilities: Capabilities = field(default_factory=lambda: Capabilities(threads=True, native_polls=True,
                                                                            buttons=True, roles=True))
    sent: list[Sent] = field(default_factory=list)
    closed_dms: set[str] = field(default_factory=set)
    users: dict[str, PlatformUser] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def _ref(self, place: Place) -> MessageRef:
        return MessageRef(place=place, message_id=str(next(self._ids)))

    def texts(self, kind: str | None = None) -> list[str]:
        return [s.reply.plain_text() for s in self.sent if s.reply and (kind is None or s.kind == kind)]

    async def send(self, place: Place, reply: Reply) -> MessageRef:
        self.sent.append(Sent("send", place.key, reply))
        return self._ref(place)

    async def reply(self, to: MessageRef, reply: Reply) -> MessageRef:
        self.sent.append(Sent("reply", to.message_id, reply))
        return self._ref(to.place)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self.sent.append(Sent("edit", message.message_id, reply))

    async def delete(self, message: MessageRef) -> None:
        self.sent.append(Sent("delete", message.message_id))

    async def create_thread(self, message: MessageRef, title: str) -> Place:
        self.sent.append(Sent("thread", message.message_id, detail=title))
        return Place(platform=self.name, chat_id=message.place.chat_id, thread_id=f"t{message.message_id}")

    async def send_poll(self, place: Place, poll: Poll) -> MessageRef:
        self.sent.append(Sent("poll", place.key, poll=poll))
        return self._ref(place)

    async def send_direct(self, user_id: str, reply: Reply) -> MessageRef | None:
        if user_id in self.closed_dms:
            return None
        self.sent.append(Sent("dm", user_id, reply))
        return self._ref(Place(platform=self.name, chat_id=f"dm{user_id}", is_private=True))

    async def grant_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        self.sent.append(Sent("grant", user_id, detail=role.role_id))
        return RoleChange(applied=True)

    async def revoke_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        self.sent.append(Sent("revoke", user_id, detail=role.role_id))
        return RoleChange(applied=True)

    async def fetch_user(self, user_id: str) -> PlatformUser | None:
        return self.users.get(user_id)

    async def create_invite_link(self, place: Place, name: str) -> str | None:
        self.sent.append(Sent("invite", place.key, detail=name))
        return f"https://invite.{self.name}.test/{place.chat_id}/{next(self._ids)}"
