"""``/mod ritual …``: moderators create, change, pause, skip and list rituals, and pick co-hosts.

A moderator change to a ritual defined in config.toml takes it over: from then on the database copy is
the ritual and the file no longer changes it (the reply says so). Pausing, skipping and co-hosts are state,
not definition, and leave a config ritual attached to the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.platform import check_place_key
from bot.kit.reply import Field, Reply
from cogs.rituals.config import duration
from cogs.rituals.schedule import ScheduleError, parse_schedule
from cogs.rituals.service import RitualService
from cogs.rituals.store import RitualView, minutes
from cogs.rituals.templates import TemplateError, check_template, format_duration, when

DEFAULT_PROMPT = "{name}, week {week}: share yours in the thread! Co-host: {cohost}."
FIELDS = ("name", "schedule", "channels", "prompt", "open", "announce", "remind", "points", "rsvp")
RITUAL = Param("ritual", ParamKind.TEXT, "The ritual's key or name, e.g. monday_wins", max_length=80)
# Alone on the line, the name may have spaces without quotes (/mod ritual pause Monday Wins).
WHOLE_RITUAL = Param("ritual", ParamKind.TEXT, "The ritual's key or name, e.g. monday_wins", max_length=80,
                     rest=True)
_CHANNEL_MENTION = re.compile(r"^<#(\d+)>$")


class Refusal(ValueError):
    """Input a moderator must correct; the message says how."""


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:32]


def parse_channels(text: str, ctx: Context) -> list[str]:
    """``here``, ``#name``, ``<#123>``, a bare id, or full keys like ``telegram:-100123``, comma-separated."""
    keys: list[str] = []
    for token in (t for t in re.split(r"[,\s]+", text.strip()) if t):
        mention = _CHANNEL_MENTION.match(token)
        if token.lower() == "here":
            if ctx.place.is_private:
                raise Refusal("'here' is a private chat: run this in the channel, or name channels like "
                              "discord:123456789")
            keys.append(ctx.place.key)
        elif mention:
            keys.append(f"{ctx.platform.name}:{mention.group(1)}")
        elif token.startswith("#") or token.lstrip("-").isdigit():
            keys.append(f"{ctx.platform.name}:{token.lstrip('#')}")
        else:
            try:
                keys.append(check_place_key(token))
            except ValueError as problem:
                raise Refusal(str(problem)) from None
    if not keys:
        raise Refusal("name at least one channel, or 'here'")
    return list(dict.fromkeys(keys))


