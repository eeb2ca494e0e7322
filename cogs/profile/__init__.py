"""``/profile [member]``: who someone is here — accounts, joined date, and what other features add."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.reply import Field, Reply
from cogs.members.service import MemberService
from cogs.profile.sections import ProfileSections

if TYPE_CHECKING:
    from cogs.services import Services

PLATFORM_LABELS = {"discord": "Discord", "telegram": "Telegram", "console": "Console"}


def _account_label(platform: str, display_name: str, username: str | None) -> str:
    label = PLATFORM_LABELS.get(platform, platform.title())
    shown = f"@{username}" if username and platform == "telegram" else display_name
    return f"{label}: {shown}"


class ProfileCog(Cog):
    name = "profile"

    def __init__(self, members: MemberService, sections: ProfileSections) -> None:
        self.members = members
        self.sections = sections

    def commands(self) -> Sequence[Command]:
        return (
            Command("profile", "Show your profile, or another member's", self.profile,
                    params=(Param("member", ParamKind.MEMBER, "Whose profile to show", required=False),),
                    examples=("/profile", "/profile @alice")),
            Command("mod member", "Everything Hearth knows about a member (ids, accounts, history)", self.inspect,
                    params=(Param("member", ParamKind.MEMBER, "The member to look up"),),
                    permission=Permission.MODERATOR, examples=("/mod member @alice",)),
        )

    async def inspect(self, ctx: Context) -> Reply:
        target = ctx.args["member"]
        member_id = await self.members.find(target)
        view = await self.members.get(member_id) if member_id is not None else None
        if view is None:
            return Reply.error(f"Hearth has no record of {target.display_name} yet.", title="No such member")
        accounts = "\n".join(f"{_account_label(i.platform, i.display_name, i.username)} (id {i.platform_user_id}, "
                             f"since {i.linked_at:%Y-%m-%d})" for i in view.identities)
        fields = [
            Field("Member id", str(view.id), inline=True),
            Field("Member since", f"{view.joined_at:%Y-%m-%d %H:%M} UTC", inline=True),
            Field("Accounts", accounts or "none"),
            *await self.sections.collect(view.id),
        ]
        return Reply(title=f"{view.display_name} — member record", fields=tuple(fields), private=True)

    async def profile(self, ctx: Context) -> Reply:
        target = ctx.args.get("member")
        if target is not None and target.is_bot:
            return Reply.error("Bots don't have profiles here — pick a member.")
        if target is None:
            member_id = ctx.member_id
        else:
            found = await self.members.find(target)
            if found is None:
                return Reply.error(f"{target.display_name} hasn't taken part here yet, so there's no profile.")
            member_id = found
        # The member record and every feature's lines are independent look-ups: run them side by side.
        view, sections = await asyncio.gather(self.members.get(member_id), self.sections.collect(member_id))
        if view is None:
            return Reply.error("That member's profile is gone.")
        accounts = "\n".join(_account_label(i.platform, i.display_name, i.username) for i in view.identities)
        fields = [
            Field("Member since", view.joined_at.strftime("%-d %b %Y"), inline=True),
            Field("Accounts", accounts or "none"),
            *sections,
        ]
        hint = "Link another account with /link." if target is None and len(view.identities) < 2 else None
        return Reply(title=view.display_name, fields=tuple(fields), footer=hint)


def setup(services: Services) -> Cog:
    return ProfileCog(services.members, services.profile_sections)
