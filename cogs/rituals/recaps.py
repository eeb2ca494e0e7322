"""Closing words: the recap of an occurrence and the monthly "community wins" roundup.

Both are sent after their claim (closing the occurrence; inserting the month's roundup row) is committed,
so each goes out at most once, whichever process or restart gets there first.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from bot.kit.platform import MessageRef, place_from_key
from bot.kit.reply import Reply
from cogs.points.engine import PointsEngine
from cogs.rituals.config import RitualsConfig
from cogs.rituals.participation import ParticipationStore
from cogs.rituals.posting import safely
from cogs.rituals.schedule import month_bounds, previous_month_key
from cogs.rituals.store import OccurrenceView, RitualStore, RitualView
from cogs.rituals.templates import RecapSummary, recap_reply, roundup_reply
from cogs.services import Platforms


class Recaps:
    def __init__(self, config: RitualsConfig, store: RitualStore, participation: ParticipationStore,
                 platforms: Platforms, points: PointsEngine, timezone: tzinfo) -> None:
        self.config = config
        self.store = store
        self.participation = participation
        self.platforms = platforms
        self.points = points
        self.tz = timezone
        self._roundup_month: str | None = None

    async def post(self, occurrence_id: int) -> None:
        """Answer each of the occurrence's posts with its recap (a new message where a reply fails)."""
        occurrence = await self.store.occurrence(occurrence_id)
        ritual = await self.store.get(occurrence.ritual_id) if occurrence else None
        if occurrence is None or ritual is None or not occurrence.number:
            return  # never posted anywhere: nothing to recap
        reply = await self.recap(ritual, occurrence)
        for post in await self.store.posts([occurrence.id]):
            place = place_from_key(post.place_key)
            platform = self.platforms.get(place.platform)
            if post.status != "sent" or post.message_id is None or platform is None:
                continue
            answered = await safely(platform.reply(MessageRef(place, post.message_id), reply), "posting a recap")
            if answered is None:
                await safely(platform.send(place, reply), "posting a recap")

    async def recap(self, ritual: RitualView, occurrence: OccurrenceView) -> Reply:
        await self.points.flush()  # reactions counted so far are in post_stats
        return recap_reply(
            ritual.name, occurrence.scheduled_at.astimezone(ritual.schedule.tz).isocalendar()[1],
            participants=await self.participation.participant_names(occurrence.id), posts=occurrence.posts,
            top_posts=await self.participation.top_posts([occurrence.id], self.config.top_posts),
            streaks=await self.participation.streak_holders(ritual.id, occurrence.number or 0))

    async def roundup(self, now: datetime) -> int:
        """Once a month, the best-attended recaps and top posts of the month before; how many channels got it."""
        month = previous_month_key(now, self.tz)
        if not self.config.roundup_channels or self._roundup_month == month:
            return 0
        self._roundup_month = month
        if not await self.store.claim_roundup(month, now):
            return 0
        start, end = month_bounds(month, self.tz)
        held = await self.store.held_in(start, end, limit=1000)
        if not held:
            return 0
        await self.points.flush()
        top = await self.participation.top_posts([o.id for _, o in held], self.config.top_posts)
        summaries = [RecapSummary(name, o.scheduled_at.astimezone(self.tz).isocalendar()[1], o.participants, o.posts)
                     for name, o in held[: self.config.top_posts]]
        reply = roundup_reply(start.strftime("%B %Y"), summaries, top)
        sent = 0
        for key in self.config.roundup_channels:
            place = place_from_key(key)
            platform = self.platforms.get(place.platform)
            if platform is not None and await safely(platform.send(place, reply), "posting the roundup"):
                sent += 1
        return sent
