"""Poll rules: creating and posting, counting votes from every platform into one tally, closing on time.

One tally per poll: a vote is stored per *member* (linked Discord and Telegram accounts are one member),
so a member voting on Discord and then on Telegram has one vote — the last one. Votes arrive three ways:
native Discord polls (``PollAnswered.poll_id`` is the poll message's id), native Telegram polls (the
adapter maps the poll back to our ``poll:<poll>:<post>`` key) and buttons. Every path goes through
``_cast``, which refuses closed polls and members outside a beta group, with the reason.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.kit.clock import Clock
from bot.kit.events import PollAnswered
from bot.kit.platform import MessageRef, Place, Platform, place_from_key
from bot.kit.reply import FileUpload, Reply
from cogs.polls.chart import render_chart
from cogs.polls.config import BetaGroup, PollsConfig
from cogs.polls.places import safely
from cogs.polls.render import (
    button_message,
    closed_message,
    fits_natively,
    native_poll,
    results_message,
    vote_note,
    when,
)
from cogs.polls.store import Chooser, PollStore, PollView, PostView, Selection, VoteChange
from cogs.services import Platforms

log = logging.getLogger("hearth.polls")

NATIVE_KEY = re.compile(r"^poll:(\d+):(\d+)$")


class PollRefused(Exception):
    """A vote or request that can't count; the message tells the member why."""


@dataclass(frozen=True)
class Posted:
    place: Place
    native: bool
    ok: bool


