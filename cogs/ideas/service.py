"""Idea rules: filing (with duplicate suggestions), one vote per member, status moves, and shipping credit.

Shipping an idea is the payoff of the whole loop: the requester and everyone who voted are named in a
public announcement ("You asked for this — it's here") and get points. Each award's source key names the
idea and the member, so a retry or a second shipping attempt can never pay twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.kit.clock import Clock
from bot.kit.platform import Place, Platform, message_key, place_from_key
from bot.kit.reply import Choice, Reply
from cogs.ideas.config import IdeasConfig
from cogs.ideas.similarity import most_similar
from cogs.ideas.store import IdeaStore, IdeaView
from cogs.points.engine import Award, PointsEngine
from cogs.polls.places import safely
from cogs.services import Platforms

log = logging.getLogger("hearth.ideas")

STATUSES = ("open", "planned", "in_progress", "shipped", "declined")
STATUS_LABELS = {"open": "open", "planned": "planned", "in_progress": "in progress", "shipped": "shipped",
                 "declined": "declined"}
# Where an idea may go from each status. Shipped is final: its credit has been given.
TRANSITIONS = {
    "open": {"planned", "in_progress", "shipped", "declined"},
    "planned": {"in_progress", "shipped", "declined"},
    "in_progress": {"planned", "shipped", "declined"},
    "declined": {"planned", "in_progress"},
    "shipped": set(),
}
REQUESTER_RULE, VOTER_RULE = "idea_shipped", "idea_backed"
NAMES_SHOWN = 8


class IdeaRefused(Exception):
    """The action can't be done; the message says why and what to do instead."""


@dataclass(frozen=True)
class Similar:
    """Filing held back: these ideas look the same. ``draft_id`` files it anyway."""

    draft_id: int
    matches: list[IdeaView]


def vote_button(idea: IdeaView) -> Choice:
    return Choice(label=f"👍 Vote for #{idea.id}", action=f"idea:vote:{idea.id}", style="primary")


def card(idea: IdeaView) -> Reply:
    status = "" if idea.status == "open" else f" · {STATUS_LABELS[idea.status]}"
    return Reply(title=f"💡 Idea #{idea.id}", text=idea.title,
                 footer=f"From {idea.author_name} · {idea.votes} vote{'s' if idea.votes != 1 else ''}{status}",
                 choices=(vote_button(idea),) if idea.status in ("open", "planned", "in_progress") else ())


def name_list(names: list[str]) -> str:
    """"Ann", "Ann and Bo", "Ann, Bo and Cy", "Ann, Bo … and 4 more"."""
    shown, rest = names[:NAMES_SHOWN], len(names) - NAMES_SHOWN
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) <= 1:
        return "".join(shown)
    return ", ".join(shown[:-1]) + " and " + shown[-1]


