"""DM sequences: steps due some days after a start (joining, entering a stage), each sent at most once.

A step is claimed by inserting its ``member_dm_steps`` row before the DM goes out, so a restart or a
second process never repeats it. Steps that shouldn't go out are recorded as skipped with the reason —
already done, the member has moved to another stage, opted out, or too late (Hearth was down) — so they
are never sent later either: a member never receives a step aimed at a stage they're no longer in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from bot.kit.reply import Reply
from cogs.lifecycle.direct import DirectMessages
from cogs.lifecycle.store import dialect
from storage.database import Database
from storage.models import DmStep
from storage.upsert import insert_ignoring

FOOTER = "You get these tips while you're settling in. /dm off stops them; /dm on brings them back."


@dataclass(frozen=True)
class Step:
    """One step of one member's sequence: its text, when it is due, and why not to send it (if so)."""

    sequence: str
    index: int
    due_at: datetime
    text: str
    title: str
    skip: str | None = None


class SequenceSender:
    def __init__(self, database: Database, dms: DirectMessages, community: str, late: timedelta) -> None:
        self.database = database
        self.dms = dms
        self.community = community
        self.late = late

    async def recorded(self, member_ids: Sequence[int], sequence_prefix: str) -> set[tuple[int, str, int]]:
        """Steps already sent or skipped, for these members and sequences starting with the prefix."""
        if not member_ids:
            return set()
        async with self.database.session() as session:
            rows = await session.execute(select(DmStep.member_id, DmStep.sequence, DmStep.step).where(
                DmStep.member_id.in_(list(member_ids)), DmStep.sequence.startswith(sequence_prefix)))
            return {(m, s, i) for m, s, i in rows.all()}

    async def _claim(self, member_id: int, step: Step, status: str, at: datetime) -> bool:
        async with self.database.session() as session, session.begin():
            result = await session.execute(insert_ignoring(dialect(session), DmStep.__table__,
                                                           ["member_id", "sequence", "step"]).values(
                member_id=member_id, sequence=step.sequence, step=step.index, status=status, at=at))
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _settle(self, member_id: int, step: Step, status: str) -> None:
        async with self.database.session() as session, session.begin():
            await session.execute(update(DmStep).where(DmStep.member_id == member_id, DmStep.sequence == step.sequence,
                                                       DmStep.step == step.index).values(status=status))

    async def deliver(self, member_id: int, name: str, steps: Sequence[Step], now: datetime, *,
                      opted_out: bool, done: set[tuple[int, str, int]], prefer: str | None = None) -> list[str]:
        """Send (or record as skipped) every due, unrecorded step; returns the statuses recorded, in order."""
        statuses: list[str] = []
        for step in steps:
            if step.due_at > now or (member_id, step.sequence, step.index) in done:
                continue
            skip = step.skip
            if skip is None and opted_out:
                skip = "skipped_opt_out"  # "stops": opting back in doesn't replay what was missed
            if skip is None and now - step.due_at > self.late:
                skip = "skipped_late"
            if skip is not None:
                if await self._claim(member_id, step, skip, now):
                    statuses.append(skip)
                continue
            if not await self._claim(member_id, step, "sending", now):
                continue
            text = step.text.format(member=name, community=self.community)
            sent = await self.dms.send(member_id, Reply(title=step.title, text=text, footer=FOOTER), prefer=prefer)
            status = "sent" if sent else "undeliverable"
            await self._settle(member_id, step, status)
            statuses.append(status)
        return statuses
