"""Runs an invocation: find the command, check permission, parse arguments, call the handler.

Every outcome is a Reply a person can act on: never a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.kit.arguments import ArgumentError, TextInput, parse_options, parse_text, tokenize
from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.commands import Arguments, Command, Permission
from bot.kit.context import Context, Invocation
from bot.kit.events import CommandRefused
from bot.kit.identity import MemberDirectory
from bot.kit.platform import MessageRef, Place, Platform, PlatformUser
from bot.kit.registry import CommandRegistry
from bot.kit.reply import Reply

log = logging.getLogger("hearth.commands")

PERMISSION_NAMES = {Permission.MODERATOR: "moderators", Permission.ADMIN: "admins"}
INTERNAL_ERROR = "Something went wrong on our side — it's logged for the moderators. Please try again later."


@dataclass(frozen=True)
class Outcome:
    """What happened: the replies to show and a short status for metrics and tests."""

    replies: list[Reply]
    status: str  # ok | unknown | refused | usage | error
    command: Command | None = None


def _as_list(result: Reply | Sequence[Reply] | None) -> list[Reply]:
    if result is None:
        return []
    if isinstance(result, Reply):
        return [result]
    return list(result)


class Dispatcher:
    def __init__(self, registry: CommandRegistry, members: MemberDirectory, bus: EventBus, clock: Clock,
                 observe: Callable[[str, str], None] | None = None) -> None:
        self.registry = registry
        self.members = members
        self.bus = bus
        self.clock = clock
        # Told (platform, status) of every outcome: feeds the metrics without the kit knowing Prometheus.
        self._observe = observe

    def _find(self, invocation: Invocation) -> tuple[Command | None, str, str]:
        """The command, the name the user typed (for messages), and the argument text."""
        if invocation.path is not None:
            return self.registry.get(invocation.path), invocation.path, ""
        words = [t.value for t in tokenize(invocation.text)]
        command, used = self.registry.match(words)
        if command is None:
            return None, " ".join(words[:1]), ""
        tokens = tokenize(invocation.text)
        rest = invocation.text[tokens[used].start:] if used < len(tokens) else ""
        return command, command.path, rest

    def _unknown(self, typed: str, role: Permission) -> Reply:
        group = [c for c in self.registry.group(typed) if c.permission <= role] if typed else []
        if group:
            listed = ", ".join(f"/{c.path}" for c in group[:8])
            return Reply.error(f"/{typed} needs one more word. Try: {listed}")
        if not typed:
            return Reply.error("Type a command after the slash — try /help")
        return Reply.error(f"Unknown command /{typed} — try /help")

    async def dispatch(self, invocation: Invocation) -> Outcome:
        outcome = await self._dispatch(invocation)
        if self._observe is not None:
            self._observe(invocation.platform.name, outcome.status)
        return outcome

    async def _dispatch(self, invocation: Invocation) -> Outcome:
        command, typed, rest = self._find(invocation)
        if command is None:
            return Outcome([self._unknown(typed, invocation.role)], "unknown")
        if invocation.role < command.permission:
            who = f"{invocation.actor.platform}:{invocation.actor.user_id}"
            log.warning("refused /%s for %s (%s)", command.path, who, invocation.role.name.lower())
            await self.bus.publish(CommandRefused(command.path, invocation.actor, self.clock.now()))
            allowed = PERMISSION_NAMES.get(command.permission, "moderators")
            return Outcome([Reply.error(f"/{command.path} is for {allowed} only.")], "refused", command)
        if command.scope == "private" and not invocation.place.is_private:
            return Outcome([Reply.error(f"/{command.path} works in a private chat with me — DM me there.")],
                           "usage", command)
        if command.scope == "guild" and invocation.place.is_private:
            return Outcome([Reply.error(f"/{command.path} works in the community chat, not in DMs.")],
                           "usage", command)
        try:
            args = self._parse(command, invocation, rest)
        except ArgumentError as problem:
            return Outcome([Reply.error(f"{_sentence(str(problem))} Usage: {command.usage}")], "usage", command)
        return await self._run(command, args, invocation)

    def _parse(self, command: Command, invocation: Invocation, rest: str) -> Arguments:
        if invocation.options is not None:
            return parse_options(command, invocation.options)
        source = TextInput(
            platform=invocation.platform.name,
            mentions=invocation.mentions,
            reply_to_user=invocation.reply_to_user,
            attachments=tuple(invocation.attachments),
        )
        return parse_text(command, rest, source)

    async def _context(self, command: Command | None, args: Arguments, invocation: Invocation) -> Context:
        member_id = await self.members.resolve(invocation.actor)
        return Context(
            command=command,
            args=args,
            actor=invocation.actor,
            member_id=member_id,
            place=invocation.place,
            platform=invocation.platform,
            role=invocation.role,
            clock=self.clock,
            members=self.members,
            registry=self.registry,
            message=invocation.message,
        )

    async def _run(self, command: Command, args: Arguments, invocation: Invocation) -> Outcome:
        try:
            context = await self._context(command, args, invocation)
            replies = _as_list(await command.handler(context))
        except Exception:
            log.exception("/%s failed for %s:%s", command.path, invocation.actor.platform, invocation.actor.user_id)
            return Outcome([Reply.error(INTERNAL_ERROR)], "error", command)
        return Outcome(replies, "ok", command)

    async def dispatch_action(
        self,
        platform: Platform,
        actor: PlatformUser,
        place: Place,
        role: Permission,
        action: str,
        message: MessageRef | None = None,
    ) -> Outcome:
        """A button press: routed by the action's prefix to the cog that made the button."""
        handler, rest = self.registry.action(action)
        if handler is None:
            log.info("stale or unknown action %r from %s:%s", action, actor.platform, actor.user_id)
            return Outcome([Reply.error("That button has expired — run the command again.")], "unknown")
        if role < handler.permission:
            log.warning("refused action %s for %s:%s", handler.prefix, actor.platform, actor.user_id)
            return Outcome([Reply.error("That button is for moderators only.")], "refused")
        invocation = Invocation(platform=platform, actor=actor, place=place, role=role, message=message)
        try:
            context = await self._context(None, Arguments(), invocation)
            return Outcome(_as_list(await handler.handler(context, rest)), "ok")
        except Exception:
            log.exception("action %s failed for %s:%s", handler.prefix, actor.platform, actor.user_id)
            return Outcome([Reply.error(INTERNAL_ERROR)], "error")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."
