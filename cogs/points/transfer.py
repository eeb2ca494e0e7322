"""Moving points in and out: CSV import from other bots (MEE6 …) and ledger/member exports.

Import is all-or-nothing unless ``partial``: a file with bad rows imports nothing and reports every bad
line. Re-importing the same file changes nothing (source keys carry the file's hash and line number).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from bot.kit.platform import PlatformUser
from cogs.members.service import MemberService
from cogs.points.engine import Award, PointsEngine
from storage.database import Database
from storage.models import Identity, LedgerEntry, Member, MemberPoints

PLATFORMS = ("discord", "telegram", "console")
MAX_IMPORT_POINTS = 10_000_000
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportRow:
    line: int
    platform: str
    user_id: str
    points: int
    note: str


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    imported: int = 0
    duplicates: int = 0


def parse_import(text: str) -> ImportReport:
    """Validate every line of ``platform,user_id,points[,note]`` (a header line is allowed)."""
    report = ImportReport()
    for line, fields in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not fields or all(not f.strip() for f in fields):
            continue
        if line == 1 and fields[0].strip().lower() == "platform":
            continue
        if len(fields) not in (3, 4):
            report.errors.append(f"line {line}: expected platform,user_id,points[,note], got {len(fields)} fields")
            continue
        platform, user_id, raw_points = (f.strip() for f in fields[:3])
        note = fields[3].strip() if len(fields) == 4 else ""
        problem = None
        if platform.lower() not in PLATFORMS:
            problem = f"platform '{platform}' is not one of {', '.join(PLATFORMS)}"
        elif not user_id or (platform.lower() != "console" and not user_id.isdigit()):
            problem = f"user id '{user_id}' must be the numeric {platform} id"
        elif not raw_points.lstrip("-").isdigit():
            problem = f"points '{raw_points}' is not a whole number"
        elif not 0 < int(raw_points) <= MAX_IMPORT_POINTS:
            problem = f"points {raw_points} must be between 1 and {MAX_IMPORT_POINTS:,}"
        elif len(note) > 200:
            problem = "note is over 200 characters"
        if problem:
            report.errors.append(f"line {line}: {problem}")
        else:
            report.rows.append(ImportRow(line, platform.lower(), user_id, int(raw_points), note))
    return report


async def import_points(data: bytes, name: str, engine: PointsEngine, members: MemberService, at: datetime, *,
                        partial: bool, progress: Progress | None = None) -> ImportReport:
    report = parse_import(data.decode("utf-8-sig"))
    if report.errors and not partial:
        return report
    digest = hashlib.sha256(data).hexdigest()[:16]
    futures = []
    for row in report.rows:
        member_id = await members.resolve(PlatformUser(row.platform, row.user_id, row.user_id))
        future = engine.submit(Award(member_id, "import", row.points, f"import:{digest}:{row.line}", at,
                                     note=row.note or f"imported from {name}"), acknowledge=True)
        futures.append(future)
        if progress:
            progress(1)
    await engine.flush()
    for future in futures:
        assert future is not None
        if await future:
            report.imported += 1
        else:
            report.duplicates += 1
    return report


async def count_rows(database: Database, what: str, since: datetime | None) -> int:
    async with database.session() as session:
        if what == "ledger":
            query = select(func.count()).select_from(LedgerEntry)
            if since is not None:
                query = query.where(LedgerEntry.created_at >= since)
        else:
            query = select(func.count()).select_from(Member).where(Member.merged_into.is_(None))
            if since is not None:
                query = query.where(Member.joined_at >= since)
        return int(await session.scalar(query) or 0)


async def ledger_rows(database: Database, since: datetime | None) -> AsyncIterator[dict[str, object]]:
    query = select(LedgerEntry).order_by(LedgerEntry.created_at, LedgerEntry.id)
    if since is not None:
        query = query.where(LedgerEntry.created_at >= since)
    async with database.session() as session:
        async for entry in await session.stream_scalars(query.execution_options(yield_per=2000)):
            yield {"created_at": entry.created_at.isoformat(), "member_id": entry.member_id, "rule": entry.rule,
                   "amount": entry.amount, "source_key": entry.source_key, "note": entry.note or "",
                   "actor_member_id": entry.actor_member_id or ""}


async def member_rows(database: Database, since: datetime | None) -> AsyncIterator[dict[str, object]]:
    query = (select(Member, MemberPoints).outerjoin(MemberPoints, MemberPoints.member_id == Member.id)
             .where(Member.merged_into.is_(None)).order_by(Member.id))
    if since is not None:
        query = query.where(Member.joined_at >= since)
    async with database.session() as session, database.session() as lookups:
        stream = await session.stream(query.execution_options(yield_per=2000))
        async for chunk in stream.partitions(2000):
            ids = [member.id for member, _ in chunk]
            accounts: dict[int, list[str]] = {}
            found = await lookups.execute(select(Identity.member_id, Identity.platform, Identity.platform_user_id)
                                          .where(Identity.member_id.in_(ids)))
            for member_id, platform, user_id in found.all():
                accounts.setdefault(member_id, []).append(f"{platform}:{user_id}")
            for member, points in chunk:
                yield {"member_id": member.id, "display_name": member.display_name,
                       "joined_at": member.joined_at.isoformat(),
                       "points": points.lifetime if points else 0, "helpers": points.helpers if points else 0,
                       "creators": points.creators if points else 0,
                       "referrers": points.referrers if points else 0,
                       "accounts": " ".join(accounts.get(member.id, []))}
