"""A fresh loopback Discord and a real discord.py client (through the real Hearth app) per test."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.bus import EventBus
from bot.kit.clock import ManualClock
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.events import Event
from bot.kit.platform import Role
from bot.kit.registry import Action
from bot.kit.reply import Choice, Reply
from bot.secrets import Secrets
from tests.emulators import discord_payloads as payloads
from tests.emulators.discord import DiscordEmulator

# A token shaped like Discord's: the bot's id in base64, then two opaque parts.
TOKEN = base64.b64encode(payloads.BOT_ID.encode()).decode().rstrip("=") + ".GfAkE0.emulator-token-not-real"
E = TypeVar("E", bound=Event)


class Recorder:
    """Collects events published on the bus, and waits for them."""

    def __init__(self, bus: EventBus) -> None:
        self.events: list[Event] = []
        self._changed = asyncio.Condition()
        bus.subscribe(Event, self._on_event)

    async def _on_event(self, event: Event) -> None:
        async with self._changed:
            self.events.append(event)
            self._changed.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        return [e for e in self.events if isinstance(e, kind)]

    async def wait(self, kind: type[E], count: int = 1, timeout: float = 5.0) -> list[E]:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.of(kind)) >= count), timeout)
        return self.of(kind)


class CommandsForTests:
    """Commands only the adapter tests register: a slow one, a role grant, autocomplete, buttons."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.presses: list[str] = []

    def commands(self) -> list[Command]:
        sizes = tuple(f"size{n}" for n in range(30))
        return [
            Command("mod role give", "Give a member a role", self.give_role, permission=Permission.MODERATOR,
                    params=(Param("member", ParamKind.MEMBER, "Who"), Param("role", ParamKind.TEXT, "Role id"))),
            Command("slow", "Answers after the test says so", self.slow,
                    params=(Param("private", ParamKind.CHOICE, "Answer privately?", choices=("yes", "no")),)),
            Command("pick", "Pick a size (30 choices: autocomplete)", self.pick,
                    params=(Param("size", ParamKind.CHOICE, "The size", choices=sizes),
                            Param("count", ParamKind.INT, "How many", required=False, min_value=1, max_value=9))),
            Command("vote", "A message with buttons", self.vote),
            Command("post", "Post in a channel, then open a thread", self.post,
                    params=(Param("channel", ParamKind.CHANNEL, "Where"),
                            Param("file", ParamKind.ATTACHMENT, "A picture", required=False))),
        ]

    def action(self) -> Action:
        return Action("vote", self.on_press)

    async def give_role(self, ctx: Context) -> Reply:
        change = await ctx.platform.grant_role(ctx.args["member"].user_id, Role("discord", ctx.args["role"]), "test")
        return Reply.success("Role given.") if change.applied else Reply.error(change.error or "failed")

    async def slow(self, ctx: Context) -> Reply:
        await self.release.wait()
        return Reply(text="Finally.", private=ctx.args["private"] == "yes")

    async def pick(self, ctx: Context) -> Reply:
        return Reply(text=f"{ctx.args['size']} x{ctx.args.get('count', 1)}")

    async def vote(self, ctx: Context) -> Reply:
        return Reply(title="Vote", text="Pick one",
                     choices=(Choice("Yes", "vote:yes", style="success"), Choice("No", "vote:no", style="danger"),
                              Choice("Docs", "", style="link", url="https://example.com/docs")))

    async def on_press(self, ctx: Context, rest: str) -> Reply:
        self.presses.append(rest)
        return Reply(text=f"You voted {rest}", private=True)

    async def post(self, ctx: Context) -> Reply:
        place = ctx.args["channel"]
        sent = await ctx.platform.send(place, Reply(title="New post", text="Discuss below"))
        if sent is None:
            return Reply.error("Couldn't post.")
        thread = await ctx.platform.create_thread(sent, "Discussion")
        upload = ctx.args.get("file")
        attached = f", file {upload.filename} ({upload.content_type}, {upload.size} bytes)" if upload else ""
        return Reply(text=f"Posted {sent.message_id} in {place.chat_id}, thread {thread.thread_id}{attached}",
                     private=True)


@pytest.fixture
async def emulator() -> AsyncIterator[DiscordEmulator]:
    emulator = await DiscordEmulator().start()
    yield emulator
    await emulator.close()


@pytest.fixture
def discord_config(make_config: Callable[..., HearthConfig]) -> HearthConfig:
    return make_config(f"[discord]\nguild_ids = [{payloads.GUILD_ID}]\n"
                       f"moderator_role_ids = [{payloads.MODERATOR_ROLE_ID}]\n")


@pytest.fixture
def test_commands() -> CommandsForTests:
    return CommandsForTests()


@pytest.fixture
async def app(discord_config: HearthConfig, clock: ManualClock, test_commands: CommandsForTests,
              emulator: DiscordEmulator) -> AsyncIterator[Hearth]:
    """Depends on the emulator so that the client is closed before the emulator goes away."""
    hearth = Hearth(discord_config, Secrets(instance=b"test-instance-secret", discord_token=TOKEN), clock=clock)
    hearth.registry.add_all(test_commands.commands())
    hearth.registry.add_action(test_commands.action())
    yield hearth
    await hearth.stop()


@pytest.fixture
def make_adapter(app: Hearth, emulator: DiscordEmulator) -> Callable[..., DiscordAdapter]:
    def build(**options: Any) -> DiscordAdapter:
        settings: dict[str, Any] = {"reconnect": False, "guild_ready_timeout": 0.01, "identify_delay": 0.0,
                                    **options}
        return DiscordAdapter(app.adapter_deps, environ=emulator.environ, **settings)

    return build


@pytest.fixture
def recorder(app: Hearth) -> Recorder:
    return Recorder(app.bus)


@pytest.fixture
async def adapter(app: Hearth, make_adapter: Callable[..., DiscordAdapter]) -> DiscordAdapter:
    adapter = make_adapter()
    await app.start(web=False, adapters=[adapter])
    return adapter
