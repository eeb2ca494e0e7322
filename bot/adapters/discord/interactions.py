"""Slash commands, autocomplete and button presses: from an interaction to the kit and back.

Discord gives an interaction 3 seconds for its first answer. A command that takes longer than
``defer_after`` is deferred ("Hearth is thinking…") and its replies follow when ready. Expired and
unknown interactions (Discord's 10062) are logged and skipped; nothing here ends the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.adapters.discord.convert import PlaceResolver, unknown_user, user_from_payload
from bot.adapters.discord.gateway import GatewayGuard
from bot.adapters.discord.options import option_values, read_call, suggest
from bot.adapters.discord.permissions import actor_role, begin_notices
from bot.adapters.discord.render import plain_kwargs, render
from bot.adapters.discord.rest import patiently
from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.dispatch import Dispatcher, Outcome
from bot.kit.events import ChoiceClicked
from bot.kit.platform import MessageRef, Place, Platform, PlatformUser
from bot.kit.reply import Reply

log = logging.getLogger("hearth.discord")
NOTHING_TO_SAY = Reply.success("Done.", private=True)


@dataclass(frozen=True)
class ModeratorRule:
    """Who is a moderator: holders of ``permission`` (Manage Server by default) or of one of the roles."""

    permission: str = "manage_guild"
    role_ids: Collection[int] = ()


@dataclass(frozen=True)
class Caller:
    actor: PlatformUser
    role: Permission
    place: Place
    guild_id: int | None


class InteractionHandler:
    def __init__(self, *, dispatcher: Dispatcher, platform: Platform, places: PlaceResolver, guard: GatewayGuard,
                 bus: EventBus, clock: Clock, moderators: ModeratorRule, defer_after: float = 2.0) -> None:
        self._dispatcher = dispatcher
        self._bus = bus
        self._clock = clock
        self._platform = platform
        self._places = places
        self._guard = guard
        self._moderators = moderators
        self._defer_after = defer_after
        self._running: set[asyncio.Task[Any]] = set()

    async def drain(self, timeout: float) -> None:
        """Let interactions being handled finish answering (shutdown), for at most ``timeout`` seconds."""
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)

    async def handle(self, interaction: discord.Interaction) -> None:
        raw = self._guard.take_interaction(interaction.id)
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
            task.add_done_callback(self._running.discard)
        try:
            if interaction.type is discord.InteractionType.application_command:
                await self._command(interaction, raw)
            elif interaction.type is discord.InteractionType.autocomplete:
                await self._autocomplete(interaction, raw)
            elif interaction.type is discord.InteractionType.component:
                await self._component(interaction, raw)
        except discord.NotFound as error:
            log.warning("interaction %s is unknown or expired (Discord: %s %s); it was answered too late or "
                        "twice, so it is skipped", interaction.id, error.code, error.text)
        except discord.InteractionResponded:
            log.warning("interaction %s was already answered; skipped", interaction.id)
        except discord.HTTPException as error:
            log.warning("Discord refused Hearth's answer to interaction %s: %s %s %s", interaction.id, error.status,
                        error.code, error.text)

    async def _caller(self, interaction: discord.Interaction, raw: Mapping[str, Any]) -> Caller:
        guild_id = int(raw["guild_id"]) if raw.get("guild_id") else interaction.guild_id
        member = raw.get("member")
        if not raw and isinstance(interaction.user, discord.Member):  # not seen by the guard: use discord.py's view
            user = interaction.user
            member = {"permissions": str(interaction.permissions.value), "roles": [r.id for r in user.roles],
                      "nick": user.nick, "user": {"id": str(user.id), "username": user.name,
                                                  "global_name": user.global_name, "bot": user.bot}}
        user = (member or {}).get("user") or raw.get("user")
        actor = user_from_payload(user, member) if user else unknown_user(interaction.user.id)
        guild = interaction.guild
        role = actor_role(member, moderator_permission=self._moderators.permission,
                          moderator_role_ids=self._moderators.role_ids,
                          owner_id=guild.owner_id if guild is not None else None)
        place = self._places.from_payload(raw.get("channel") or {}, guild_id)
        if place is None:
            channel_id = raw.get("channel_id") or interaction.channel_id or 0
            place = await self._places.place(int(channel_id), guild_id)
        return Caller(actor, role, place, guild_id)

    async def _command(self, interaction: discord.Interaction, raw: Mapping[str, Any]) -> None:
        caller = await self._caller(interaction, raw)
        called = read_call(raw.get("data") or interaction.data or {})
        command = self._dispatcher.registry.get(called.path)
        if command is None:
            log.info("/%s is not a Hearth command any more (run `hearth discord sync`)", called.path)
        invocation = Invocation(platform=self._platform, actor=caller.actor, place=caller.place, role=caller.role,
                                path=called.path, options=option_values(called, caller.guild_id, self._places))
        private_hint = command is None or command.permission > Permission.MEMBER
        await self._answer(interaction, self._dispatcher.dispatch(invocation), caller, component=False,
                           private_hint=private_hint)

    async def _autocomplete(self, interaction: discord.Interaction, raw: Mapping[str, Any]) -> None:
        called = read_call(raw.get("data") or interaction.data or {})
        choices = suggest(self._dispatcher.registry.get(called.path), called)
        await interaction.response.autocomplete([app_commands.Choice(name=c, value=c) for c in choices])

    async def _component(self, interaction: discord.Interaction, raw: Mapping[str, Any]) -> None:
        caller = await self._caller(interaction, raw)
        data = raw.get("data") or interaction.data or {}
        action = str(data.get("custom_id", ""))
        message = raw.get("message") or {}
        ref = MessageRef(place=caller.place, message_id=str(message["id"])) if "id" in message else None

        async def work() -> Outcome:
            await self._bus.publish(ChoiceClicked(action, caller.actor, ref, self._clock.now()))
            return await self._dispatcher.dispatch_action(self._platform, caller.actor, caller.place, caller.role,
                                                          action, ref)

        await self._answer(interaction, work(), caller, component=True, private_hint=False)

    async def _answer(self, interaction: discord.Interaction, work: Awaitable[Outcome], caller: Caller, *,
                      component: bool, private_hint: bool) -> None:
        notices = begin_notices()
        task = asyncio.ensure_future(work)  # runs in a copy of this context: platform 403s land in `notices`
        done, _ = await asyncio.wait({task}, timeout=self._defer_after)
        deferred = not done
        if deferred:
            try:
                if component:
                    await interaction.response.defer()
                else:
                    await interaction.response.defer(ephemeral=private_hint, thinking=True)
            except BaseException:
                task.add_done_callback(_finished_unanswered)  # the command still completes; only the answer is lost
                raise
        replies = list((await task).replies)
        if not replies and not component:
            replies = [NOTHING_TO_SAY]
        if not replies and not deferred:
            await interaction.response.defer()  # a button with nothing to say: acknowledge silently
        for index, reply in enumerate(replies):
            await self._deliver(interaction, reply, first=index == 0, deferred=deferred, component=component,
                                private_hint=private_hint)
        if notices and caller.role >= Permission.MODERATOR:
            warning = Reply(title="Discord refused an action", text="\n".join(notices), tone="warning", private=True)
            await interaction.followup.send(**render(warning).message_kwargs(), ephemeral=True)

    async def _deliver(self, interaction: discord.Interaction, reply: Reply, *, first: bool, deferred: bool,
                       component: bool, private_hint: bool) -> None:
        def send(kwargs: dict[str, Any]) -> Awaitable[None]:
            return self._send(interaction, reply, kwargs, first=first, deferred=deferred, component=component,
                              private_hint=private_hint)

        try:
            await patiently(lambda: send(render(reply).message_kwargs()), attempts=2)
        except discord.HTTPException as error:
            if error.status != 400:
                raise
            # Discord refused the embed (a bad image URL, a limit we didn't know): say it as plain text.
            log.warning("Discord refused a rich reply (%s %s); sending it as plain text", error.code, error.text)
            await patiently(lambda: send(plain_kwargs(reply)), attempts=2)

    async def _send(self, interaction: discord.Interaction, reply: Reply, kwargs: dict[str, Any], *, first: bool,
                    deferred: bool, component: bool, private_hint: bool) -> None:
        if first and not deferred:
            await interaction.response.send_message(**kwargs, ephemeral=reply.private)
        elif first and not component and interaction.response.is_done() and reply.private == private_hint:
            # The "thinking…" message becomes the reply (edits take attachments, not files).
            edit = {**kwargs, "attachments": kwargs.get("files", [])}
            edit.pop("files", None)
            await interaction.edit_original_response(**edit)
        elif first and not component:
            # Privacy can't change after deferring: replace the placeholder with a new message.
            with contextlib.suppress(discord.NotFound):
                await interaction.delete_original_response()
            await interaction.followup.send(**kwargs, ephemeral=reply.private)
        else:
            await interaction.followup.send(**kwargs, ephemeral=reply.private)


def _finished_unanswered(task: asyncio.Future[Outcome]) -> None:
    if not task.cancelled() and task.exception() is None:
        log.info("a command finished after its interaction expired (status %s)", task.result().status)
