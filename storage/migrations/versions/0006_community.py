"""Community: polls and votes, feature ideas and the roadmap, Q&A questions and answers, the searchable FAQ

Revision ID: 0006_community
Revises: 0002
Create Date: 2026-11-26 10:00:00.000000

Besides the tables (which match ``storage/models/community.py``), this revision creates the FAQ's
full-text index, which is not a model (``storage.models.community.UNMODELLED``):
- SQLite: the FTS5 virtual table ``faq_fts`` over ``faq_entries`` (external content, so the text is
  stored once), kept in sync by three triggers;
- PostgreSQL: a GIN index on ``to_tsvector('english', title || ' ' || body)``, which
  ``plainto_tsquery`` searches use.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_community"
down_revision = "0002"
branch_labels = ("community",)
depends_on = None

SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE faq_fts USING fts5(title, body, content='faq_entries', content_rowid='id', "
    "tokenize='porter unicode61')",
    "CREATE TRIGGER faq_fts_insert AFTER INSERT ON faq_entries BEGIN "
    "INSERT INTO faq_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER faq_fts_delete AFTER DELETE ON faq_entries BEGIN "
    "INSERT INTO faq_fts(faq_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER faq_fts_update AFTER UPDATE ON faq_entries BEGIN "
    "INSERT INTO faq_fts(faq_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO faq_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
POSTGRES_SEARCH = (
    "CREATE INDEX ix_faq_entries_search ON faq_entries "
    "USING gin (to_tsvector('english', title || ' ' || body))",
)


def _polls() -> None:
    op.create_table(
        "polls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=300), nullable=False),
        sa.Column("multiple", sa.Boolean(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voters", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["members.id"], name=op.f("fk_polls_created_by_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_polls")),
    )
    op.create_index("ix_polls_open", "polls", ["closed_at", "closes_at"], unique=False)
    op.create_table(
        "poll_options",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_options_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "position", name=op.f("pk_poll_options")),
    )
    op.create_table(
        "poll_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("guild_id", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.String(length=64), nullable=True),
        sa.Column("native", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_posts_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_posts")),
    )
    op.create_index("ix_poll_posts_message", "poll_posts", ["platform", "message_id"], unique=False)
    op.create_index(op.f("ix_poll_posts_poll_id"), "poll_posts", ["poll_id"], unique=False)
    op.create_table(
        "poll_votes",
        sa.Column("poll_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("options", sa.String(length=40), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_poll_votes_member_id_members")),
        sa.ForeignKeyConstraint(["poll_id"], ["polls.id"], name=op.f("fk_poll_votes_poll_id_polls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("poll_id", "member_id", name=op.f("pk_poll_votes")),
    )


def _ideas() -> None:
    op.create_table(
        "ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_note", sa.String(length=300), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shipped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("votes", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["author_member_id"], ["members.id"],
                                name=op.f("fk_ideas_author_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ideas")),
    )
    op.create_index(op.f("ix_ideas_author_member_id"), "ideas", ["author_member_id"], unique=False)
    op.create_index("ix_ideas_status_votes", "ideas", ["status", "votes"], unique=False)
    op.create_table(
        "idea_votes",
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_idea_votes_idea_id_ideas"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_idea_votes_member_id_members")),
        sa.PrimaryKeyConstraint("idea_id", "member_id", name=op.f("pk_idea_votes")),
    )
    op.create_table(
        "idea_posts",
        sa.Column("message_key", sa.String(length=160), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["idea_id"], ["ideas.id"], name=op.f("fk_idea_posts_idea_id_ideas"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("message_key", name=op.f("pk_idea_posts")),
    )
    op.create_index(op.f("ix_idea_posts_idea_id"), "idea_posts", ["idea_id"], unique=False)
    op.create_table(
        "idea_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_idea_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_idea_drafts_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idea_drafts")),
    )
    op.create_index(op.f("ix_idea_drafts_member_id"), "idea_drafts", ["member_id"], unique=False)
    op.create_table(
        "roadmap_reveals",
        sa.Column("quarter", sa.String(length=7), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("quarter", name=op.f("pk_roadmap_reveals")),
    )


def _questions() -> None:
    op.create_table(
        "qa_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column("thread_id", sa.String(length=64), nullable=True),
        sa.Column("thread_key", sa.String(length=160), nullable=False),
        sa.Column("message_key", sa.String(length=160), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.Integer(), server_default="0", nullable=False),
        sa.Column("first_answer_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_answer_by_staff", sa.Boolean(), nullable=True),
        sa.Column("accepted_answer_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_staff", sa.Boolean(), nullable=True),
        sa.Column("surfaced_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["asker_member_id"], ["members.id"],
                                name=op.f("fk_qa_questions_asker_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_questions")),
    )
    op.create_index(op.f("ix_qa_questions_asker_member_id"), "qa_questions", ["asker_member_id"], unique=False)
    op.create_index("ix_qa_questions_thread", "qa_questions", ["thread_key"], unique=False)
    op.create_index("ix_qa_questions_unanswered", "qa_questions", ["first_answer_at", "asked_at"], unique=False)
    op.create_table(
        "qa_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("message_key", sa.String(length=160), nullable=False),
        sa.Column("by_staff", sa.Boolean(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_qa_answers_member_id_members")),
        sa.ForeignKeyConstraint(["question_id"], ["qa_questions.id"],
                                name=op.f("fk_qa_answers_question_id_qa_questions"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_qa_answers")),
        sa.UniqueConstraint("message_key", name=op.f("uq_qa_answers_message_key")),
    )
    op.create_index(op.f("ix_qa_answers_member_id"), "qa_answers", ["member_id"], unique=False)
    op.create_index(op.f("ix_qa_answers_question_id"), "qa_answers", ["question_id"], unique=False)
    op.create_table(
        "faq_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_member_id"], ["members.id"],
                                name=op.f("fk_faq_entries_author_member_id_members")),
        sa.ForeignKeyConstraint(["question_id"], ["qa_questions.id"],
                                name=op.f("fk_faq_entries_question_id_qa_questions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faq_entries")),
        sa.UniqueConstraint("question_id", name=op.f("uq_faq_entries_question_id")),
    )
    dialect = op.get_bind().dialect.name
    for statement in SQLITE_SEARCH if dialect == "sqlite" else POSTGRES_SEARCH if dialect == "postgresql" else ():
        op.execute(statement)


def upgrade() -> None:
    _polls()
    _ideas()
    _questions()


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("faq_fts_insert", "faq_fts_delete", "faq_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS faq_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_faq_entries_search")
    for table in ("faq_entries", "qa_answers", "qa_questions", "roadmap_reveals", "idea_drafts", "idea_posts",
                  "idea_votes", "ideas", "poll_votes", "poll_posts", "poll_options", "polls"):
        op.drop_table(table)
