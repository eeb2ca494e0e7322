"""Member identity: a Member is a person; platform accounts and store customers link to one Member."""

from __future__ import annotations

from typing import Protocol

from bot.kit.platform import PlatformUser


class MemberDirectory(Protocol):
    """Maps platform accounts to member ids (implemented over storage by the members service)."""

    async def resolve(self, user: PlatformUser) -> int:
        """The member behind an account, created on first sight."""

    async def find(self, user: PlatformUser) -> int | None:
        """The member behind an account, or ``None`` if Hearth has never seen it."""
