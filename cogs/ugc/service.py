"""UGC rules: capture, consent, moderation (approve / reject / feature), the public feed and milestone requests.

Approval awards the submission's rule (``ugc_post``, ``tutorial`` or ``product_review``) under the source key
``ugc:<id>``; the status change is a conditional update, so approving twice awards once. Featuring grants the
spotlight badge (``member_badges``, announced with ``BadgeEarned``) and posts in the spotlight channel.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.events import BadgeEarned
from bot.kit.platform import Attachment, MessageRef, Place
from bot.kit.reply import Choice, Field, Reply
from cogs.points.engine import Award, PointsEngine
from cogs.ugc.config import UgcConfig
from cogs.ugc.links import (
    ACCEPTED,
    LinkInfo,
    attachment_problem,
    content_key,
    find_link,
    kind_of,
    media_type,
    recognise,
)
from cogs.ugc.messenger import Messenger
from cogs.ugc.store import Submission, UgcStore
from storage.database import Database
from storage.models import MemberBadge
from storage.upsert import insert_ignoring

log = logging.getLogger("hearth.ugc")

KIND_TITLES = {"ugc_post": "post", "tutorial": "tutorial", "product_review": "review"}
TEXT_LIMIT = 2000
MILESTONE_BATCH = 200


class UgcRefused(ValueError):
    """The submission or review can't be done; the message says why, for the person who asked."""


@dataclass(frozen=True)
class Captured:
    submission: Submission
    created: bool


def consent_choices(submission_id: int) -> tuple[Choice, ...]:
    return (Choice("Yes, it may appear on the store", f"ugc:consent:{submission_id}:yes", style="success"),
            Choice("Community only", f"ugc:consent:{submission_id}:no"))


def preview(submission: Submission, *, title: str, for_platform: str | None = None) -> Reply:
    """The submission as a message: its text, the link and a picture where one can be shown."""
    link = recognise(submission.link_url) if submission.link_url else None
    image = link.thumbnail_url if link else None
    media = submission.media_url or ""
    if submission.media_type and submission.media_type.startswith("image/") and (
            media.startswith(("https://", "http://")) or (for_platform and media.startswith(f"{for_platform}-"))):
        image = media  # a Telegram file id only renders on Telegram
    lines = [submission.text] if submission.text else []
    if link is not None and submission.link_url not in (submission.text or ""):
        lines.append(submission.link_url or "")
    fields = (Field("From", submission.author, inline=True),) if submission.author else ()
    footer = f"#{submission.id} · {KIND_TITLES.get(submission.kind, submission.kind)}"
    if link is not None:
        footer += f" · {link.title}"
    return Reply(title=title, text="\n".join(lines)[:TEXT_LIMIT], image_url=image, fields=fields, footer=footer)


