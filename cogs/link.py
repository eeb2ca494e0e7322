"""``/link``: join your accounts on Discord, Telegram and the console into one member, by a one-time code."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.registry import DeepLink
from bot.kit.reply import Reply
from cogs.members.service import LinkError, MemberService

if TYPE_CHECKING:
    from cogs.services import Services

PLATFORM_LABELS = {"discord": "Discord", "telegram": "Telegram", "console": "console"}


class LinkCog(Cog):
    name = "link"

    def __init__(self, members: MemberService) -> None:
        self.members = members

    def commands(self) -> Sequence[Command]:
        return (
            Command("link", "Link your accounts on other platforms into one profile", self.link,
                    params=(Param("code", ParamKind.TEXT, "The code /link gave you on your other account",
                                  required=False, max_length=32),),
                    examples=("/link", "/link K7QM2XPA")),
        )

    def deep_links(self) -> Sequence[DeepLink]:
        return (DeepLink("link", self.link_from_deep_link),)

    async def link(self, ctx: Context) -> Reply:
        code = ctx.args.get("code")
        if code:
            return await self._redeem(ctx, code)
        code, expires = await self.members.issue_link_code(ctx.member_id)
        minutes = max(1, round((expires - ctx.clock.now()).total_seconds() / 60))
        return Reply(
            title="Your link code",
            text=(f"{code}\n\nOn your other account (Discord, Telegram…), send:\n/link {code}\n"
                  f"The code works once and expires in {minutes} minutes."),
            private=True,
        )

    async def link_from_deep_link(self, ctx: Context, code: str) -> Reply:
        return await self._redeem(ctx, code)

    async def _redeem(self, ctx: Context, code: str) -> Reply:
        try:
            result = await self.members.redeem_link_code(ctx.member_id, code)
        except LinkError as problem:
            return Reply.error(str(problem))
        view = await self.members.get(result.member_id)
        platforms = sorted({PLATFORM_LABELS.get(i.platform, i.platform) for i in view.identities}) if view else []
        return Reply.success(
            f"Linked! Your accounts ({', '.join(platforms)}) are now one profile: points, badges and "
            "purchases follow you everywhere. See /profile.",
            title="Accounts linked", private=True,
        )


def setup(services: Services) -> Cog:
    return LinkCog(services.members)
