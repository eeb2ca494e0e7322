"""What members do with rituals: ``/rituals`` (what's on, in their timezone), ``/remindme ritual``, RSVP."""

from __future__ import annotations

from collections.abc import Sequence

from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.reply import Field, Reply
from cogs.rituals.schedule import ScheduleError, zone
from cogs.rituals.service import RitualService
from cogs.rituals.templates import format_duration, when


class RitualMembers:
    def __init__(self, service: RitualService) -> None:
        self.service = service
        self.store = service.store
        self.participation = service.participation

    def commands(self) -> Sequence[Command]:
        return (
            Command("rituals", "What's on: our rituals and when, in your timezone", self.rituals,
                    params=(Param("timezone", ParamKind.TEXT, "Set your timezone, e.g. Europe/Paris",
                                  required=False, rest=True, max_length=64),),
                    examples=("/rituals", "/rituals tz Europe/Paris")),
            Command("remindme ritual", "Get a DM before a ritual (or stop them)", self.remind,
                    params=(Param("ritual", ParamKind.TEXT, "The ritual's key or name, e.g. monday_wins",
                                  required=False, max_length=80),
                            Param("state", ParamKind.CHOICE, "on (default) or off", required=False,
                                  choices=("on", "off"))),
                    examples=("/remindme ritual office_hours", "/remindme ritual office_hours off")),
        )

    async def _timezone(self, member_id: int) -> str:
        return await self.participation.member_timezone(member_id) or self.service.community_timezone

    async def rituals(self, ctx: Context) -> Reply:
        wanted = ctx.args.get("timezone")
        note = None
        if wanted:
            name = wanted.split()[-1]  # "/rituals tz Europe/Paris" and "/rituals Europe/Paris" both work
            try:
                zone(name)
            except ScheduleError as problem:
                return Reply.error(str(problem))
            await self.participation.set_member_timezone(ctx.member_id, name)
            note = f"Times are shown in {name} from now on."
        zone_name = await self._timezone(ctx.member_id)
        tz = zone(zone_name)
        now = ctx.clock.now()
        opted = await self.participation.reminders_of(ctx.member_id)
        fields = []
        for ritual in await self.store.rituals():
            if not ritual.active:
                continue
            upcoming = await self.service.next_time(ritual, now)
            lines = [ritual.schedule.description,
                     f"Next: {when(upcoming, tz)}" if upcoming else "No upcoming date"]
            if await self.store.occurrences("posting", "open", ritual_id=ritual.id):
                lines.insert(0, "🟢 Open now — answer in its thread")
            streak = await self.service.streak(ctx.member_id, ritual.key)
            if streak and streak.current:
                lines.append(f"Your streak: 🔥 {streak.current}")
            if ritual.id in opted:
                lines.append(f"⏰ You get a DM {format_duration(ritual.remind)} before")
            fields.append(Field(ritual.name, "\n".join(lines)))
        if not fields:
            return Reply(title="Rituals", text="No rituals are running right now.", footer=note)
        return Reply(title=f"Rituals — times in {zone_name}", fields=tuple(fields),
                     footer=note or "Your timezone: /rituals tz Europe/Paris · reminders: /remindme ritual <name>")

    async def remind(self, ctx: Context) -> Reply:
        wanted = ctx.args.get("ritual")
        if not wanted:
            opted = await self.participation.reminders_of(ctx.member_id)
            names = [r.name for r in await self.store.rituals() if r.id in opted]
            if not names:
                return Reply(text="You get no ritual reminders. Turn one on with /remindme ritual <name>.",
                             private=True)
            return Reply(text="You get reminders for: " + ", ".join(names) + ". Stop one with "
                         "/remindme ritual <name> off.", private=True)
        ritual = await self.store.find(wanted)
        if ritual is None or not ritual.active:
            return Reply.error(f"There's no running ritual called '{wanted}' — see /rituals.")
        on = ctx.args.get("state", "on") == "on"
        if on and not ritual.remind:
            return Reply.error(f"{ritual.name} has no reminder time set — ask a moderator to set one.")
        changed = await self.participation.set_reminder(ritual.id, ctx.member_id, on)
        if not on:
            if not changed:
                return Reply.error(f"You weren't getting {ritual.name} reminders.")
            return Reply.success(f"No more reminders for {ritual.name}.", private=True)
        return Reply.success(f"I'll DM you {format_duration(ritual.remind)} before each {ritual.name}. "
                             "Make sure I can message you privately.", private=True)

    async def on_action(self, ctx: Context, rest: str) -> Reply:
        """``ritual:rsvp:<occurrence id>`` from the RSVP button."""
        kind, _, value = rest.partition(":")
        if kind != "rsvp" or not value.isdigit():
            return Reply.error("That button has expired — run /rituals.")
        occurrence = await self.store.occurrence(int(value))
        ritual = await self.store.get(occurrence.ritual_id) if occurrence else None
        if occurrence is None or ritual is None or occurrence.status not in {"posting", "open"}:
            return Reply.error("This one is over — see /rituals for the next.")
        if occurrence.scheduled_at <= ctx.clock.now():
            return Reply.error(f"{ritual.name} has already started — join in now!")
        added = await self.participation.rsvp(occurrence.id, ctx.member_id, ctx.clock.now())
        tz = zone(await self._timezone(ctx.member_id))
        reminder = f" I'll DM you {format_duration(ritual.remind)} before." if ritual.remind else ""
        if not added:
            return Reply(text=f"You're already on the list for {ritual.name}.{reminder}", private=True)
        return Reply.success(f"You're in for {ritual.name}, {when(occurrence.scheduled_at, tz)}.{reminder}",
                             private=True)
