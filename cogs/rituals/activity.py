"""Chat activity as rituals see it: answers in an open occurrence's thread, and who was active each week.

Every message passes through here, so the hot path is dict look-ups: the places and posts of open
occurrences are indexed in memory (rebuilt from the database each tick, so a second process or a restart
sees the same), and weekly-active members are deduplicated in memory and written in batches.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import message_key
from cogs.members.service import MemberService
from cogs.points.engine import Award, PointsEngine
from cogs.rituals.participation import EntryResult, ParticipationStore
from cogs.rituals.posting import Sent
from cogs.rituals.schedule import week_key
from cogs.rituals.store import OccurrenceView, RitualStore

log = logging.getLogger("hearth.rituals")

RULE = "ritual_participation"
EXCERPT = 100


class ActivityTracker:
    def __init__(self, store: RitualStore, participation: ParticipationStore, members: MemberService,
                 points: PointsEngine, timezone: tzinfo) -> None:
        self.store = store
        self.participation = participation
        self.members = members
        self.points = points
        self.timezone = timezone
        self._threads: dict[str, int] = {}  # thread/topic place key → occurrence
        self._posts: dict[str, int] = {}  # ritual post or entry post key → occurrence
        self._open: dict[int, OccurrenceView] = {}
        self._ritual_points: dict[int, int | None] = {}
        self._seen: dict[str, set[int]] = {}
        self._pending: list[tuple[str, int]] = []

    # --- the index of open occurrences ----------------------------------------------------------

    async def refresh(self) -> None:
        """Rebuild the index from the database (open occurrences, their posts and entries)."""
        open_now = await self.store.occurrences("posting", "open")
        rituals = {r.id: r.points for r in await self.store.rituals()}
        ids = [o.id for o in open_now]
        threads: dict[str, int] = {}
        posts: dict[str, int] = dict(await self.participation.entry_keys(ids))
        for post in await self.store.posts(ids):
            if post.status != "sent" or post.message_id is None:
                continue
            place_key, _, _ = post.place_key.partition("/")
            posts[f"{place_key}:{post.message_id}"] = post.occurrence_id
            if post.thread_key:
                threads[post.thread_key] = post.occurrence_id
        self._open = {o.id: o for o in open_now}
        self._threads, self._posts, self._ritual_points = threads, posts, rituals

    async def add_post(self, occurrence_id: int, sent: Sent) -> None:
        occurrence = await self.store.occurrence(occurrence_id)
        if occurrence is None:
            return
        self._open[occurrence_id] = occurrence
        self._posts[sent.post_key] = occurrence_id
        if sent.thread_key:
            self._threads[sent.thread_key] = occurrence_id

    def forget(self, occurrence_id: int) -> None:
        """Stop counting answers to a closed occurrence."""
        self._open.pop(occurrence_id, None)
        self._threads = {k: v for k, v in self._threads.items() if v != occurrence_id}
        self._posts = {k: v for k, v in self._posts.items() if v != occurrence_id}

    def open_occurrence(self, occurrence_id: int) -> OccurrenceView | None:
        return self._open.get(occurrence_id)

    # --- listeners --------------------------------------------------------------------------------

    async def on_message(self, event: MessagePosted) -> None:
        if event.author.is_bot:
            return
        member_id = await self.members.resolve(event.author)
        self.note_active(member_id, event.at)
        occurrence_id = self._threads.get(event.message.place.key)
        if occurrence_id is None and event.reply_to is not None:
            occurrence_id = self._posts.get(message_key(event.reply_to))
        occurrence = self._open.get(occurrence_id) if occurrence_id is not None else None
        if occurrence is None or event.text.lstrip().startswith("/"):
            return
        key = message_key(event.message)
        result = await self.participation.record(occurrence, member_id, key, _excerpt(event.text), event.at)
        if result.new_entry:
            self._posts[key] = occurrence.id  # a reply to this answer (Telegram reply chains) is an answer too
        if result.new_participant:
            self._award(occurrence, member_id, event.at, result)

    def _award(self, occurrence: OccurrenceView, member_id: int, at: datetime, result: EntryResult) -> None:
        fixed = self._ritual_points.get(occurrence.ritual_id)
        amount = fixed if fixed is not None else self.points.rules.allowance(member_id, RULE, at)
        if amount > 0:
            # One source key per member and occurrence: replays and restarts can't pay twice.
            self.points.submit(Award(member_id, RULE, amount, f"ritual:{occurrence.id}:{member_id}", at))
        log.info("member %s took part in ritual occurrence %s (streak %s)", member_id, occurrence.id, result.streak)

    async def on_reaction(self, event: ReactionAdded) -> None:
        if not event.user.is_bot:
            self.note_active(await self.members.resolve(event.user), event.at)

    # --- weekly active members --------------------------------------------------------------------

    def note_active(self, member_id: int, at: datetime) -> None:
        week = week_key(at, self.timezone)
        seen = self._seen.get(week)
        if seen is None:
            # Weeks change rarely: keep the newest week seen so far beside this one, drop older ones.
            for old in sorted(self._seen)[:-1]:
                del self._seen[old]
            seen = self._seen[week] = set()
        if member_id not in seen:
            seen.add(member_id)
            self._pending.append((week, member_id))

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        try:
            await self.participation.add_active(pending)
        except Exception:
            self._pending = pending + self._pending  # try again on the next tick
            raise


def _excerpt(text: str) -> str:
    cleaned = " ".join(text.split())
    return cleaned if len(cleaned) <= EXCERPT else cleaned[: EXCERPT - 1] + "…"
