"""Lets any feature add lines to ``/profile`` without the profile cog knowing the feature."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence

from bot.kit.reply import Field

log = logging.getLogger("hearth.profile")

SectionProvider = Callable[[int], Awaitable[Sequence[Field]]]


class ProfileSections:
    def __init__(self) -> None:
        self._providers: list[SectionProvider] = []

    def add(self, provider: SectionProvider) -> None:
        self._providers.append(provider)

    async def collect(self, member_id: int) -> list[Field]:
        fields: list[Field] = []
        for provider in self._providers:
            try:
                fields.extend(await provider(member_id))
            except Exception:
                # One broken feature must not take /profile down with it.
                log.exception("profile section %s failed", getattr(provider, "__qualname__", provider))
        return fields
