"""The Discord adapter: one discord.py client in Hearth's event loop, wired to the kit.

Lifecycle: ``start()`` logs in (REST), starts ``client.connect()`` as a task and returns once every
server in READY has arrived; ``stop()`` closes the client. Slash commands are never synced here —
``hearth discord sync`` does that explicitly.

Intents are the minimum the features need: ``guilds`` (servers, channels, threads), ``guild_messages``
and ``guild_reactions`` (contributions), ``guild_polls`` (native poll votes), and two privileged ones
that must be switched on in the Developer Portal: ``message_content`` (what a message says: UGC, Q&A,
contribution rules) and ``members`` (join/leave events for onboarding and lifecycle stages).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import discord

from bot.adapters.base import AdapterDeps
from bot.adapters.discord.convert import PlaceResolver
from bot.adapters.discord.endpoints import Endpoints
from bot.adapters.discord.events import EventPublisher
from bot.adapters.discord.gateway import GatewayGuard
from bot.adapters.discord.interactions import InteractionHandler, ModeratorRule
from bot.adapters.discord.platform import DiscordPlatform
from bot.adapters.poll_keys import PollKeys

log = logging.getLogger("hearth.discord")
TOKEN_HINT = "copy the bot token again from the Developer Portal (your application → Bot → Reset Token)"
PORTAL_HINT = ("switch on the Server Members and Message Content intents in the Discord Developer Portal "
               "(your application → Bot → Privileged Gateway Intents)")


def intents() -> discord.Intents:
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.guild_reactions = True
    chosen.guild_polls = True
    chosen.message_content = True  # privileged
    chosen.members = True  # privileged
    return chosen


class DiscordStartError(RuntimeError):
    """Hearth could not connect to Discord; the message says what to fix."""


class HearthClient(discord.Client):
    """A plain discord.py client whose gateway events go to the adapter (no CommandTree, no cogs)."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        # Hearth never joins voice channels: discord.py's warnings about missing voice libraries are noise.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        super().__init__(**options)
        self.adapter = adapter

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord wants a pause before a repeated IDENTIFY (discord.py waits 5 s); tests shorten it.
        if not initial:
            await asyncio.sleep(self.adapter.identify_delay)

    async def on_message(self, message: discord.Message) -> None:
        self.adapter.events.message(message)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter.events.reaction(payload)

    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        self.adapter.events.reaction(payload)

    async def on_member_join(self, member: discord.Member) -> None:
        self.adapter.events.member_joined(member)

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        self.adapter.events.member_left(payload)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self.adapter.events.thread_created(thread)

    async def on_guild_remove(self, guild: discord.Guild) -> None:
        self.adapter.events.guild_removed(guild)

    async def on_raw_poll_vote_add(self, payload: discord.RawPollVoteActionEvent) -> None:
        self.adapter.events.poll_vote(payload, added=True)

    async def on_raw_poll_vote_remove(self, payload: discord.RawPollVoteActionEvent) -> None:
        self.adapter.events.poll_vote(payload, added=False)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        await self.adapter.interactions.handle(interaction)

    async def on_error(self, event_method: str, /, *args: Any, **kwargs: Any) -> None:
        log.exception("unexpected error in Discord listener %s", event_method)


class HearthShardedClient(HearthClient, discord.AutoShardedClient):
    """The same client over several gateway connections (``discord.shard_count`` / ``shard_ids``).

    Discord sends each server's events to one shard only, (server id >> 22) % shard_count; REST calls (posts,
    roles, DMs) work from any shard. discord.py identifies the shards one after another (5 s apart).
    """