class UgcService:
    def __init__(self, config: UgcConfig, store: UgcStore, database: Database, bus: EventBus, clock: Clock,
                 points: PointsEngine, messenger: Messenger) -> None:
        self.config = config
        self.store = store
        self.database = database
        self.bus = bus
        self.clock = clock
        self.points = points
        self.messenger = messenger
        self.showcase = frozenset(config.showcase_places)

    # --- capture -----------------------------------------------------------------------------------

    async def submit(self, member_id: int, text: str, attachment: Attachment | None, place: Place,
                     message: MessageRef | None, source: str) -> Captured:
        text = (text or "").strip()
        if attachment is not None:
            problem = attachment_problem(attachment, self.config.max_attachment_mb)
            if problem:
                raise UgcRefused(problem)
        link: LinkInfo | None = find_link(text)
        if link is None and attachment is None:
            raise UgcRefused(f"Attach {ACCEPTED}, or paste a link (Instagram, TikTok, YouTube or any page) — "
                             "e.g. /share My morning setup https://www.instagram.com/p/…")
        submission, created = await self.store.add(
            member_id=member_id, kind=kind_of(text), source=source, content_key=content_key(link, attachment),
            text=text[:TEXT_LIMIT], link_url=link.url if link else None, link_platform=link.platform if link else None,
            media_url=attachment.url[:500] if attachment else None,
            media_type=media_type(attachment) if attachment else None, place_key=place.key,
            message_id=message.message_id if message else None, created_at=self.clock.now())
        if created:
            log.info("ugc #%d from member %d (%s, %s)", submission.id, member_id, source, submission.kind)
            await self._tell_reviewers(submission.id)
        return Captured(submission, created)

    def is_showcase(self, place: Place) -> bool:
        return place.key in self.showcase or place.platform + ":" + place.chat_id in self.showcase

    async def _tell_reviewers(self, submission_id: int) -> None:
        if not self.config.review_place:
            return
        submission = await self.store.get(submission_id)
        if submission is None:
            return
        reply = preview(submission, title=f"New submission #{submission.id} to review")
        reply = Reply(title=reply.title, text=reply.text, fields=reply.fields, image_url=reply.image_url,
                      footer=f"{reply.footer} · /mod ugc approve {submission.id}",
                      choices=(Choice("Approve", f"ugcmod:approve:{submission.id}", style="success"),
                               Choice("Feature", f"ugcmod:feature:{submission.id}", style="primary")))
        await self.messenger.post(self.config.review_place, reply)

    async def consent(self, submission_id: int, member_id: int, allowed: bool) -> bool:
        return await self.store.set_consent(submission_id, member_id, "yes" if allowed else "no")

    # --- moderation --------------------------------------------------------------------------------

    async def _existing(self, submission_id: int) -> Submission:
        submission = await self.store.get(submission_id)
        if submission is None:
            raise UgcRefused(f"There's no submission #{submission_id} — see /mod ugc queue.")
        return submission

    def rule_amount(self, rule: str) -> int:
        configured = self.points.rules.config.rules.get(rule)
        return configured.amount if configured else 0

    async def approve(self, submission_id: int, moderator_id: int, kind: str | None = None) -> tuple[Submission, bool]:
        """Approve a pending submission and award its points; (submission, False) if it was already reviewed."""
        await self._existing(submission_id)
        now = self.clock.now()
        changed = await self.store.review(submission_id, "approved", by=moderator_id, at=now, kind=kind)
        submission = await self._existing(submission_id)
        if not changed:
            return submission, False
        amount = self.rule_amount(submission.kind)
        await self.points.award(Award(submission.member_id, submission.kind, amount, f"ugc:{submission.id}", now,
                                      note=f"UGC #{submission.id} approved", actor_member_id=moderator_id))
        gained = f" (+{amount} points)" if amount else ""
        await self.messenger.dm(submission.member_id, Reply.success(
            f"Your {KIND_TITLES.get(submission.kind, 'post')} #{submission.id} was approved{gained} — thank you "
            "for sharing!", title="Submission approved"))
        return submission, True

    async def reject(self, submission_id: int, moderator_id: int, reason: str) -> tuple[Submission, bool]:
        await self._existing(submission_id)
        changed = await self.store.review(submission_id, "rejected", by=moderator_id, at=self.clock.now(),
                                          reason=reason[:300])
        submission = await self._existing(submission_id)
        if changed:
            told = await self.messenger.dm(submission.member_id, Reply(
                title="About your submission", tone="warning",
                text=f"Your submission #{submission.id} wasn't approved: {reason}\nYou're welcome to /share again."))
            if not told:
                log.info("ugc #%d rejected; member %d couldn't be told by DM", submission.id, submission.member_id)
        return submission, changed

    async def feature(self, submission_id: int, moderator_id: int, fallback: Place | None) -> tuple[Submission, bool]:
        """Spotlight an item (approving it first if needed): badge, post; (submission, False) if already featured."""
        submission = await self._existing(submission_id)
        if submission.status == "rejected":
            raise UgcRefused(f"#{submission_id} was rejected — approve a new submission to feature it.")
        if submission.status == "pending":
            await self.approve(submission_id, moderator_id)
        now = self.clock.now()
        changed = await self.store.feature(submission_id, now)
        submission = await self._existing(submission_id)
        if not changed:
            return submission, False
        await self._grant_badge(submission.member_id, now)
        target = self.config.spotlight_place or (fallback.key if fallback else "")
        if target:
            platform = target.split(":", 1)[0]
            await self.messenger.post(target, preview(submission, title="🌟 Community Spotlight",
                                                      for_platform=platform))
        return submission, True

    async def _grant_badge(self, member_id: int, now: datetime) -> None:
        badge = self.config.spotlight_badge
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(session.bind.dialect.name, MemberBadge.__table__,
                                                           ["member_id", "badge"]).values(
                member_id=member_id, badge=badge, earned_at=now))
            granted = bool(result.rowcount)  # type: ignore[attr-defined]
        if granted:
            await self.bus.publish(BadgeEarned(member_id=member_id, badge=badge, at=now))

    # --- milestone requests ------------------------------------------------------------------------

    async def run_milestones(self, now: datetime | None = None) -> int:
        """DM buyers whose first order is ``milestone_days`` old, once each; returns how many were asked."""
        if not self.config.milestone_days:
            return 0
        now = now or self.clock.now()
        newest = now - timedelta(days=self.config.milestone_days)
        oldest = newest - timedelta(days=self.config.milestone_window_days)
        asked = 0
        while candidates := await self.store.milestone_candidates(oldest, newest, MILESTONE_BATCH):
            for member_id, first_at in candidates:
                # The row is written before the DM: a crash in between loses one DM, never sends two.
                if not await self.store.claim_milestone(member_id, first_at, now):
                    continue
                if await self.messenger.dm(member_id, Reply(title="Show us how you use it 📸",
                                                            text=self.config.milestone_message), unsolicited=True):
                    await self.store.milestone_delivered(member_id)
                    asked += 1
        return asked
