"""The welcome: who we are, the rituals to join this week, the first steps — by DM, or a channel mention once.

A member is welcomed once (whatever platform they join on, or ``/start``): the welcome is claimed by a
conditional UPDATE on their ``onboarding_members`` row, and the channel fallback by another, so neither
a duplicate join event nor two processes can welcome twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, or_, select, update

from bot.kit.platform import Place, PlatformUser, place_from_key
from bot.kit.reply import Field, Reply
from cogs.onboarding.checklist import Checklist, Progress, ensure_row
from cogs.onboarding.config import OnboardingConfig
from cogs.rituals.store import RitualStore
from storage.database import Database
from storage.models import OnboardingMember

if TYPE_CHECKING:
    from cogs.services import Platforms

log = logging.getLogger("hearth.onboarding")

# Welcomes that may not have reached the member (a channel mention, nothing, or a /start in a group whose
# private answer Telegram couldn't deliver): a private /start shows them the whole welcome after all.
NOT_RECEIVED = ("fallback", "failed", "group")


def mention(user: PlatformUser) -> str:
    """How to name someone in a channel so they notice: a Discord mention, a Telegram @username."""
    if user.platform == "discord" and user.user_id.isdigit():
        return f"<@{user.user_id}>"
    if user.username and user.platform == "telegram":
        return f"@{user.username}"
    return user.display_name


class Welcomer:
    def __init__(self, config: OnboardingConfig, community: str, timezone: str, database: Database,
                 checklist: Checklist, platforms: Platforms) -> None:
        self.config = config
        self.platforms = platforms
        self.community = community
        self.timezone = timezone
        self.database = database
        self.checklist = checklist

    def _fill(self, text: str, name: str) -> str:
        return text.format(member=name, community=self.community)

    async def rituals_this_week(self, now: datetime) -> list[str]:
        """Active rituals with a time in the next seven days, soonest first, in their own timezone."""
        found: list[tuple[datetime, str]] = []
        for ritual in await RitualStore(self.database, self.timezone).rituals():
            if not ritual.active:
                continue
            fire = ritual.schedule.next_after(now)
            if fire is not None and fire - now <= timedelta(days=7):
                local = fire.astimezone(ritual.schedule.tz)
                found.append((fire, f"{ritual.name} — {local:%A %H:%M}"))
        return [line for _, line in sorted(found)]

    async def welcome(self, member_id: int, name: str, now: datetime) -> Reply:
        progress = await self.checklist.progress(member_id, now)
        rituals = await self.rituals_this_week(now)
        return Reply(
            title=f"Welcome to {self.community}, {name}!",
            text=self._fill(self.config.identity, name),
            fields=(Field("Rituals you can join this week", "\n".join(rituals) or "None scheduled this week — "
                          "/rituals shows what's coming."),
                    Field(f"Your first steps ({progress.done} of {len(progress.items)})", progress.lines())),
            footer="/checklist shows your progress · /dm off turns my tips off")

    def progress_reply(self, name: str, progress: Progress) -> Reply:
        if progress.completed_at is not None:
            text = f"All done, {name} — you're fully set up here. Thank you!"
        else:
            text = f"{progress.done} of {len(progress.items)} done. Each step opens a bit more of {self.community}."
        points = self.config.completion_points
        footer = f"Finishing them all earns {points} points." if points and progress.completed_at is None else None
        return Reply(title="Your first steps", text=text, fields=(Field("Checklist", progress.lines()),),
                     footer=footer)

    # --- claims --------------------------------------------------------------------------------

    async def claim(self, member_id: int, joined_at: datetime, now: datetime, *, redo: tuple[str, ...] = ()) -> bool:
        """Take the right to welcome this member: True once (or again from a ``redo`` state)."""
        async with self.database.session() as session, session.begin():
            await ensure_row(session, member_id, joined_at)
            unwelcomed = OnboardingMember.welcome_via.is_(None)
            if redo:
                unwelcomed = or_(unwelcomed, OnboardingMember.welcome_via.in_(redo))
            claimed = await session.execute(update(OnboardingMember).where(
                OnboardingMember.member_id == member_id, unwelcomed).values(welcome_via="sending", welcomed_at=now))
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def settle(self, member_id: int, via: str) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(OnboardingMember).where(OnboardingMember.member_id == member_id)
                                  .values(welcome_via=via))

    async def claim_fallback(self, member_id: int, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            claimed = await session.execute(update(OnboardingMember).where(
                OnboardingMember.member_id == member_id, OnboardingMember.fallback_at.is_(None))
                .values(fallback_at=now))
            return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def state(self, member_id: int) -> str | None:
        async with self.database.session() as session:
            return await session.scalar(select(OnboardingMember.welcome_via)
                                        .where(OnboardingMember.member_id == member_id))

    def fallback_place(self, user: PlatformUser, joined: Place) -> Place:
        key = self.config.channel_for(user.platform)
        return place_from_key(key) if key else joined

    def fallback(self, user: PlatformUser) -> Reply:
        return Reply(title=f"Welcome to {self.community}!",
                     text=f"Welcome, {mention(user)}! I couldn't message you privately — open a chat with me and "
                          "send /start to see your first steps here.")

    async def merge(self, kept: int, merged: int) -> None:
        """One person: the earliest join, a welcome either account got, a checklist either finished."""
        async with self.database.session() as session, session.begin():
            theirs = await session.get(OnboardingMember, merged)
            if theirs is None:
                return
            mine = await session.get(OnboardingMember, kept)
            if mine is None:
                await session.execute(update(OnboardingMember).where(OnboardingMember.member_id == merged)
                                      .values(member_id=kept))
                return
            mine.joined_at = min(mine.joined_at, theirs.joined_at)
            if mine.welcome_via in (None, *NOT_RECEIVED) and theirs.welcome_via not in (None, *NOT_RECEIVED):
                mine.welcome_via, mine.welcomed_at = theirs.welcome_via, theirs.welcomed_at
            mine.fallback_at = mine.fallback_at or theirs.fallback_at
            if theirs.completed_at and (mine.completed_at is None or theirs.completed_at < mine.completed_at):
                mine.completed_at = theirs.completed_at
            await session.flush()
            await session.execute(delete(OnboardingMember).where(OnboardingMember.member_id == merged))
