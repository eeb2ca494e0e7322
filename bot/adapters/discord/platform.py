"""The kit's ``Platform`` on Discord: what cogs may do, as REST calls through discord.py.

Every action works from ids alone (no cached guild needed). A refusal is logged, returned as ``None`` or
``RoleChange(applied=False, error=...)``, and reported to the moderator running the current command.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import discord

from bot.adapters.discord.convert import PLATFORM, channel_target, user_from_payload
from bot.adapters.discord.permissions import explain, report
from bot.adapters.discord.ratelimit import RetryLater, RoleJob, RoleQueue
from bot.adapters.discord.render import plain_kwargs, render
from bot.adapters.discord.rest import patiently, retry_after
from bot.adapters.poll_keys import PollKeys
from bot.kit.platform import Capabilities, MessageRef, Place, PlatformUser, Role, RoleChange
from bot.kit.reply import Poll, Reply

log = logging.getLogger("hearth.discord")

POLL_ANSWERS, POLL_ANSWER_LENGTH, POLL_QUESTION_LENGTH = 10, 55, 300
POLL_HOURS = (1, 768)
THREAD_NAME_LIMIT = 100
DM_CLOSED = 50007


class NotConnected(RuntimeError):
    """A platform action before ``DiscordAdapter.start`` or after ``stop``."""


class DiscordPlatform:
    """Implements ``bot.kit.platform.Platform``."""

    name = PLATFORM
    capabilities = Capabilities(threads=True, native_polls=True, buttons=True, roles=True, direct_messages=True)

    def __init__(self, guild_ids: Sequence[int], *, role_changes_per_second: float = 10.0,
                 polls: PollKeys | None = None) -> None:
        self._guild_ids = list(guild_ids)
        self._role_guilds: dict[int, int] = {}  # role id → server, for servers outside this process's shards
        self._client: discord.Client | None = None
        self.polls = polls or PollKeys(None)
        self.roles = RoleQueue(self._apply_role, per_second=role_changes_per_second)

    def attach(self, client: discord.Client | None) -> None:
        self._client = client

    @property
    def client(self) -> discord.Client:
        if self._client is None:
            raise NotConnected("the Discord adapter is not connected")
        return self._client

    def _refused(self, error: discord.HTTPException, action: str, where: str = "") -> None:
        message = explain(error, action, where=where)
        log.warning("%s (%s %s)", message, error.status, getattr(error, "code", ""))
        report(message)

    def _channel(self, place: Place) -> discord.PartialMessageable:
        guild_id = int(place.guild_id) if place.guild_id and place.guild_id.isdigit() else None
        return self.client.get_partial_messageable(channel_target(place), guild_id=guild_id)

    @staticmethod
    def _ref(place: Place, message: discord.Message) -> MessageRef:
        return MessageRef(place=place, message_id=str(message.id))

    async def _post(self, place: Place, reply: Reply, **extra: Any) -> MessageRef | None:
        action = "files" if reply.files else ("send_thread" if place.thread_id else "send")
        channel = self._channel(place)
        try:
            try:
                message = await patiently(lambda: channel.send(**render(reply).message_kwargs(), **extra))
            except discord.HTTPException as error:
                if error.status != 400:
                    raise
                # Discord refused the embed (a bad image URL, an unknown limit): post the text plainly.
                log.warning("Discord refused a rich message (%s %s); sending it as plain text", error.code, error.text)
                message = await patiently(lambda: channel.send(**plain_kwargs(reply), **extra))
        except discord.HTTPException as error:
            self._refused(error, action, f"in channel {channel_target(place)}")
            return None
        return self._ref(place, message)

    async def send(self, place: Place, reply: Reply) -> MessageRef | None:
        return await self._post(place, reply)

    async def reply(self, to: MessageRef, reply: Reply) -> MessageRef | None:
        reference = discord.MessageReference(message_id=int(to.message_id), channel_id=channel_target(to.place),
                                             fail_if_not_exists=False)
        return await self._post(to.place, reply, reference=reference)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        rendered = render(reply)
        kwargs = rendered.message_kwargs(clear=True)
        if "files" in kwargs:
            kwargs["attachments"] = kwargs.pop("files")
        partial = self._channel(message.place).get_partial_message(int(message.message_id))
        try:
            await patiently(lambda: partial.edit(**kwargs))
        except discord.HTTPException as error:
            self._refused(error, "edit", f"in channel {channel_target(message.place)}")

    async def delete(self, message: MessageRef) -> None:
        partial = self._channel(message.place).get_partial_message(int(message.message_id))
        try:
            await patiently(partial.delete)
        except discord.NotFound:
            log.info("message %s was already gone", message.message_id)
        except discord.HTTPException as error:
            self._refused(error, "delete", f"in channel {channel_target(message.place)}")

    async def create_thread(self, message: MessageRef, title: str) -> Place:
        """A public thread on the message. If Discord refuses, the message's own place (the cog still posts)."""
        name = (title.strip() or "Discussion")[:THREAD_NAME_LIMIT]
        channel_id = int(message.place.chat_id)
        try:
            thread = await patiently(lambda: self.client.http.start_thread_with_message(
                channel_id, int(message.message_id), name=name, auto_archive_duration=1440))
        except discord.HTTPException as error:
            self._refused(error, "thread", f"in channel {channel_id}")
            return message.place
        return Place(platform=PLATFORM, chat_id=str(thread.get("parent_id") or channel_id),
                     thread_id=str(thread["id"]), guild_id=message.place.guild_id)

    async def send_poll(self, place: Place, poll: Poll) -> MessageRef | None:
        """A native Discord poll (up to 10 answers of 55 characters; votes are never anonymous on Discord)."""
        if not 1 <= len(poll.options) <= POLL_ANSWERS:
            log.warning("poll %r has %d options; Discord polls take 1-%d", poll.question, len(poll.options),
                        POLL_ANSWERS)
            return None
        hours = min(max(poll.duration_hours or 24, POLL_HOURS[0]), POLL_HOURS[1])
        native = discord.Poll(question=poll.question[:POLL_QUESTION_LENGTH], duration=timedelta(hours=hours),
                              multiple=poll.multiple)
        for text in poll.options:
            native.add_answer(text=text if len(text) <= POLL_ANSWER_LENGTH else text[: POLL_ANSWER_LENGTH - 1] + "…")
        try:
            channel = self._channel(place)
            sent = await patiently(lambda: channel.send(poll=native, allowed_mentions=discord.AllowedMentions.none()))
        except discord.HTTPException as error:
            self._refused(error, "poll", f"in channel {channel_target(place)}")
            return None
        self.polls.add(str(sent.id), poll.poll_key)
        return self._ref(place, sent)

    async def send_direct(self, user_id: str, reply: Reply) -> MessageRef | None:
        try:
            dm = await patiently(lambda: self.client.create_dm(discord.Object(int(user_id))))
            message = await patiently(lambda: dm.send(**render(reply).message_kwargs()))
        except discord.HTTPException as error:
            # DMs closed, the bot blocked, or no shared server: the caller falls back (kit contract).
            level = logging.INFO if getattr(error, "code", 0) == DM_CLOSED else logging.WARNING
            log.log(level, "no DM to %s: %s", user_id, explain(error, "send"))
            return None
        return MessageRef(place=Place(platform=PLATFORM, chat_id=str(dm.id), is_private=True),
                          message_id=str(message.id))

    async def _guild_for(self, role: Role) -> int | None:
        """Kit roles carry no server: find the one that has the role (or the only configured one)."""
        role_id = int(role.role_id)
        for guild in self.client.guilds:
            if guild.get_role(role_id) is not None:
                return guild.id
        if len(self._guild_ids) == 1:
            return self._guild_ids[0]
        if role_id in self._role_guilds:
            return self._role_guilds[role_id]
        # Sharded over processes, a configured server may be on another process's shard: not in this cache, but
        # its roles can still be read (and changed) over REST from here.
        for guild_id in self._guild_ids:
            if any(guild.id == guild_id for guild in self.client.guilds):
                continue
            try:
                roles = await patiently(lambda guild_id=guild_id: self.client.http.get_roles(guild_id))
            except discord.HTTPException as error:
                self._refused(error, "role")
                continue
            if any(int(found["id"]) == role_id for found in roles):
                self._role_guilds[role_id] = guild_id
                return guild_id
        guilds = self.client.guilds
        return guilds[0].id if len(guilds) == 1 else None

    async def _change_role(self, user_id: str, role: Role, reason: str, grant: bool) -> RoleChange:
        if not role.role_id.isdigit() or not user_id.isdigit():
            return RoleChange(applied=False, error=f"{role.role_id!r} / {user_id!r} are not Discord ids.")
        guild_id = await self._guild_for(role)
        if guild_id is None:
            return RoleChange(applied=False, error=f"No server Hearth is in has the role {role.name or role.role_id}.")
        change = await self.roles.submit(RoleJob(guild_id, int(user_id), int(role.role_id), grant, reason))
        if change.error:
            report(change.error)
        return change

    async def _apply_role(self, job: RoleJob) -> RoleChange:
        http = self.client.http
        method = http.add_role if job.grant else http.remove_role
        try:
            await method(job.guild_id, job.user_id, job.role_id, reason=job.reason[:512] or None)
        except discord.RateLimited as error:
            raise RetryLater(error.retry_after) from None
        except discord.HTTPException as error:
            wait = await retry_after(error)
            if wait is not None:
                raise RetryLater(wait) from None  # the queue pauses every worker, then tries again
            message = explain(error, "role")
            log.warning("role %s for %s in server %s: %s", job.role_id, job.user_id, job.guild_id, message)
            return RoleChange(applied=False, error=message)
        return RoleChange(applied=True)

    async def grant_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        return await self._change_role(user_id, role, reason, True)

    async def revoke_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        return await self._change_role(user_id, role, reason, False)

    async def create_invite_link(self, place: Place, name: str) -> str | None:
        """None: Discord doesn't tell a bot which invite a member joined through, so a per-member invite couldn't
        be attributed; features show the server invite from their config instead."""
        return None

    async def fetch_user(self, user_id: str) -> PlatformUser | None:
        """The member as the server shows them (nickname), else the plain account; ``None`` if unknown."""
        if not user_id.isdigit():
            return None
        http = self.client.http
        guild_ids = self._guild_ids or [guild.id for guild in self.client.guilds]
        for guild_id in guild_ids:
            try:
                member = await patiently(lambda guild_id=guild_id: http.get_member(guild_id, int(user_id)))
            except discord.NotFound:
                continue
            except discord.HTTPException as error:
                self._refused(error, "member")
                continue
            return user_from_payload(member.get("user") or {"id": user_id}, member)
        try:
            return user_from_payload(await patiently(lambda: http.get_user(int(user_id))))
        except discord.NotFound:
            return None
        except discord.HTTPException as error:
            log.warning("couldn't look up user %s: %s", user_id, explain(error, "member"))
            return None
