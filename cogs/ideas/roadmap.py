"""The roadmap: planned, in progress and recently shipped ideas — in chat, as JSON and as a public page.

The quarterly reveal is a small ritual: on the first day of each quarter the roadmap is posted to the
configured places. The quarter's ``roadmap_reveals`` row is claimed before posting, so a restart or a
second process never posts it twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from bot.kit.platform import place_from_key
from bot.kit.reply import Field, Reply
from cogs.ideas.config import IdeasConfig
from cogs.ideas.store import IdeaStore, IdeaView
from cogs.polls.places import safely
from cogs.services import Platforms

log = logging.getLogger("hearth.ideas")

SECTION_SIZE = 25
SECTIONS = (("planned", "🗓️ Planned"), ("in_progress", "🔨 In progress"), ("shipped", "🚀 Recently shipped"))


@dataclass(frozen=True)
class Roadmap:
    generated_at: datetime
    planned: list[IdeaView]
    in_progress: list[IdeaView]
    shipped: list[IdeaView]

    def section(self, status: str) -> list[IdeaView]:
        return {"planned": self.planned, "in_progress": self.in_progress, "shipped": self.shipped}[status]


def quarter_of(at: datetime, timezone: tzinfo) -> tuple[str, str]:
    """(key, label) of the quarter an instant falls in, locally: ("2026-Q2", "Q2 2026")."""
    local = at.astimezone(timezone)
    number = (local.month - 1) // 3 + 1
    return f"{local.year}-Q{number}", f"Q{number} {local.year}"


def idea_json(idea: IdeaView) -> dict[str, Any]:
    return {"id": idea.id, "title": idea.title, "status": idea.status, "votes": idea.votes,
            "note": idea.note, "requested_by": idea.author_name, "updated_at": idea.status_changed_at.isoformat(),
            "shipped_at": idea.shipped_at.isoformat() if idea.shipped_at else None}


class RoadmapService:
    def __init__(self, store: IdeaStore, config: IdeasConfig, platforms: Platforms, timezone: tzinfo,
                 community: str) -> None:
        self.store = store
        self.config = config
        self.platforms = platforms
        self.timezone = timezone
        self.community = community

    async def build(self, now: datetime) -> Roadmap:
        since = now - timedelta(days=self.config.recent_days)
        return Roadmap(now, await self.store.with_status("planned", SECTION_SIZE),
                       await self.store.with_status("in_progress", SECTION_SIZE),
                       await self.store.with_status("shipped", SECTION_SIZE, since=since))

    def as_json(self, roadmap: Roadmap) -> dict[str, Any]:
        return {"community": self.community, "generated_at": roadmap.generated_at.isoformat(),
                "recent_days": self.config.recent_days,
                **{status: [idea_json(i) for i in roadmap.section(status)] for status, _ in SECTIONS}}

    def as_reply(self, roadmap: Roadmap, title: str = "🗺️ Roadmap") -> Reply:
        fields = []
        for status, heading in SECTIONS:
            ideas = roadmap.section(status)[:10]
            lines = [f"#{i.id} {i.title} ({i.votes} vote{'s' if i.votes != 1 else ''})" for i in ideas]
            fields.append(Field(heading, "\n".join(lines) or "Nothing here yet."))
        return Reply(title=title, text=f"What {self.community} is building, shaped by your ideas.",
                     fields=tuple(fields), footer="Suggest something: /idea · Vote: /ideas top")

    async def reveal(self, now: datetime) -> bool:
        """Post this quarter's roadmap once (a second call, or a restart, gets False)."""
        if not self.config.reveal_places:
            return False
        key, label = quarter_of(now, self.timezone)
        if not await self.store.claim_reveal(key, now):
            return False
        reply = self.as_reply(await self.build(now), title=f"🗺️ The roadmap for {label}")
        for place_key in self.config.reveal_places:
            place = place_from_key(place_key)
            platform = self.platforms.get(place.platform)
            if platform is None:
                log.warning("roadmap reveal: %s is not connected; %s skipped", place.platform, place_key)
                continue
            await safely(platform.send(place, reply), "posting the roadmap reveal")
        return True
