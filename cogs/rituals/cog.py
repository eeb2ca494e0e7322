"""The rituals cog: declares the commands, the RSVP button, the listeners and the scheduler's lifecycle."""

from __future__ import annotations

from collections.abc import Sequence

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command
from bot.kit.events import BotRemoved, MembersMerged, MessagePosted, ReactionAdded
from bot.kit.registry import Action
from cogs.rituals.commands import RitualModeration
from cogs.rituals.member import RitualMembers
from cogs.rituals.service import RitualService


class RitualsCog(Cog):
    name = "rituals"

    def __init__(self, service: RitualService) -> None:
        self.service = service
        self.moderation = RitualModeration(service)
        self.members = RitualMembers(service)

    def commands(self) -> Sequence[Command]:
        return (*self.members.commands(), *self.moderation.commands())

    def actions(self) -> Sequence[Action]:
        return (Action("ritual", self.members.on_action),)

    def listeners(self) -> Sequence[Listener]:
        return (
            (MessagePosted, self.service.activity.on_message),
            (ReactionAdded, self.service.activity.on_reaction),
            (MembersMerged, self.on_merge),
            (BotRemoved, self.service.on_bot_removed),
        )

    async def on_merge(self, event: MembersMerged) -> None:
        await self.service.participation.merge(event.kept, event.merged)

    async def start(self) -> None:
        await self.service.start()

    async def stop(self) -> None:
        await self.service.stop()