class IdeaService:
    def __init__(self, store: IdeaStore, config: IdeasConfig, platforms: Platforms, clock: Clock,
                 points: PointsEngine) -> None:
        self.store = store
        self.config = config
        self.platforms = platforms
        self.clock = clock
        self.points = points
        # Board card message → idea, so a reaction is matched without a query (reactions are a hot path).
        self.cards: dict[str, int] = {}

    async def start(self) -> None:
        self.cards = await self.store.post_keys()

    # --- filing --------------------------------------------------------------------------------------

    async def submit(self, text: str, member_id: int) -> IdeaView | Similar:
        now = self.clock.now()
        matches = most_similar(text, await self.store.titles(), self.config.duplicate_threshold)
        if matches:
            found = [idea for _, idea_id in matches if (idea := await self.store.get(idea_id)) is not None]
            return Similar(await self.store.add_draft(member_id, text, now), found)
        return await self._filed(await self.store.add(text, member_id, now))

    async def file_draft(self, draft_id: int, member_id: int) -> IdeaView:
        idea_id, problem = await self.store.file_draft(draft_id, member_id, self.clock.now())
        if problem is not None or idea_id is None:
            raise IdeaRefused(problem or "That idea can't be filed.")
        return await self._filed(idea_id)

    async def _filed(self, idea_id: int) -> IdeaView:
        idea = await self.store.get(idea_id)
        assert idea is not None
        for key in self.config.board_places:
            place = place_from_key(key)
            platform = self.platforms.get(place.platform)
            if platform is None:
                continue
            ref = await safely(platform.send(place, card(idea)), "posting an idea card")
            if ref is not None:
                self.cards[message_key(ref)] = idea.id
                await self.store.add_post(message_key(ref), idea.id)
        return idea

    # --- voting --------------------------------------------------------------------------------------

    async def vote(self, idea_id: int, member_id: int) -> str:
        idea = await self.store.get(idea_id)
        if idea is None:
            raise IdeaRefused(f"There's no idea #{idea_id}. See /ideas")
        if idea.status in ("shipped", "declined"):
            raise IdeaRefused(f"Idea #{idea.id} is {STATUS_LABELS[idea.status]} — votes are closed.")
        if idea.author_member_id == member_id:
            raise IdeaRefused(f"#{idea.id} is your own idea — your support counts already. Share it!")
        if not await self.store.vote(idea.id, member_id, self.clock.now()):
            raise IdeaRefused(f"You already voted for #{idea.id} — one vote per member.")
        return f"Thanks — your vote for #{idea.id} “{idea.title}” is counted ({idea.votes + 1} now)."

    # --- statuses ------------------------------------------------------------------------------------

    async def set_status(self, idea_id: int, status: str, note: str | None, here: Place,
                         here_platform: Platform) -> tuple[IdeaView, int]:
        """Move an idea; shipping announces it and credits. Returns the idea and how many members were paid."""
        idea = await self.store.get(idea_id)
        if idea is None:
            raise IdeaRefused(f"There's no idea #{idea_id}.")
        if idea.status == status:
            raise IdeaRefused(f"Idea #{idea.id} is already {STATUS_LABELS[status]}.")
        if status not in TRANSITIONS[idea.status]:
            if idea.status == "shipped":
                raise IdeaRefused(f"Idea #{idea.id} has shipped — that's final (its credit was given).")
            raise IdeaRefused(f"Idea #{idea.id} is {STATUS_LABELS[idea.status]}; it can go to "
                              f"{', '.join(STATUS_LABELS[s] for s in sorted(TRANSITIONS[idea.status]))}.")
        now = self.clock.now()
        if not await self.store.change_status(idea.id, idea.status, status, note, now):
            raise IdeaRefused(f"Idea #{idea.id} was changed by someone else just now — check it and try again.")
        updated = await self.store.get(idea.id)
        assert updated is not None
        credited = 0
        if status == "shipped":
            credited = await self._ship(updated, now, here, here_platform)
        return updated, credited

    async def _ship(self, idea: IdeaView, now: datetime, here: Place, here_platform: Platform) -> int:
        voters = [member for member in await self.store.voters(idea.id) if member != idea.author_member_id]
        names = await self.store.names(voters)
        credited = 0
        awards = [(idea.author_member_id, REQUESTER_RULE, self.config.requester_points)]
        awards += [(member, VOTER_RULE, self.config.voter_points) for member in voters]
        for member, rule, amount in awards:
            if amount and await self.points.award(Award(member, rule, amount, f"idea:{idea.id}:shipped:{member}",
                                                        now, note=f"idea #{idea.id} shipped")):
                credited += 1
        await self._announce(self._announcement(idea, [names.get(m, "a member") for m in voters]), here,
                             here_platform)
        return credited

    def _announcement(self, idea: IdeaView, voter_names: list[str]) -> Reply:
        lines = [f"“{idea.title}” — you asked for this — it's here."]
        thanks = f"Thanks to {idea.author_name} for the idea"
        lines.append(f"{thanks} and to {name_list(voter_names)} for voting for it." if voter_names else thanks + ".")
        if idea.note:
            lines.append(idea.note)
        points = [f"+{self.config.requester_points} points to {idea.author_name}"] if self.config.requester_points \
            else []
        if voter_names and self.config.voter_points:
            points.append(f"+{self.config.voter_points} to each voter")
        return Reply(title=f"🚀 Shipped: idea #{idea.id}", text="\n".join(lines), tone="success",
                     footer=" · ".join(points) or None)

    async def _announce(self, reply: Reply, here: Place, here_platform: Platform) -> None:
        places = [place_from_key(key) for key in self.config.announce_places] or [here]
        for place in places:
            platform = self.platforms.get(place.platform) or (here_platform if place == here else None)
            if platform is None:
                log.warning("can't announce a shipped idea in %s: %s is not connected", place.key, place.platform)
                continue
            await safely(platform.send(place, reply), "announcing a shipped idea")
