"""Posting an occurrence to its channels, and telling people things (moderators, reminder DMs).

Each channel is claimed (a ``ritual_posts`` row) before its message is sent, so a restart resumes the
channels that were never tried and never repeats one that may have received the post. A channel the bot
can't post in is retried with growing pauses until the occurrence closes, and moderators hear of it once
per occurrence — a broken channel can't turn into a loop of failing posts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from bot.kit.platform import MessageRef, Place, Platform, message_key, place_from_key
from bot.kit.reply import Reply
from cogs.members.service import MemberService
from cogs.rituals.store import PostView, RitualStore
from cogs.services import Platforms

log = logging.getLogger("hearth.rituals")
T = TypeVar("T")

FIRST_RETRY = timedelta(minutes=5)
LONGEST_RETRY = timedelta(hours=6)
# Channels posted at once; the adapters' own send queues pace what reaches the platform.
PARALLEL_SENDS = 8


async def safely(call: Awaitable[T], what: str) -> T | None:
    """Await an adapter call; an error is logged and becomes None (one failed channel, not a failed tick)."""
    try:
        return await call
    except Exception:
        log.warning("ritual: %s failed", what, exc_info=True)
        return None


def backoff(attempts: int) -> timedelta:
    """Pause before the next try after ``attempts`` failed ones: 5 min, 10, 20 … at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


@dataclass(frozen=True)
class OccurrenceMessage:
    """What an occurrence posts: the prompt, the thread's title and its first line."""

    prompt: Reply
    thread_title: str
    opener: Reply


@dataclass(frozen=True)
class Sent:
    place_key: str
    post_key: str
    thread_key: str | None


OnSent = Callable[[Sent], Awaitable[None]]


class ChannelPoster:
    def __init__(self, store: RitualStore, platforms: Platforms) -> None:
        self.store = store
        self.platforms = platforms

    async def post(self, occurrence_id: int, place_keys: Sequence[str], message: OccurrenceMessage, now: datetime,
                   on_sent: OnSent) -> list[str]:
        """Post to every channel not claimed yet; returns one line per channel that failed."""
        limit = asyncio.Semaphore(PARALLEL_SENDS)

        async def one(key: str) -> str | None:
            async with limit:
                if not await self.store.claim_post(occurrence_id, key):
                    return None
                return await self._send(occurrence_id, key, 1, message, now, on_sent)

        results = await asyncio.gather(*(one(key) for key in dict.fromkeys(place_keys)))
        return [problem for problem in results if problem]

    async def retry(self, post: PostView, message: OccurrenceMessage, now: datetime, on_sent: OnSent) -> str | None:
        if not await self.store.claim_retry(post):
            return None
        return await self._send(post.occurrence_id, post.place_key, post.attempts + 1, message, now, on_sent)

    async def _send(self, occurrence_id: int, key: str, attempts: int, message: OccurrenceMessage, now: datetime,
                    on_sent: OnSent) -> str | None:
        place = place_from_key(key)
        platform = self.platforms.get(place.platform)
        if platform is None:
            problem = f"{key}: {place.platform} isn't connected"
        else:
            ref = await safely(platform.send(place, message.prompt), f"posting to {key}")
            if ref is not None:
                thread = await self._thread(platform, ref, message)
                await self.store.post_sent(occurrence_id, key, ref.message_id, thread.key if thread else None)
                await on_sent(Sent(key, message_key(ref), thread.key if thread else None))
                return None
            problem = f"{key}: the post was refused (does the bot have permission to post there?)"
        retry_at = now + backoff(attempts)
        log.warning("ritual occurrence %s: %s; retrying at %s", occurrence_id, problem, retry_at.isoformat())
        await self.store.post_failed(occurrence_id, key, problem, retry_at)
        return problem

    async def _thread(self, platform: Platform, ref: MessageRef, message: OccurrenceMessage) -> Place | None:
        """Open the place to answer in; None when the platform only offers replies to the post."""
        if not platform.capabilities.threads:
            return None
        thread = await safely(platform.create_thread(ref, message.thread_title), "opening a thread")
        if thread is None or thread == ref.place:
            return None
        await safely(platform.send(thread, message.opener), "posting in the thread")
        return thread

class Notifier:
    """Moderator notices and member DMs, through whichever platform the person is reachable on."""

    def __init__(self, platforms: Platforms, members: MemberService, moderator_channel: str) -> None:
        self.platforms = platforms
        self.members = members
        self.moderator_channel = moderator_channel

    async def dm(self, member_id: int, reply: Reply) -> bool:
        view = await self.members.get(member_id)
        for identity in view.identities if view else ():
            platform = self.platforms.get(identity.platform)
            if platform is None or not platform.capabilities.direct_messages:
                continue
            try:
                if await platform.send_direct(identity.platform_user_id, reply) is not None:
                    return True
            except Exception:
                log.warning("ritual: DM to member %s on %s failed", member_id, identity.platform, exc_info=True)
        return False

    async def moderators(self, reply: Reply, creator: int | None) -> bool:
        """Tell the moderators' channel, else the ritual's creator by DM; False if nobody could be told."""
        if self.moderator_channel:
            place = place_from_key(self.moderator_channel)
            platform = self.platforms.get(place.platform)
            if platform is not None:
                try:
                    if await platform.send(place, reply) is not None:
                        return True
                except Exception:
                    log.warning("ritual: the moderators' channel %s refused a notice", self.moderator_channel,
                                exc_info=True)
        if creator is not None and await self.dm(creator, reply):
            return True
        log.warning("ritual notice reached no moderator: %s", reply.plain_text().replace("\n", " / "))
        return False
