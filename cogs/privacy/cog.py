"""``/my_data``, ``/forget_me`` and ``/privacy``. Underscores, not dashes: Telegram command names allow no dash."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.events import MemberForgotten, MembersMerged
from bot.kit.registry import Action
from bot.kit.reply import Choice, Field, FileUpload, Reply
from cogs.members.service import MemberService
from cogs.privacy.preferences import Preferences, PreferencesChanged, PreferenceStore
from storage.database import Database
from storage.personal import erase_member, export_member

log = logging.getLogger("hearth.privacy")
CONFIRM_WINDOW = timedelta(minutes=5)
WHAT_IS_ERASED = ("your linked accounts, display name, points history (kept only as anonymous totals), badges, "
                  "ritual answers, posts you shared, votes, ideas and questions, claim links to your orders, "
                  "and every preference")
# What each /privacy setting means, as members read it: (on, off).
SETTINGS = {
    "leaderboard": ("shown on leaderboards", "hidden from leaderboards"),
    "dms": ("tips, asks and reminders by DM allowed", "no DMs from me except answers to your commands"),
    "proof": ("your name may appear on the public proof page", "never named on the public proof page"),
}


class PrivacyCog(Cog):
    name = "privacy"

    def __init__(self, database: Database, members: MemberService, bus: EventBus, clock: Clock,
                 preferences: PreferenceStore) -> None:
        self.database = database
        self.preferences = preferences
        self.members = members
        self.bus = bus
        self.clock = clock
        self._pending: dict[int, tuple[str, datetime]] = {}

    def commands(self) -> Sequence[Command]:
        return (
            Command("my_data", "Get a file with everything Hearth holds about you", self.my_data,
                    examples=("/my_data",)),
            Command("forget_me", "Erase everything Hearth holds about you (asks to confirm)", self.forget_me,
                    params=(Param("confirm", ParamKind.CHOICE, "Type confirm to erase for good", required=False,
                                  choices=("confirm",)),),
                    examples=("/forget_me", "/forget_me confirm")),
            Command("privacy", "Your privacy settings: leaderboards, DMs, the public proof page", self.privacy,
                    params=(Param("setting", ParamKind.CHOICE, "Which setting", required=False,
                                  choices=tuple(SETTINGS)),
                            Param("value", ParamKind.CHOICE, "on or off", required=False, choices=("on", "off"))),
                    examples=("/privacy", "/privacy leaderboard off", "/privacy dms off", "/privacy proof on")),
        )

    def listeners(self) -> Sequence[Listener]:
        return ((MembersMerged, self.on_merge),)

    async def on_merge(self, event: MembersMerged) -> None:
        merged = await self.preferences.merge(event.kept, event.merged, event.at)
        if merged is not None:
            await self.bus.publish(PreferencesChanged(event.kept, merged, event.at))

    async def privacy(self, ctx: Context) -> Reply:
        setting, value = ctx.args.get("setting"), ctx.args.get("value")
        if setting is None:
            current = await self.preferences.get(ctx.member_id)
            return Reply(title="Your privacy settings", fields=self._fields(current), private=True,
                         footer="Change one with /privacy <leaderboard|dms|proof> <on|off>.")
        if value is None:
            on = getattr(await self.preferences.get(ctx.member_id), setting)
            return Reply(text=f"{setting}: {'on' if on else 'off'} — {SETTINGS[setting][0 if on else 1]}. "
                              f"Change it with /privacy {setting} {'off' if on else 'on'}.", private=True)
        now = ctx.clock.now()
        updated = await self.preferences.set(ctx.member_id, now, **{setting: value == "on"})
        await self.bus.publish(PreferencesChanged(ctx.member_id, updated, now))
        return Reply.success(f"Done — {SETTINGS[setting][0 if value == 'on' else 1]}.", private=True)

    @staticmethod
    def _fields(current: Preferences) -> tuple[Field, ...]:
        return tuple(Field(name, f"{'on' if getattr(current, name) else 'off'} — "
                                 f"{meaning[0 if getattr(current, name) else 1]}")
                     for name, meaning in SETTINGS.items())

    def actions(self) -> Sequence[Action]:
        return (Action("forget", self.confirm_button),)

    async def my_data(self, ctx: Context) -> Reply:
        async with self.database.session() as session:
            data = await export_member(session, ctx.member_id)
        body = json.dumps({"exported_at": ctx.clock.now().isoformat(), "member_id": ctx.member_id, **data},
                          indent=2, ensure_ascii=False, default=str).encode()
        tables = len(data) - 1
        return Reply(title="Your data", text=f"Everything Hearth holds about you, from {tables} kinds of record. "
                     "To erase it all: /forget_me.",
                     files=(FileUpload("hearth-my-data.json", body, "application/json"),), private=True)

    async def forget_me(self, ctx: Context) -> Reply:
        if ctx.args.get("confirm") == "confirm":
            pending = self._pending.get(ctx.member_id)
            if pending is None or pending[1] < ctx.clock.now():
                return Reply.error("Run /forget_me first: it explains what is erased, then confirm within 5 minutes.")
            return await self._erase(ctx)
        nonce = secrets.token_urlsafe(8)
        self._pending[ctx.member_id] = (nonce, ctx.clock.now() + CONFIRM_WINDOW)
        return Reply(
            title="Erase everything?",
            text=(f"This erases {WHAT_IS_ERASED}, on every platform. It can't be undone. "
                  "Press the button or type /forget_me confirm within 5 minutes."),
            choices=(Choice("Yes, erase everything", f"forget:{nonce}", style="danger"),),
            private=True, tone="warning")

    async def confirm_button(self, ctx: Context, nonce: str) -> Reply:
        pending = self._pending.get(ctx.member_id)
        if pending is None or pending[0] != nonce or pending[1] < ctx.clock.now():
            return Reply.error("That confirmation has expired — run /forget_me again.")
        return await self._erase(ctx)

    async def _erase(self, ctx: Context) -> Reply:
        self._pending.pop(ctx.member_id, None)
        view = await self.members.get(ctx.member_id)
        accounts = tuple((i.platform, i.platform_user_id) for i in view.identities) if view else ()
        async with self.database.session() as session, session.begin():
            touched = await erase_member(session, ctx.member_id, ctx.clock.now())
        log.info("member %d forgotten: %s", ctx.member_id, ", ".join(f"{t}={n}" for t, n in sorted(touched.items())))
        await self.bus.publish(MemberForgotten(ctx.member_id, accounts, ctx.clock.now()))
        return Reply.success("Done: everything Hearth held about you is erased. If you talk here again you'll "
                             "start fresh as a new member.", private=True)
