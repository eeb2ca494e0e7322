"""The proof cog: no commands; it keeps the cached page free of anyone who just opted out or was forgotten."""

from __future__ import annotations

from collections.abc import Sequence

from bot.kit.cog import Cog, Listener
from bot.kit.events import MemberForgotten, MembersMerged
from cogs.privacy.preferences import PreferencesChanged
from cogs.proof.service import ProofService


class ProofCog(Cog):
    name = "proof"

    def __init__(self, service: ProofService) -> None:
        self.service = service

    def listeners(self) -> Sequence[Listener]:
        # Anything that can take a name off the page drops the cached one at once.
        return ((PreferencesChanged, self.on_change), (MemberForgotten, self.on_change),
                (MembersMerged, self.on_change))

    async def on_change(self, _event: object) -> None:
        self.service.invalidate()

    async def stop(self) -> None:
        await self.service.stop()