class DiscordAdapter:
    """Serves the community on Discord.

    The keyword options exist for tests: ``environ`` (endpoint overrides), ``reconnect=False`` (fail
    loudly), shorter ``guild_ready_timeout``/``identify_delay`` and ``defer_after`` (force deferring).
    """

    def __init__(self, deps: AdapterDeps, *, environ: Mapping[str, str] | None = None, reconnect: bool = True,
                 guild_ready_timeout: float = 2.0, connect_timeout: float = 60.0, defer_after: float = 2.0,
                 identify_delay: float = 5.0) -> None:
        token = deps.secrets.discord_token
        if not token:
            raise DiscordStartError("HEARTH_DISCORD_TOKEN is not set")
        self.deps = deps
        self._token = token
        self._settings = deps.config.discord
        self._endpoints = Endpoints.from_env(os.environ if environ is None else environ)
        self._reconnect = reconnect
        self._guild_ready_timeout = guild_ready_timeout
        self._connect_timeout = connect_timeout
        self._defer_after = defer_after
        self.identify_delay = identify_delay
        polls = PollKeys(Path(deps.config.data_dir) / "discord-polls.json")
        self.platform = DiscordPlatform(self._settings.guild_ids, polls=polls,
                                        role_changes_per_second=self._settings.role_changes_per_second)
        self.client: HearthClient | None = None
        self._task: asyncio.Task[None] | None = None
        self._restore: Callable[[], None] | None = None
        self._stopping = False

    def shards(self) -> list[int] | None:
        """The shard ids this process runs, or None when it doesn't shard."""
        count = self._settings.shard_count
        if count is None:
            return None
        return list(self._settings.shard_ids) if self._settings.shard_ids is not None else list(range(count))

    def _build(self) -> HearthClient:
        options: dict[str, Any] = dict(
            intents=intents(), guild_ready_timeout=self._guild_ready_timeout, chunk_guilds_at_startup=False,
            member_cache_flags=discord.MemberCacheFlags.none(), max_messages=None,
            allowed_mentions=discord.AllowedMentions.none())
        shards = self.shards()
        if shards is None:
            client = HearthClient(self, **options)
        else:
            # With shard_count given, discord.py connects straight to the gateway (no GET /gateway/bot) and
            # sends shard [id, count] in each IDENTIFY.
            client = HearthShardedClient(self, shard_count=self._settings.shard_count, shard_ids=shards, **options)
        self.guard = GatewayGuard(client, shards=len(shards) if shards else 1)
        self.guard.install()
        self.places = PlaceResolver(client, self.guard.channel_type)
        self.events = EventPublisher(client, self.deps.bus, self.deps.clock, self.places, self.platform.polls)
        self.interactions = InteractionHandler(
            dispatcher=self.deps.dispatcher, platform=self.platform, places=self.places, guard=self.guard,
            bus=self.deps.bus, clock=self.deps.clock,
            moderators=ModeratorRule(self._settings.moderator_permission, tuple(self._settings.moderator_role_ids)),
            defer_after=self._defer_after)
        return client

    async def start(self) -> None:
        self._stopping = False
        self._restore = self._endpoints.apply()
        self.client = client = self._build()
        self.events.start()
        try:
            await client.login(self._token)
        except discord.LoginFailure:
            await self._abort()
            raise DiscordStartError(f"Discord rejected HEARTH_DISCORD_TOKEN: {TOKEN_HINT}") from None
        except (discord.HTTPException, OSError) as error:
            await self._abort()
            raise DiscordStartError(f"couldn't reach Discord's API: {error}") from error
        self._task = asyncio.create_task(client.connect(reconnect=self._reconnect), name="discord-gateway")
        # Ready when every server in READY has arrived, or when discord.py gives up waiting for them.
        ready = {asyncio.create_task(self.guard.ready.wait()), asyncio.create_task(client.wait_until_ready())}
        done, _ = await asyncio.wait({*ready, self._task}, timeout=self._connect_timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        for waiter in ready:
            waiter.cancel()
        if self._task in done or not done:
            ended = self._task.done() and not self._task.cancelled()
            problem = self._task.exception() if ended else None
            await self._abort()
            code = problem.code if isinstance(problem, discord.ConnectionClosed) else None
            if isinstance(problem, discord.PrivilegedIntentsRequired) or code == 4014:
                raise DiscordStartError(f"Discord refused the privileged intents: {PORTAL_HINT}") from None
            if code == 4004:
                raise DiscordStartError(f"Discord rejected HEARTH_DISCORD_TOKEN on the gateway: {TOKEN_HINT}") from None
            reason = repr(problem) if problem else ("the gateway closed the connection" if ended else
                                                    f"no READY within {self._connect_timeout:.0f}s")
            raise DiscordStartError(f"couldn't connect to Discord's gateway: {reason}") from problem
        self._task.add_done_callback(self._connection_ended)
        self.platform.attach(client)
        self.platform.roles.start()
        user = client.user
        shards = self.shards()
        sharding = f", shards {', '.join(map(str, shards))} of {self._settings.shard_count}" if shards else ""
        log.info("connected to Discord as %s (%s), %d server(s)%s", user, user.id if user else "?", len(client.guilds),
                 sharding)
        missing = set(self._settings.guild_ids) - {guild.id for guild in client.guilds}
        if shards:  # a server on another process's shard is expected to be missing here
            missing = {g for g in missing if (g >> 22) % (self._settings.shard_count or 1) in shards}
        if missing:
            log.warning("Hearth is not in configured server(s) %s: invite it with `hearth discord invite`",
                        ", ".join(map(str, sorted(missing))))

    def _connection_ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping or task.cancelled():
            return
        problem = task.exception()
        if problem is not None:
            log.error("the Discord connection ended: %r — restart Hearth once the cause is fixed", problem)
        else:
            log.warning("the Discord connection closed")
        self.deps.metrics.platform_up.labels(self.platform.name).set(0)

    async def _abort(self) -> None:
        self._stopping = True
        if self._task is not None and not self._task.done():
            self._task.cancel()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None
        await self.events.stop()
        if self.client is not None:
            await self.client.close()
        self.platform.attach(None)
        self.client = None
        if self._restore is not None:
            self._restore()
            self._restore = None

    async def stop(self) -> None:
        """Close the gateway and HTTP session; safe to call twice."""
        if self.client is None:
            return
        self._stopping = True
        await self.interactions.drain(timeout=2.0)  # commands being answered get to finish (SIGTERM: < 5 s)
        await self.platform.roles.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.events.drained(), timeout=1.0)
        await self.client.close()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=5.0)
            except Exception as error:
                log.debug("gateway task ended with %r", error)
        await self._abort()