class RitualModeration:
    def __init__(self, service: RitualService) -> None:
        self.service = service
        self.store = service.store

    def commands(self) -> Sequence[Command]:
        mod = Permission.MODERATOR
        return (
            Command("mod ritual create", "Create a ritual: name, schedule, channels, prompt", self.create,
                    params=(Param("name", ParamKind.TEXT, "What it's called, e.g. Monday Wins", max_length=80),
                            Param("schedule", ParamKind.TEXT, "e.g. mon 09:00 Europe/Berlin, first thu 18:00",
                                  max_length=120),
                            Param("channels", ParamKind.TEXT, "here, #channel or keys like telegram:-100123",
                                  required=False, max_length=500),
                            Param("prompt", ParamKind.TEXT, "The post; {name} {week} {cohost} {top_posts} …",
                                  required=False, rest=True, max_length=1500)),
                    permission=mod,
                    examples=('/mod ritual create "Monday Wins" "mon 09:00 Europe/Berlin" here Share a win!',)),
            Command("mod ritual edit", "Change one setting of a ritual", self.edit,
                    params=(RITUAL, Param("field", ParamKind.CHOICE, "What to change", choices=FIELDS),
                            Param("value", ParamKind.TEXT, "The new value", rest=True, max_length=1500)),
                    permission=mod, examples=("/mod ritual edit monday_wins open 2d",
                                              "/mod ritual edit office_hours remind 15m")),
            Command("mod ritual pause", "Stop a ritual posting until resumed", self.pause,
                    params=(WHOLE_RITUAL,), permission=mod),
            Command("mod ritual resume", "Let a paused or disabled ritual post again", self.resume,
                    params=(WHOLE_RITUAL,), permission=mod),
            Command("mod ritual skip", "Skip a ritual's next occurrence", self.skip,
                    params=(WHOLE_RITUAL,), permission=mod),
            Command("mod ritual delete", "Delete a ritual (its history stays in the measures)", self.delete,
                    params=(WHOLE_RITUAL,), permission=mod),
            Command("mod ritual list", "Every ritual: status, schedule, next post, channels", self.list,
                    permission=mod),
            Command("mod ritual cohost", "Add or remove a ritual co-host (several rotate)", self.cohost,
                    params=(RITUAL, Param("member", ParamKind.MEMBER, "The champion"),
                            Param("action", ParamKind.CHOICE, "add (default) or remove", required=False,
                                  choices=("add", "remove"))),
                    permission=mod, examples=("/mod ritual cohost monday_wins @alice",)),
        )

    async def _ritual(self, ctx: Context) -> RitualView | Reply:
        ritual = await self.store.find(ctx.args["ritual"])
        if ritual is None:
            return Reply.error(f"There's no ritual called '{ctx.args['ritual']}' — see /mod ritual list.")
        return ritual

    async def create(self, ctx: Context) -> Reply:
        name = " ".join(ctx.args["name"].split())
        key = slug(name)
        if not key:
            return Reply.error("Give the ritual a name with letters or digits, e.g. Monday Wins.")
        if await self.store.find(key) is not None or await self.store.find(name) is not None:
            return Reply.error(f"There's already a ritual called {name} — pick another name or /mod ritual edit it.")
        try:
            schedule = parse_schedule(ctx.args["schedule"], self.service.community_timezone)
            channels = parse_channels(ctx.args.get("channels", "here"), ctx)
            prompt = check_template(ctx.args.get("prompt", DEFAULT_PROMPT))
        except (ScheduleError, Refusal, TemplateError) as problem:
            return Reply.error(_sentence(str(problem)))
        now = ctx.clock.now()
        ritual = await self.store.create(
            key=key, name=name, enabled=True, paused=False, schedule=schedule.text, timezone="",
            channels=channels, prompt=prompt, open_minutes=24 * 60, announce_minutes=0, remind_minutes=0,
            points=None, rsvp=False, cohosts=[], active_since=now, created_by=ctx.member_id, created_at=now)
        await self.service.reschedule()
        upcoming = await self.service.next_time(ritual, now)
        first = when(upcoming, schedule.tz) if upcoming else "never (the schedule has no future times)"
        return Reply.success(f"Created {name} ({key}): {schedule.description}, first post {first}, in "
                             f"{', '.join(channels)}. Open 1 day per occurrence. Change anything with "
                             f"/mod ritual edit {key} <field> <value>.", title="Ritual created")

    async def edit(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        field, value = ctx.args["field"], ctx.args["value"]
        try:
            values = self._edit_values(found, field, value, ctx)
        except (ValueError, Refusal) as problem:
            return Reply.error(_sentence(str(problem)))
        took_over = found.source == "config"
        await self.store.update(found.id, source="moderator", **values)
        await self.service.reschedule()
        note = " It was defined in config.toml; it's managed here from now on." if took_over else ""
        return Reply.success(f"{found.name}: {field} updated.{note}")

    def _edit_values(self, ritual: RitualView, field: str, value: str, ctx: Context) -> dict[str, Any]:
        if field == "name":
            return {"name": " ".join(value.split())[:80]}
        if field == "schedule":
            schedule = parse_schedule(value, self.service.community_timezone)
            # A new time that already passed today must not post at once: count from now.
            return {"schedule": schedule.text, "timezone": "", "active_since": ctx.clock.now()}
        if field == "channels":
            return {"channels": parse_channels(value, ctx)}
        if field == "prompt":
            return {"prompt": check_template(value)}
        if field == "open":
            return {"open_minutes": minutes(duration(value))}
        if field in {"announce", "remind"}:
            return {f"{field}_minutes": minutes(duration(value, allow_zero=True))}
        if field == "points":
            if value.strip().lower() == "default":
                return {"points": None}
            if not value.strip().isdigit() or int(value) > 10_000:
                raise Refusal("points must be a whole number from 0 to 10000, or 'default' for the points rule")
            return {"points": int(value)}
        if value.strip().lower() not in {"on", "off", "yes", "no", "true", "false"}:
            raise Refusal("RSVP takes on or off")
        return {"rsvp": value.strip().lower() in {"on", "yes", "true"}}

    async def pause(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        if found.paused:
            return Reply.error(f"{found.name} is already paused. /mod ritual resume {found.key} to restart it.")
        await self.store.update(found.id, paused=True)
        return Reply.success(f"{found.name} is paused: nothing posts until /mod ritual resume {found.key}.")

    async def resume(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        if found.active:
            return Reply.error(f"{found.name} isn't paused.")
        if not found.channels:
            return Reply.error(f"{found.name} has no channels yet: /mod ritual edit {found.key} channels here")
        values: dict[str, Any] = {"paused": False, "enabled": True, "active_since": ctx.clock.now()}
        note = ""
        if not found.enabled and found.source == "config":
            values["source"] = "moderator"
            note = " It was off in config.toml; it's managed here from now on."
        await self.store.update(found.id, **values)
        await self.service.reschedule()
        upcoming = await self.service.next_time(found, ctx.clock.now())
        following = f" Next: {when(upcoming, found.schedule.tz)}." if upcoming else ""
        return Reply.success(f"{found.name} is back on.{following}{note}")

    async def skip(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        skipped = await self.service.skip_next(found)
        if skipped is None:
            return Reply.error(f"{found.name} has no upcoming occurrence to skip.")
        upcoming = found.schedule.next_after(skipped)
        following = f" The one after is {when(upcoming, found.schedule.tz)}." if upcoming else ""
        return Reply.success(f"Skipped {found.name} on {when(skipped, found.schedule.tz)}.{following}")

    async def delete(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        if found.source == "config":
            return Reply.error(f"{found.name} is defined in config.toml: set enabled = false there, or "
                               f"/mod ritual pause {found.key}.")
        # The key is freed for a new ritual; the old row keeps its history for the measures.
        await self.store.update(found.id, key=f"{found.key}-deleted-{found.id}", paused=True,
                                deleted_at=ctx.clock.now())
        return Reply.success(f"Deleted {found.name}.")

    async def list(self, ctx: Context) -> Reply:
        rituals = await self.store.rituals()
        if not rituals:
            return Reply(title="Rituals", text="None yet. Create one with /mod ritual create.")
        now = ctx.clock.now()
        fields = []
        for ritual in rituals:
            upcoming = await self.service.next_time(ritual, now) if ritual.active else None
            lines = [f"{ritual.status} · {ritual.schedule.description}",
                     f"next: {when(upcoming, ritual.schedule.tz)}" if upcoming else "next: —",
                     f"channels: {', '.join(ritual.channels) or 'none'}",
                     f"open {format_duration(ritual.open_for)} · {self.service.participation_points(ritual)} points"
                     + (" · RSVP" if ritual.rsvp else "")
                     + (f" · remind {format_duration(ritual.remind)} before" if ritual.remind else "")]
            if ritual.failure and ritual.failing:
                lines.append(f"problem: {ritual.failure}")
            fields.append(Field(f"{ritual.name} ({ritual.key})", "\n".join(lines)))
        return Reply(title="Rituals", fields=tuple(fields), private=True)

    async def cohost(self, ctx: Context) -> Reply:
        found = await self._ritual(ctx)
        if isinstance(found, Reply):
            return found
        member = ctx.args["member"]
        if member.is_bot:
            return Reply.error("A bot can't co-host — pick a champion.")
        member_id = await ctx.member_of(member)
        cohosts = list(found.cohosts)
        if ctx.args.get("action", "add") == "remove":
            if member_id not in cohosts:
                return Reply.error(f"{member.display_name} isn't a co-host of {found.name}.")
            cohosts.remove(member_id)
        elif member_id in cohosts:
            return Reply.error(f"{member.display_name} already co-hosts {found.name}.")
        else:
            cohosts.append(member_id)
        await self.store.update(found.id, cohosts=cohosts)
        rotation = " They take turns, one per occurrence." if len(cohosts) > 1 else ""
        return Reply.success(f"{found.name} now has {len(cohosts)} co-host{'s' if len(cohosts) != 1 else ''}."
                             f"{rotation}")


def _sentence(text: str) -> str:
    text = text.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
