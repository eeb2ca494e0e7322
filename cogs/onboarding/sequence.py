"""The welcome sequence: DMs on day 0, 2 and 5 (by default) for members who are still New.

A step is skipped when the member already did what it asks (its ``skip_if_done`` item), and every
remaining step is skipped once they finished the checklist or the lifecycle moved them past New: no
activation tips for someone who is already active.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.kit.clock import Clock
from cogs.lifecycle.direct import DirectMessages
from cogs.lifecycle.sequences import SequenceSender, Step
from cogs.lifecycle.store import stages_of
from cogs.onboarding.checklist import Checklist
from cogs.onboarding.config import OnboardingConfig
from storage.database import Database
from storage.models import Member, OnboardingMember

SEQUENCE = "welcome"


class WelcomeSequence:
    def __init__(self, config: OnboardingConfig, community: str, database: Database, clock: Clock,
                 checklist: Checklist, dms: DirectMessages) -> None:
        self.config = config
        self.clock = clock
        self.community = community
        self.database = database
        self.checklist = checklist
        self.dms = dms
        self.sender = SequenceSender(database, dms, community, timedelta(days=config.late_days))

    async def run(self, now: datetime | None = None) -> dict[int, list[str]]:
        """Send (or record as skipped) every due step; returns what happened per member (the job runs this)."""
        now = now or self.clock.now()
        steps = self.config.sequence
        if not steps:
            return {}
        horizon = now - timedelta(days=max(s.after_days for s in steps) + self.config.late_days + 1)
        async with self.database.session() as session:
            rows = (await session.execute(
                select(OnboardingMember.member_id, Member.display_name, OnboardingMember.joined_at)
                .join(Member, Member.id == OnboardingMember.member_id)
                .where(OnboardingMember.joined_at >= horizon, Member.merged_into.is_(None))
                .order_by(OnboardingMember.member_id))).all()
        ids = [member_id for member_id, _, _ in rows]
        recorded = await self.sender.recorded(ids, SEQUENCE)
        stages = await stages_of(self.database, ids)
        opted_out = await self.dms.opted_out(ids)
        results: dict[int, list[str]] = {}
        for member_id, name, joined_at in rows:
            due = [index for index, step in enumerate(steps) if joined_at + timedelta(days=step.after_days) <= now
                   and (member_id, SEQUENCE, index) not in recorded]
            if not due:
                continue
            progress = await self.checklist.progress(member_id, now)
            moved_on = progress.completed_at is not None or stages.get(member_id, "new") != "new"
            done = progress.done_keys()
            planned = []
            for index in due:
                step = steps[index]
                skip = "skipped_stage" if moved_on else "skipped_done" if step.skip_if_done in done else None
                planned.append(Step(SEQUENCE, index, joined_at + timedelta(days=step.after_days), step.text,
                                    f"{self.community} — getting started", skip))
            statuses = await self.sender.deliver(member_id, name, planned, now, opted_out=member_id in opted_out,
                                                 done=recorded)
            if statuses:
                results[member_id] = statuses
        return results
