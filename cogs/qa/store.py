"""Questions and answers in the database.

The first answer's time and author kind (staff or community) are written onto the question when it
arrives, so the measures read one row per question. Accepting is a conditional UPDATE (``accepted_answer_id
IS NULL``): of two accepts racing, one wins, and only the winner awards points.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from storage.database import Database
from storage.models import Answer, Member, Question


@dataclass(frozen=True)
class QuestionView:
    id: int
    asker_member_id: int
    text: str
    platform: str
    chat_id: str
    thread_id: str | None
    thread_key: str
    message_key: str | None
    asked_at: datetime
    answers: int
    accepted_answer_id: int | None

    @property
    def where(self) -> str:
        base = f"{self.platform}:{self.chat_id}"
        return f"{base}/{self.thread_id}" if self.thread_id else base


@dataclass(frozen=True)
class AnswerView:
    id: int
    question_id: int
    member_id: int
    member_name: str
    by_staff: bool
    answered_at: datetime


def _question(row: Question) -> QuestionView:
    return QuestionView(row.id, row.asker_member_id, row.text, row.platform, row.chat_id, row.thread_id,
                        row.thread_key, row.message_key, row.asked_at, row.answers, row.accepted_answer_id)


class QaStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def add_question(self, asker: int, text: str, platform: str, chat_id: str, now: datetime) -> int:
        async with self.database.session() as session, session.begin():
            row = Question(asker_member_id=asker, text=text, platform=platform, chat_id=chat_id, thread_key="",
                           asked_at=now, answers=0)
            session.add(row)
            await session.flush()
            return row.id

    async def place_question(self, question_id: int, chat_id: str, thread_id: str | None, thread_key: str,
                             message_key: str) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(Question).where(Question.id == question_id).values(
                chat_id=chat_id, thread_id=thread_id, thread_key=thread_key, message_key=message_key))

    async def drop_question(self, question_id: int) -> None:
        async with self.database.session() as session, session.begin():
            row = await session.get(Question, question_id)
            if row is not None:
                await session.delete(row)

    async def question(self, question_id: int) -> QuestionView | None:
        async with self.database.session() as session:
            row = await session.get(Question, question_id)
        return None if row is None else _question(row)

    async def by_thread(self, thread_key: str) -> QuestionView | None:
        async with self.database.session() as session:
            row = (await session.scalars(select(Question).where(Question.thread_key == thread_key)
                                         .order_by(Question.id.desc()).limit(1))).first()
        return None if row is None else _question(row)

    async def recent(self, since: datetime) -> list[tuple[int, int, str, str | None]]:
        """(id, asker, thread key, question message key) of questions asked since, to recognise answers."""
        async with self.database.session() as session:
            rows = await session.execute(select(Question.id, Question.asker_member_id, Question.thread_key,
                                                Question.message_key).where(Question.asked_at >= since))
            return [tuple(row) for row in rows.all()]  # type: ignore[misc]

    async def answer_keys(self, since: datetime) -> list[tuple[str, int]]:
        async with self.database.session() as session:
            rows = await session.execute(select(Answer.message_key, Answer.question_id)
                                         .join(Question, Question.id == Answer.question_id)
                                         .where(Question.asked_at >= since))
            return [(key, question_id) for key, question_id in rows.all()]

    async def add_answer(self, question_id: int, member_id: int, message_key: str, by_staff: bool,
                         now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            if await session.scalar(select(Answer.id).where(Answer.message_key == message_key)) is not None:
                return False  # a replayed message
            session.add(Answer(question_id=question_id, member_id=member_id, message_key=message_key,
                               by_staff=by_staff, answered_at=now))
            await session.execute(update(Question).where(Question.id == question_id)
                                  .values(answers=Question.answers + 1))
            await session.execute(update(Question).where(Question.id == question_id,
                                                         Question.first_answer_at.is_(None))
                                  .values(first_answer_at=now, first_answer_by_staff=by_staff))
            return True

    async def answers(self, question_id: int, member_id: int | None = None) -> list[AnswerView]:
        """The question's answers, newest first (only one member's when given)."""
        query = (select(Answer, Member.display_name).join(Member, Member.id == Answer.member_id)
                 .where(Answer.question_id == question_id).order_by(Answer.id.desc()))
        if member_id is not None:
            query = query.where(Answer.member_id == member_id)
        async with self.database.session() as session:
            rows = (await session.execute(query)).all()
        return [AnswerView(a.id, a.question_id, a.member_id, name, a.by_staff, a.answered_at) for a, name in rows]

    async def answered_by(self, member_id: int, platform: str, chat_id: str, asker: int | None) -> list[int]:
        """Open questions in a chat (asked by ``asker`` when given) that ``member_id`` answered, newest first."""
        query = (select(Question.id).join(Answer, Answer.question_id == Question.id)
                 .where(Answer.member_id == member_id, Question.platform == platform, Question.chat_id == chat_id,
                        Question.accepted_answer_id.is_(None))
                 .order_by(Question.id.desc()).distinct())
        if asker is not None:
            query = query.where(Question.asker_member_id == asker)
        async with self.database.session() as session:
            return list((await session.scalars(query)).all())

    async def accept(self, question_id: int, answer: AnswerView, now: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(
                update(Question).where(Question.id == question_id, Question.accepted_answer_id.is_(None))
                .values(accepted_answer_id=answer.id, accepted_at=now, accepted_by_staff=answer.by_staff))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_unanswered(self, cutoff: datetime, now: datetime, limit: int = 20) -> list[QuestionView]:
        """Unanswered questions asked before ``cutoff`` not yet shown to moderators, marked shown (once)."""
        async with self.database.session() as session, session.begin():
            ids = (await session.scalars(
                select(Question.id).where(Question.first_answer_at.is_(None), Question.surfaced_at.is_(None),
                                          Question.asked_at <= cutoff, Question.thread_key != "")
                .order_by(Question.asked_at).limit(limit))).all()
            if not ids:
                return []
            claimed = (await session.scalars(
                update(Question).where(Question.id.in_(ids), Question.surfaced_at.is_(None))
                .values(surfaced_at=now).returning(Question.id))).all()
            rows = (await session.scalars(select(Question).where(Question.id.in_(claimed))
                                          .order_by(Question.asked_at))).all()
            return [_question(row) for row in rows]

    async def names(self, member_ids: set[int]) -> dict[int, str]:
        async with self.database.session() as session:
            rows = await session.execute(select(Member.id, Member.display_name).where(Member.id.in_(member_ids)))
            return {member_id: name for member_id, name in rows.all()}

    async def merge(self, kept: int, merged: int) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(Question).where(Question.asker_member_id == merged)
                                  .values(asker_member_id=kept))
            await session.execute(update(Answer).where(Answer.member_id == merged).values(member_id=kept))
