"""Lets any feature add lines to ``/profile`` without the profile cog knowing the feature."""

from __future__ import annotations

import asyncio
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
        """Every feature's lines, in the order the features were added; the look-ups run side by side."""
        results = await asyncio.gather(*(provider(member_id) for provider in self._providers),
                                       return_exceptions=True)
        fields: list[Field] = []
        for provider, result in zip(self._providers, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                # One broken feature must not take /profile down with it.
                log.error("profile section %s failed", getattr(provider, "__qualname__", provider),
                          exc_info=result)
                continue
            fields.extend(result)
        return fields
