"""Everything the database holds about one member: export it, or erase it, across every table.

Generic over the schema so a feature can't forget to take part:
- a *member column* is any column with a foreign key to ``members.id`` or whose name ends in
  ``member_id``; a row "is about" the member when one of its member columns holds their id;
- when a member is forgotten, such rows are deleted — unless the table declares
  ``info={"on_forget": "anonymise"}`` (ledgers and orders, whose totals the community's figures need):
  then their member columns point at the anonymous "former members" record and every column marked
  ``info={"personal": True}`` (free text a person wrote, names, hashes that identify them) is cleared —
  or, marked ``"unique"`` (keys that embed platform ids), replaced by a unique stand-in.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, String, Table, case, cast, delete, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Base, Identity, LinkCode, Member

TOMBSTONE_NAME = "Former member"


def member_columns(table: Table) -> list[Column[Any]]:
    found = []
    for column in table.columns:
        points_at_members = any(fk.column.table.name == "members" for fk in column.foreign_keys)
        if points_at_members or column.name.endswith("member_id"):
            found.append(column)
    return found


def personal_columns(table: Table) -> list[Column[Any]]:
    return [column for column in table.columns if column.info.get("personal")]


def member_tables() -> Iterator[tuple[Table, list[Column[Any]]]]:
    """Every table other than ``members`` itself that can hold rows about a member."""
    for table in Base.metadata.sorted_tables:
        if table.name == "members":
            continue
        columns = member_columns(table)
        if columns:
            yield table, columns


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


async def export_member(session: AsyncSession, member_id: int) -> dict[str, Any]:
    member = await session.get(Member, member_id)
    data: dict[str, Any] = {"member": {c.name: _plain(getattr(member, c.key)) for c in Member.__table__.columns}
                            if member else None}
    for table, columns in member_tables():
        rows = (await session.execute(select(table).where(or_(*(c == member_id for c in columns))))).mappings()
        found = [{key: _plain(value) for key, value in row.items()} for row in rows]
        if found:
            data[table.name] = found
    return data


def _erased_value(table: Table, column: Column[Any]) -> Any:
    """NULL, or for ``personal="unique"`` columns (keys that embed platform ids) a unique stand-in."""
    if column.info.get("personal") != "unique":
        return None
    (key,) = table.primary_key.columns
    return literal("forgotten:") + cast(key, String)


async def tombstone(session: AsyncSession, now: datetime) -> int:
    """The one anonymous member that forgotten members' anonymised rows point at."""
    found = await session.scalar(select(Member.id).where(Member.display_name == TOMBSTONE_NAME,
                                                          Member.merged_into.is_(None)).order_by(Member.id))
    if found is not None:
        return int(found)
    record = Member(display_name=TOMBSTONE_NAME, joined_at=now)
    session.add(record)
    await session.flush()
    return record.id


async def erase_member(session: AsyncSession, member_id: int, now: datetime) -> dict[str, int]:
    """Delete or anonymise every row about the member; returns rows touched per table."""
    anonymous = await tombstone(session, now)
    touched: dict[str, int] = {}
    # Children before parents (reverse dependency order), so foreign keys never block a delete.
    for table, columns in reversed(list(member_tables())):
        about = or_(*(c == member_id for c in columns))
        if table.info.get("on_forget") == "anonymise":
            # Only the columns holding this member change: a thanks award alice gave bob stays bob's award.
            values: dict[str, Any] = {c.name: case((c == member_id, anonymous), else_=c) for c in columns}
            for column in personal_columns(table):
                if column.name not in values:
                    values[column.name] = _erased_value(table, column)
            result = await session.execute(update(table).where(about).values(**values))
        else:
            result = await session.execute(delete(table).where(about))
        if result.rowcount:
            touched[table.name] = result.rowcount
    await session.execute(delete(Identity).where(Identity.member_id == member_id))
    await session.execute(delete(LinkCode).where(LinkCode.member_id == member_id))
    # Other records merged into this one point at it: they are the same person, and go too.
    merged = (await session.scalars(select(Member.id).where(Member.merged_into == member_id))).all()
    for other in merged:
        touched.update({f"merged:{k}": v for k, v in (await erase_member(session, other, now)).items()})
    await session.execute(update(Member).where(Member.id == member_id)
                          .values(display_name=TOMBSTONE_NAME, merged_into=anonymous))
    return touched
