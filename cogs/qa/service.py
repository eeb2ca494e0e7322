"""Q&A rules: asking opens a thread, replies in it are answers, the asker (or a moderator) accepts one.

Answer recognition runs on every chat message, so it is a dict look-up in memory (thread key or
replied-to message → question) and touches the database only for real answers. The maps hold questions
of the last ``TRACK_DAYS`` days and are rebuilt from the database on start.

Accepting awards the ``answer_accepted`` points rule to the answerer once per question (the source key
is the question), which also counts toward the community_expert badge.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.kit.clock import Clock
from bot.kit.events import MessagePosted
from bot.kit.platform import Place, Platform, PlatformUser, message_key, place_from_key
from bot.kit.reply import Reply
from cogs.points.engine import Award, PointsEngine
from cogs.polls.places import safely
from cogs.qa.config import QaConfig
from cogs.qa.store import AnswerView, QaStore, QuestionView
from cogs.qa.threads import question_thread_key, thread_key
from cogs.services import Platforms

log = logging.getLogger("hearth.qa")

TRACK_DAYS = 60
ACCEPT_RULE = "answer_accepted"


class QaRefused(Exception):
    """The action can't be done; the message says why and what to do instead."""


class QaService:
    def __init__(self, store: QaStore, config: QaConfig, platforms: Platforms, clock: Clock,
                 points: PointsEngine) -> None:
        self.store = store
        self.config = config
        self.platforms = platforms
        self.clock = clock
        self.points = points
        self.staff = frozenset(config.staff)
        # thread key → (question, asker); message key (question or answer) → (question, asker)
        self.threads: dict[str, tuple[int, int]] = {}
        self.messages: dict[str, tuple[int, int]] = {}

    async def start(self) -> None:
        since = self.clock.now() - timedelta(days=TRACK_DAYS)
        askers: dict[int, int] = {}
        for question_id, asker, key, question_message in await self.store.recent(since):
            askers[question_id] = asker
            if key:
                self.threads[key] = (question_id, asker)
            if question_message:
                self.messages[question_message] = (question_id, asker)
        for key, question_id in await self.store.answer_keys(since):
            self.messages[key] = (question_id, askers.get(question_id, 0))

    def is_staff(self, user: PlatformUser) -> bool:
        return f"{user.platform}:{user.user_id}" in self.staff

    # --- asking --------------------------------------------------------------------------------------

    async def ask(self, text: str, asker: int, asker_name: str, place: Place, platform: Platform) -> QuestionView:
        now = self.clock.now()
        question_id = await self.store.add_question(asker, text, platform.name, place.chat_id, now)
        card = Reply(title=f"❓ Question #{question_id} from {asker_name}", text=text,
                     footer="Answer in the thread. The asker accepts the answer that solves it (/accept).")
        posted = await safely(platform.send(place, card), "posting a question")
        if posted is None:
            await self.store.drop_question(question_id)
            raise QaRefused("I couldn't post your question here — a moderator should check my permissions.")
        thread = posted.place
        if platform.capabilities.threads:
            thread = await safely(platform.create_thread(posted, text[:90]), "opening a question thread") or thread
        key = question_thread_key(posted, thread)
        await self.store.place_question(question_id, thread.chat_id, thread.thread_id, key, message_key(posted))
        self.threads[key] = (question_id, asker)
        self.messages[message_key(posted)] = (question_id, asker)
        if thread_key(thread) is not None:
            await safely(platform.send(thread, Reply(
                text=f"Answers here, please. {asker_name}: when one solves it, run /accept here naming its author "
                     "(or replying to it).")), "opening a question thread")
        question = await self.store.question(question_id)
        assert question is not None
        return question

    # --- answers -------------------------------------------------------------------------------------

    def question_for(self, event: MessagePosted) -> tuple[int, int] | None:
        key = thread_key(event.message.place)
        found = self.threads.get(key) if key else None
        if found is None and event.reply_to is not None:
            found = self.messages.get(message_key(event.reply_to))
        return found

    async def on_message(self, event: MessagePosted, member_id: int) -> bool:
        """Record a reply in a question's thread as an answer (not the asker's own follow-ups)."""
        found = self.question_for(event)
        if found is None:
            return False
        question_id, asker = found
        key = message_key(event.message)
        # Replies to this message continue the same question's chain (Telegram reply threads).
        self.messages[key] = (question_id, asker)
        if member_id == asker:
            return False
        return await self.store.add_answer(question_id, member_id, key, self.is_staff(event.author), event.at)

    # --- accepting -----------------------------------------------------------------------------------

    async def find_question(self, place: Place, answerer: int | None, actor: int, moderator: bool) -> QuestionView:
        """The question an ``/accept`` without a number means: the thread it's run in, else the one answered."""
        key = thread_key(place)
        question = await self.store.by_thread(key) if key else None
        if question is not None:
            return question
        if answerer is not None:
            candidates = await self.store.answered_by(answerer, place.platform, place.chat_id,
                                                      None if moderator else actor)
            if candidates:
                found = await self.store.question(candidates[0])
                assert found is not None
                return found
        raise QaRefused("Run /accept inside the question's thread, or give the question number: "
                        "/accept @member 7")

    async def accept(self, question: QuestionView, actor: int, moderator: bool, *, answerer: int | None = None,
                     answer_id: int | None = None) -> tuple[AnswerView, int]:
        """Accept an answer (by id, or the answerer's latest). Returns it and the points awarded (0 if none)."""
        if actor != question.asker_member_id and not moderator:
            raise QaRefused(f"Only the asker or a moderator can accept an answer to #{question.id}.")
        if question.accepted_answer_id is not None:
            raise QaRefused(f"Question #{question.id} already has an accepted answer.")
        if answerer is not None and answerer == question.asker_member_id:
            raise QaRefused("You can't accept your own reply — accept the answer someone else gave.")
        answers = await self.store.answers(question.id, answerer)
        if answer_id is not None:
            answers = [a for a in answers if a.id == answer_id]
        if not answers:
            raise QaRefused(f"That member hasn't answered #{question.id} in its thread yet." if answerer is not None
                            else f"No answers to #{question.id} yet.")
        answer = answers[0]
        now = self.clock.now()
        if not await self.store.accept(question.id, answer, now):
            raise QaRefused(f"Question #{question.id} already has an accepted answer.")
        amount = self.points.rules.allowance(answer.member_id, ACCEPT_RULE, now)
        awarded = 0
        if amount and await self.points.award(Award(answer.member_id, ACCEPT_RULE, amount,
                                                    f"qa:accepted:{question.id}", now,
                                                    note=f"accepted answer to question #{question.id}",
                                                    actor_member_id=actor)):
            awarded = amount
        return answer, awarded

    # --- moderators ----------------------------------------------------------------------------------

    async def surface_unanswered(self) -> int:
        """Show moderators the questions unanswered for too long (each once). The scheduler calls this."""
        if not self.config.moderator_place:
            return 0
        now = self.clock.now()
        questions = await self.store.claim_unanswered(now - timedelta(hours=self.config.unanswered_hours), now)
        if not questions:
            return 0
        place = place_from_key(self.config.moderator_place)
        platform = self.platforms.get(place.platform)
        if platform is None:
            log.warning("%d unanswered questions, but %s is not connected", len(questions), place.platform)
            return 0
        names = await self.store.names({q.asker_member_id for q in questions})
        lines = [f"#{q.id} “{q.text[:120]}” — {names.get(q.asker_member_id, 'a member')}, "
                 f"{_age(now - q.asked_at)} ago, in {q.where}" for q in questions]
        await safely(platform.send(place, Reply(
            title=f"🕯️ {len(questions)} question{'s' if len(questions) != 1 else ''} waiting over "
                  f"{self.config.unanswered_hours}h", text="\n".join(lines), tone="warning",
            footer="Answer in the thread, or point someone who knows at it.")), "surfacing unanswered questions")
        return len(questions)


def _age(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24}d {hours % 24}h" if hours >= 48 else f"{hours}h"

