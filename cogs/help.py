"""``/help`` lists what the caller may run; ``/start`` greets and routes deep-link payloads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.reply import Field, Reply

if TYPE_CHECKING:
    from cogs.services import Services, StartHandlers


class HelpCog(Cog):
    name = "help"

    def __init__(self, community_name: str, start_handlers: StartHandlers | None = None) -> None:
        self.community_name = community_name
        # Plain /start is handed to these first (onboarding welcomes new members there).
        self.start_handlers = start_handlers

    def commands(self) -> Sequence[Command]:
        return (
            Command("help", "List the commands you can use, or explain one", self.help,
                    params=(Param("command", ParamKind.TEXT, "A command to explain, e.g. profile",
                                  required=False, rest=True, max_length=100),),
                    examples=("/help", "/help link")),
            Command("start", "Say hello and see how to get started", self.greet,
                    params=(Param("payload", ParamKind.TEXT, "A code from a link you followed",
                                  required=False, max_length=64),)),
        )

    async def help(self, ctx: Context) -> Reply:
        wanted = ctx.args.get("command")
        if wanted:
            return self._explain(ctx, wanted.strip().lstrip("/").lower())
        visible = ctx.registry.visible_to(ctx.role)
        members = [c for c in visible if c.permission is Permission.MEMBER]
        staff = [c for c in visible if c.permission is not Permission.MEMBER]
        fields = [Field("Commands", "\n".join(f"{c.usage} — {c.help}" for c in members))]
        if staff:
            fields.append(Field("Moderators", "\n".join(f"{c.usage} — {c.help}" for c in staff)))
        return Reply(title=f"{self.community_name} — what you can do", fields=tuple(fields),
                     footer="Details on one command: /help <command>")

    def _explain(self, ctx: Context, name: str) -> Reply:
        command = ctx.registry.get(name)
        if command is None or command.permission > ctx.role:
            group = [c for c in ctx.registry.group(name) if c.permission <= ctx.role]
            if group:
                return Reply(title=f"/{name} …", text="\n".join(f"{c.usage} — {c.help}" for c in group))
            return Reply.error(f"There's no /{name} you can use — see /help for the list.")
        lines = [command.help, f"Usage: {command.usage}"]
        lines += [f"  {p.name}: {p.help}{'' if p.required else ' (optional)'}" for p in command.params]
        if command.examples:
            lines.append("Examples: " + ", ".join(command.examples))
        return Reply(title=f"/{command.path}", text="\n".join(lines))

    async def greet(self, ctx: Context) -> Reply | None:
        payload = ctx.args.get("payload")
        if payload:
            link, rest = ctx.registry.deep_link(payload)
            if link is not None and rest:
                return await link.handler(ctx, rest)
            return Reply.error("That link has expired or isn't one of mine. Type /help to see what I can do.")
        if self.start_handlers is not None:
            answer = await self.start_handlers.answer(ctx)
            if answer is not None:
                return answer
        return Reply(title=f"Welcome to {self.community_name}!",
                     text="I keep our community running: rituals, points, polls and more. Type /help to start.")


def setup(services: Services) -> Cog:
    return HelpCog(services.config.community.name, services.start_handlers)
