"""``hearth export ugc``: every submission with its moderation state and consent (register ``export_ugc`` in the
``export`` group). Members appear by id and display name."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import func, select

from bot.cli_transfer import export_command
from storage.database import Database
from storage.models import Member, UgcSubmission


def _cell(value: str) -> str:
    # Text typed by members: a leading = + - @ would run as a formula in a spreadsheet.
    return "'" + value if value.startswith(("=", "+", "-", "@")) else value


def _since(since: datetime | None) -> tuple[object, ...]:
    return (UgcSubmission.created_at >= since,) if since is not None else ()


async def count_ugc_rows(database: Database, since: datetime | None) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(UgcSubmission).where(*_since(since))) or 0)


async def ugc_rows(database: Database, since: datetime | None) -> AsyncIterator[dict[str, object]]:
    query = (select(UgcSubmission, Member.display_name).join(Member, Member.id == UgcSubmission.member_id)
             .where(*_since(since)).order_by(UgcSubmission.created_at, UgcSubmission.id))
    async with database.session() as session:
        async for row, name in await session.stream(query.execution_options(yield_per=2000)):
            yield {
                "id": row.id, "created_at": row.created_at.isoformat(), "member_id": row.member_id,
                "member": _cell(name), "kind": row.kind, "source": row.source, "status": row.status,
                "consent": row.consent, "featured": row.featured, "text": _cell(row.text),
                "link": row.link_url or "", "media_url": row.media_url or "",
                "reviewed_at": row.reviewed_at.isoformat() if row.reviewed_at else "",
            }


export_ugc = export_command("ugc", "Member content (UGC): status, consent, featured, links.", ugc_rows,
                            count_ugc_rows)
