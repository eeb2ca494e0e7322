"""Q&A health measures, for reports and metrics: how much the community answers itself, and how fast.

Both read the per-question columns the Q&A service maintains (``first_answer_at``,
``first_answer_by_staff``, ``accepted_by_staff``), one row per question asked in the window.
A question counts as *answered by the community* when its accepted answer — or, while none is accepted,
its first answer — came from a member who isn't listed as staff (``[qa] staff``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from storage.database import Database
from storage.models import Question


@dataclass(frozen=True)
class AnswerCounts:
    asked: int
    answered: int
    community_answered: int


def _window(since: datetime, until: datetime) -> tuple[object, ...]:
    return (Question.asked_at >= since, Question.asked_at < until, Question.thread_key != "")


async def answer_counts(database: Database, since: datetime, until: datetime) -> AnswerCounts:
    community = or_(Question.accepted_by_staff.is_(False),
                    and_(Question.accepted_by_staff.is_(None), Question.first_answer_by_staff.is_(False)))
    async with database.session() as session:
        row = (await session.execute(select(
            func.count(),
            func.count(Question.first_answer_at),
            func.count().filter(community),
        ).where(*_window(since, until)))).one()
    return AnswerCounts(int(row[0]), int(row[1]), int(row[2]))


async def community_answer_rate(database: Database, since: datetime, until: datetime) -> float | None:
    """Share of the questions asked in [since, until) that community members answered; None if none were asked.

    Unanswered questions count against the rate: it measures how much of the support load the community
    carries, not only how answered questions split between staff and members.
    """
    counts = await answer_counts(database, since, until)
    return counts.community_answered / counts.asked if counts.asked else None


async def median_time_to_first_answer(database: Database, since: datetime, until: datetime) -> timedelta | None:
    """Median wait from asking to the first answer, over questions asked in [since, until) that got one."""
    async with database.session() as session:
        rows = (await session.execute(select(Question.asked_at, Question.first_answer_at)
                                      .where(*_window(since, until), Question.first_answer_at.is_not(None)))).all()
    waits = [(answered - asked).total_seconds() for asked, answered in rows]
    return timedelta(seconds=statistics.median(waits)) if waits else None
