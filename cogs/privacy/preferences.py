"""Member privacy choices (``member_preferences``), read and written by every feature that needs them.

One store, so ``/privacy dms off`` and ``/dm off`` are the same switch, the points leaderboard and the proof
page read the same row, and ``/my_data`` / ``/forget_me`` find it with everything else. A member without a
row has the defaults (``Preferences()``): nothing is written until someone changes a setting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import delete, select

from bot.kit.events import Event
from storage.database import Database
from storage.models import MemberPreference
from storage.upsert import insert_ignoring

# The setting names members type (/privacy leaderboard off) → the column that stores them.
COLUMNS = {"leaderboard": "show_on_leaderboard", "dms": "allow_dms", "proof": "show_on_proof"}


@dataclass(frozen=True)
class Preferences:
    """True = shown / allowed. Proof-page display is opt-in; the others are on until switched off."""

    leaderboard: bool = True
    dms: bool = True
    proof: bool = False

    def strictest(self, other: Preferences) -> Preferences:
        """Two accounts of one person (``/link``): whichever said no, the answer is no."""
        return Preferences(**{f.name: getattr(self, f.name) and getattr(other, f.name) for f in fields(self)})


@dataclass(frozen=True)
class PreferencesChanged(Event):
    """A member changed a privacy setting (or was forgotten): caches of names on public pages drop them."""

    member_id: int
    preferences: Preferences
    at: datetime


def _view(row: MemberPreference | None) -> Preferences:
    if row is None:
        return Preferences()
    return Preferences(leaderboard=row.show_on_leaderboard, dms=row.allow_dms, proof=row.show_on_proof)


class PreferenceStore:
    def __init__(self, database: Database) -> None:
        self.database = database

    async def get(self, member_id: int) -> Preferences:
        async with self.database.session() as session:
            return _view(await session.get(MemberPreference, member_id))

    async def set(self, member_id: int, at: datetime, **changes: bool) -> Preferences:
        """Change some settings (``leaderboard=False``); returns them all as they now stand."""
        unknown = set(changes) - set(COLUMNS)
        if unknown:
            raise ValueError(f"unknown privacy setting(s): {', '.join(sorted(unknown))}")
        async with self.database.session() as session, session.begin():
            # Insert the defaults first (a no-op if the row exists), then update: one code path on both backends.
            await session.execute(insert_ignoring(session.bind.dialect.name, MemberPreference.__table__,
                                                  ["member_id"]).values(member_id=member_id, changed_at=at))
            row = await session.get(MemberPreference, member_id, populate_existing=True)
            assert row is not None
            for name, value in changes.items():
                setattr(row, COLUMNS[name], value)
            row.changed_at = at
            return _view(row)

    async def dms_blocked(self, member_ids: Iterable[int]) -> set[int]:
        """Which of these members said no to DMs (``/privacy dms off`` or ``/dm off``)."""
        ids = list(member_ids)
        if not ids:
            return set()
        async with self.database.session() as session:
            return set(await session.scalars(select(MemberPreference.member_id).where(
                MemberPreference.member_id.in_(ids), MemberPreference.allow_dms.is_(False))))

    async def merge(self, kept: int, merged: int, at: datetime) -> Preferences | None:
        """Linked accounts are one person: the strictest choice of either holds for the kept record."""
        async with self.database.session() as session:
            rows = {row.member_id: row for row in await session.scalars(
                select(MemberPreference).where(MemberPreference.member_id.in_((kept, merged))))}
        if merged not in rows:
            return None
        # A kept record without a row has the defaults, so a proof opt-in made only on the merged account lapses:
        # appearing on a public page needs a yes that holds for the whole person.
        combined = _view(rows.get(kept)).strictest(_view(rows[merged]))
        result = await self.set(kept, at, **{name: getattr(combined, name) for name in COLUMNS})
        async with self.database.session() as session, session.begin():
            await session.execute(delete(MemberPreference).where(MemberPreference.member_id == merged))
        return result