class PollService:
    def __init__(self, store: PollStore, config: PollsConfig, platforms: Platforms, clock: Clock,
                 timezone: tzinfo) -> None:
        self.store = store
        self.config = config
        self.platforms = platforms
        self.clock = clock
        self.timezone = timezone

    # --- creating ------------------------------------------------------------------------------

    def group(self, key: str) -> BetaGroup:
        group = self.config.groups.get(key)
        if group is None:
            known = ", ".join(sorted(self.config.groups)) or "none are configured ([polls.groups] in the config)"
            raise PollRefused(f"There's no beta group '{key}'. Groups: {known}.")
        return group

    def targets(self, here: Place, group: BetaGroup | None) -> list[Place]:
        if group is not None and group.places:
            return [place_from_key(key) for key in group.places]
        if self.config.places:
            return [place_from_key(key) for key in self.config.places]
        return [here]

    async def create(self, *, question: str, options: tuple[str, ...], multiple: bool, anonymous: bool,
                     closes_at: datetime, created_by: int, here: Place, here_platform: Platform,
                     audience: str | None = None) -> tuple[PollView, list[Posted]]:
        group = self.group(audience) if audience else None
        now = self.clock.now()
        poll_id, posts = await self.store.create(
            question=question, options=options, multiple=multiple, anonymous=anonymous, audience=audience,
            created_by=created_by, now=now, closes_at=closes_at, places=self.targets(here, group))
        poll = await self.store.get(poll_id)
        assert poll is not None
        posted = [await self._post(poll, post, here_platform, now) for post in posts]
        return poll, posted

    def _platform(self, place: Place, fallback: Platform | None = None) -> Platform | None:
        found = self.platforms.get(place.platform)
        if found is None and fallback is not None and fallback.name == place.platform:
            return fallback
        return found

    async def _post(self, poll: PollView, post: PostView, fallback: Platform, now: datetime) -> Posted:
        platform = self._platform(post.place, fallback)
        if platform is None:
            log.warning("poll %s: %s is not connected; not posted to %s", poll.id, post.place.platform,
                        post.place.key)
            return Posted(post.place, False, False)
        ref: MessageRef | None = None
        native = fits_natively(platform, poll, now)
        if native:
            ref = await safely(platform.send_poll(post.place, native_poll(poll, post.id, now)), "sending a poll")
            native = ref is not None  # refused (permissions, limits): fall back to buttons
        if ref is None:
            audience = self.config.groups[poll.audience].name if poll.audience in self.config.groups else None
            ref = await safely(platform.send(post.place, button_message(poll, post.id, self.timezone, audience)),
                               "sending a poll")
        await self.store.set_message(post.id, ref.message_id if ref else None, native)
        return Posted(post.place, native, ref is not None)

    # --- voting --------------------------------------------------------------------------------

    async def _refusal(self, poll: PollView, post: PostView | None, member_id: int, now: datetime) -> str | None:
        if poll.is_closed(now):
            return (f"Poll #{poll.id} closed {when(poll.closed_at or poll.closes_at, self.timezone)} — votes after "
                    f"that don't count. Results: /poll results {poll.id}")
        if poll.audience is None:
            return None
        group = self.config.groups.get(poll.audience)
        if group is None:
            return f"Poll #{poll.id} was for a beta group that no longer exists; ask a moderator."
        if group.tiers:
            tier = await self.store.member_tier(member_id)
            if tier not in group.tiers:
                allowed = ", ".join(t.replace("_", " ").title() for t in group.tiers)
                yours = tier.replace("_", " ").title() if tier else "none yet"
                return f"Poll #{poll.id} is for {group.name} ({allowed}) only — your tier: {yours}."
        if group.places and (post is None or post.place.key not in group.places):
            return f"Poll #{poll.id} counts votes from {group.name}'s own channels only."
        return None

    async def _cast(self, poll: PollView, post: PostView | None, member_id: int, platform: str,
                    chooser: Chooser) -> VoteChange:
        now = self.clock.now()
        refusal = await self._refusal(poll, post, member_id, now)
        if refusal:
            raise PollRefused(refusal)
        return await self.store.vote(poll.id, member_id, platform, chooser, now)

    async def vote_button(self, poll_id: int, post_id: int, option: int, member_id: int, platform: str) -> str:
        """A button press: single choice sets the vote, multiple choice toggles the option. Returns the note."""
        poll = await self.store.get(poll_id)
        if poll is None or not 0 <= option < len(poll.options):
            raise PollRefused("That poll doesn't exist any more.")
        post = await self.store.post(post_id)

        def choose(before: Selection | None, _by: str | None) -> Selection | None:
            if not poll.multiple:
                return frozenset({option})
            return (before or frozenset()) ^ {option}

        change = await self._cast(poll, post if post and post.poll_id == poll_id else None, member_id, platform,
                                  choose)
        if not change.changed:
            return f"You already voted for {poll.options[option]} — one vote per member."
        return vote_note(poll, change.after or frozenset())

    async def vote_native(self, event: PollAnswered, member_id: int) -> None:
        """A native answer. The answer is the voter's whole choice; empty means they withdrew it."""
        post = await self._native_post(event)
        if post is None or not post.native:
            # A poll Hearth didn't send, or a post that has buttons (anonymous polls): not counted natively.
            return
        poll = await self.store.get(post.poll_id)
        if poll is None:
            return
        chosen = frozenset(n for n in event.option_ids if 0 <= n < len(poll.options))
        if not poll.multiple and len(chosen) > 1:
            chosen = frozenset({min(chosen)})
        platform = event.user.platform

        def choose(before: Selection | None, by: str | None) -> Selection | None:
            # Withdrawing on one platform must not erase a newer vote cast on the other.
            if not chosen and by is not None and by != platform:
                return None
            return chosen

        if not chosen and poll.is_closed(self.clock.now()):
            return  # the platform itself takes late withdrawals back; nothing to tell
        try:
            await self._cast(poll, post, member_id, platform, choose)
        except PollRefused as refusal:
            # A native poll can't refuse the click: tell the voter privately why it doesn't count.
            chat = self.platforms.get(platform)
            if chat is not None:
                await safely(chat.send_direct(event.user.user_id, Reply.error(str(refusal))), "a poll refusal DM")
            log.info("poll %s: vote from %s:%s refused: %s", poll.id, platform, event.user.user_id, refusal)

    async def _native_post(self, event: PollAnswered) -> PostView | None:
        keyed = NATIVE_KEY.match(event.poll_id)
        if keyed:
            post = await self.store.post(int(keyed.group(2)))
            return post if post is not None and post.poll_id == int(keyed.group(1)) else None
        return await self.store.post_by_message(event.user.platform, event.poll_id)

    # --- closing and results -------------------------------------------------------------------

    async def results(self, poll_id: int, *, chart: bool = True) -> Reply:
        poll = await self.store.get(poll_id)
        if poll is None:
            raise PollRefused(f"There's no poll #{poll_id}. Open polls: /poll list")
        reply = results_message(poll, self.clock.now(), self.timezone)
        if chart and self.config.chart and poll.voters:
            image = await render_chart(poll.question, poll.options, poll.counts)
            reply = Reply(title=reply.title, text=reply.text, footer=reply.footer,
                          files=(FileUpload(f"poll-{poll.id}.png", image, "image/png"),))
        return reply

    async def close(self, poll_id: int, now: datetime | None = None) -> bool:
        """Close a poll once (a second caller gets False) and post the results where it was posted."""
        now = now or self.clock.now()
        if not await self.store.claim_close(poll_id, now):
            return False
        results = await self.results(poll_id)
        poll = await self.store.get(poll_id)
        assert poll is not None
        for post in await self.store.posts(poll_id):
            platform = self._platform(post.place)
            if platform is None:
                log.warning("poll %s closed but %s is not connected: no results posted there", poll_id,
                            post.place.platform)
                continue
            if post.message_id is None:
                await safely(platform.send(post.place, results), "posting poll results")
                continue
            message = MessageRef(place=post.place, message_id=post.message_id)
            if not post.native:
                await safely(platform.edit(message, closed_message(poll)), "closing a poll message")
            await safely(platform.reply(message, results), "posting poll results")
        log.info("poll %s closed with %s voters", poll_id, poll.voters)
        return True

    async def close_due(self) -> int:
        """Close every poll whose time has come (the scheduler calls this; safe to run twice)."""
        closed = 0
        now = self.clock.now()
        for poll_id in await self.store.due(now):
            try:
                closed += await self.close(poll_id, now)
            except Exception:
                log.exception("closing poll %s failed; its results can still be read with /poll results", poll_id)
        return closed

    def max_open(self) -> timedelta:
        return timedelta(days=self.config.max_open_days)

