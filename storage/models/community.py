"""Community-led product development and public support: polls, feature ideas and the roadmap, Q&A and the FAQ.

Counters that people read often (votes per poll option, voters per poll, votes per idea, answers per
question) are maintained in the same transaction as the vote or answer that changes them, so a tally is
a primary-key read, never a COUNT over the votes.

The FAQ's full-text index is not a model: on SQLite it is an FTS5 virtual table (``faq_fts``, kept in
sync by triggers), on PostgreSQL a GIN expression index. Both are created by the ``0006_community``
migration and named in ``UNMODELLED`` so schema comparisons leave them alone.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime

# Schema objects the migration creates outside the models (full-text search), by name. FTS5 also creates
# shadow tables named after the virtual table (faq_fts_data, faq_fts_idx, faq_fts_docsize, faq_fts_config).
FAQ_FTS_TABLE = "faq_fts"
FAQ_SEARCH_INDEX = "ix_faq_entries_search"
UNMODELLED = frozenset({FAQ_FTS_TABLE, *(f"{FAQ_FTS_TABLE}_{part}" for part in ("data", "idx", "docsize", "config",
                                                                                  "content")),
                        FAQ_SEARCH_INDEX})
Base.metadata.info.setdefault("unmodelled", set()).update(UNMODELLED)


# --- polls -------------------------------------------------------------------------------------------


class Poll(Base):
    """A poll posted to one or more places; votes from every platform count in one tally."""

    __tablename__ = "polls"
    # The moderator who made it forgetting themselves must not delete everyone's votes: anonymised instead.
    __table_args__ = (Index("ix_polls_open", "closed_at", "closes_at"), {"info": {"on_forget": "anonymise"}})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # A beta group from ``[polls.groups]``: only its tiers / places may vote. None = everyone.
    audience: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    voters: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PollOption(Base):
    __tablename__ = "poll_options"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class PollPost(Base):
    """Where a poll was posted: a native poll (Discord answers carry this message id) or a message with buttons."""

    __tablename__ = "poll_posts"
    __table_args__ = (Index("ix_poll_posts_message", "platform", "message_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    guild_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    native: Mapped[bool] = mapped_column(Boolean, default=False)


class PollVote(Base):
    """A member's current choice (one row per member: linked accounts are one member; a new vote replaces it)."""

    __tablename__ = "poll_votes"

    poll_id: Mapped[int] = mapped_column(ForeignKey("polls.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    # Chosen option positions, comma-separated ("0,2").
    options: Mapped[str] = mapped_column(String(40))
    # The platform that cast it: retracting a native vote on one platform must not erase a newer one elsewhere.
    platform: Mapped[str] = mapped_column(String(20))
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- ideas and the roadmap ---------------------------------------------------------------------------


class Idea(Base):
    """A feature request: open → planned → in_progress → shipped (or declined)."""

    __tablename__ = "ideas"
    __table_args__ = (Index("ix_ideas_status_votes", "status", "votes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), info={"personal": True})
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    status_note: Mapped[str | None] = mapped_column(String(300), nullable=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    votes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class IdeaVote(Base):
    __tablename__ = "idea_votes"

    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    voted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IdeaPost(Base):
    """An idea card posted to a board channel: a reaction on it is a vote."""

    __tablename__ = "idea_posts"

    message_key: Mapped[str] = mapped_column(String(160), primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("ideas.id", ondelete="CASCADE"), index=True)


class IdeaDraft(Base):
    """An idea held back because similar ones exist, until its author presses "file anyway"."""

    __tablename__ = "idea_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    text: Mapped[str] = mapped_column(String(200), info={"personal": True})
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    filed_idea_id: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RoadmapReveal(Base):
    """One row per quarter whose roadmap was revealed: the claim that keeps a restart from posting twice."""

    __tablename__ = "roadmap_reveals"

    quarter: Mapped[str] = mapped_column(String(7), primary_key=True)  # "2026-Q2"
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- Q&A and the FAQ ---------------------------------------------------------------------------------


class Question(Base):
    """An ``/ask`` question and the thread (Discord thread, Telegram topic or reply chain) it is answered in."""

    __tablename__ = "qa_questions"
    __table_args__ = (
        Index("ix_qa_questions_unanswered", "first_answer_at", "asked_at"),
        Index("ix_qa_questions_thread", "thread_key"),
        # A forgotten asker's question stays (others' answers, the FAQ entry and the answer-rate figures hang
        # off it) with its text replaced by a stand-in ("unique": the column can't be empty).
        {"info": {"on_forget": "anonymise"}},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asker_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    text: Mapped[str] = mapped_column(String(500), info={"personal": "unique"})
    platform: Mapped[str] = mapped_column(String(20))
    chat_id: Mapped[str] = mapped_column(String(64))
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Identifies the thread across the shapes platforms give it (see cogs/qa/threads.py).
    thread_key: Mapped[str] = mapped_column(String(160))
    message_key: Mapped[str | None] = mapped_column(String(160), nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    first_answer_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_answer_by_staff: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    accepted_answer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    accepted_by_staff: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Set when the question was shown to the moderators as unanswered (once).
    surfaced_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Answer(Base):
    __tablename__ = "qa_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("qa_questions.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    message_key: Mapped[str] = mapped_column(String(160), unique=True)
    by_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FaqEntry(Base):
    """A moderator's solution summary of a resolved question, searchable with ``/faq search``."""

    __tablename__ = "faq_entries"
    # Community knowledge: the moderator who wrote it forgetting themselves leaves the entry, anonymised.
    __table_args__ = {"info": {"on_forget": "anonymise"}}

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int | None] = mapped_column(ForeignKey("qa_questions.id"), nullable=True, unique=True)
    title: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    author_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
