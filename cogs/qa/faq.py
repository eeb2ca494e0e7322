"""The FAQ: moderators' solution summaries of resolved questions, found again with full-text search.

SQLite searches the FTS5 table ``faq_fts`` (the migration keeps it in sync with ``faq_entries`` through
triggers, so writes here are plain ORM writes); PostgreSQL matches ``to_tsvector`` against
``plainto_tsquery`` (served by a GIN index). Either way every word must match first; if nothing does, any
word may (ranked), so a long question still finds the entry that answers most of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text

from storage.database import Database
from storage.models import FaqEntry

WORD = re.compile(r"\w+", re.UNICODE)
SQLITE_SEARCH = text(
    "SELECT faq_entries.id, faq_entries.title, faq_entries.body, faq_entries.question_id FROM faq_fts "
    "JOIN faq_entries ON faq_entries.id = faq_fts.rowid WHERE faq_fts MATCH :query "
    "ORDER BY bm25(faq_fts, 2.0, 1.0) LIMIT :limit")
POSTGRES_DOCUMENT = "to_tsvector('english', title || ' ' || body)"
POSTGRES_ALL = "plainto_tsquery('english', :query)"
# The same words, any of them: plainto_tsquery joins lexemes with & — swap for |.
POSTGRES_ANY = "replace(plainto_tsquery('english', :query)::text, '&', '|')::tsquery"


@dataclass(frozen=True)
class FaqHit:
    id: int
    title: str
    body: str
    question_id: int | None


class FaqStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def publish(self, question_id: int, title: str, body: str, author: int, now: datetime) -> tuple[int, bool]:
        """Add the summary of a question, or replace it if there is one. Returns (entry id, was new)."""
        async with self.database.session() as session, session.begin():
            entry = (await session.scalars(select(FaqEntry).where(FaqEntry.question_id == question_id))).first()
            if entry is not None:
                entry.title, entry.body, entry.author_member_id, entry.updated_at = title, body, author, now
                return entry.id, False
            entry = FaqEntry(question_id=question_id, title=title, body=body, author_member_id=author,
                             created_at=now, updated_at=now)
            session.add(entry)
            await session.flush()
            return entry.id, True

    async def search(self, query: str, limit: int = 5) -> list[FaqHit]:
        words = WORD.findall(query.lower())
        if not words:
            return []
        if self.database.is_sqlite:
            # Each word quoted (so FTS5 operators typed by a member are just words), matched as a prefix.
            terms = [f'"{word}"*' for word in words]
            hits = await self._sqlite(" AND ".join(terms), limit)
            return hits or await self._sqlite(" OR ".join(terms), limit)
        plain = " ".join(words)
        return await self._postgres(plain, POSTGRES_ALL, limit) or await self._postgres(plain, POSTGRES_ANY, limit)

    async def _sqlite(self, match: str, limit: int) -> list[FaqHit]:
        async with self.database.session() as session:
            rows = await session.execute(SQLITE_SEARCH, {"query": match, "limit": limit})
            return [FaqHit(*row) for row in rows.all()]

    async def _postgres(self, query: str, tsquery: str, limit: int) -> list[FaqHit]:
        statement = text(f"SELECT id, title, body, question_id FROM faq_entries WHERE {POSTGRES_DOCUMENT} @@ {tsquery} "
                         f"ORDER BY ts_rank({POSTGRES_DOCUMENT}, {tsquery}) DESC, id LIMIT :limit")
        async with self.database.session() as session:
            rows = await session.execute(statement, {"query": query, "limit": limit})
            return [FaqHit(*row) for row in rows.all()]
