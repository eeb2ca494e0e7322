"""Every moderator command and button, sent by a plain member through each real adapter, is refused:
a friendly one-line answer, the handler never called, and no table gains or loses a row.

The commands come from the registry of an app with every cog enabled. Each platform test also sends the
same invocations as a moderator and checks they reach the handler (answered by a spy that changes
nothing), so the refusal is the permission check — not a malformed invocation that never got there.
"""

from __future__ import annotations

import io
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.adapters.discord import DiscordAdapter
from bot.adapters.discord.commands import plan_sync
from bot.adapters.discord.permissions import permission_bit
from bot.adapters.discord.sync import RestSession, sync_targets
from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.reply import Choice, Reply
from bot.secrets import Secrets
from tests.bot.adapters.discord.conftest import TOKEN as DISCORD_TOKEN
from tests.bot.adapters.telegram.support import ADMIN, ALICE, BOB, GROUP, FakeTime
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator, Recorded
from tests.emulators.telegram import TelegramEmulator
from tests.security.support import (
    ALL_COGS,
    SPIED,
    HandlerSpy,
    discord_options,
    is_refusal,
    row_counts,
    text_arguments,
)

EPHEMERAL = 64
INSTANCE = b"security-instance-secret"


Send = Callable[[str], Awaitable[str]]


def _everything(spy: HandlerSpy) -> list[str]:
    """What each phase sends: every privileged command path, and ``action <prefix>`` for each button."""
    return [command.path for command in spy.commands] + [f"action {action.prefix}" for action in spy.actions]


async def _member_phase(hearth: Hearth, spy: HandlerSpy, send: Send) -> None:
    before = await row_counts(hearth.database)
    answers = {what: await send(what) for what in _everything(spy)}
    await hearth.points.flush()  # an award queued by mistake would show in the counts
    assert spy.calls == [], f"a member reached moderator handlers: {spy.calls}"
    assert await row_counts(hearth.database) == before
    not_refused = {what: text for what, text in answers.items() if not is_refusal(text)}
    assert not not_refused, f"not refused with a friendly answer: {not_refused}"


async def _moderator_phase(spy: HandlerSpy, send: Send) -> None:
    spy.delegate = False
    for what in _everything(spy):
        answer = await send(what)
        assert SPIED in answer, f"{what}: a moderator's invocation didn't reach the handler: {answer!r}"
    assert len(spy.calls) == len(spy.commands) + len(spy.actions)


# --- console ------------------------------------------------------------------------------------------


async def test_console_member_without_mod_on_is_refused(make_config: Callable[..., HearthConfig],
                                                        clock: ManualClock) -> None:
    hearth = Hearth(make_config(ALL_COGS), Secrets(instance=INSTANCE), clock=clock)
    spy = HandlerSpy(hearth.registry)
    assert spy.commands, "an app with every cog has moderator commands"
    output = io.StringIO()
    console = ConsoleAdapter(hearth.dispatcher, hearth.bus, hearth.clock, member="alice", channel="general",
                             input_stream=io.StringIO(), output=output)
    await hearth.start(web=False, adapters=[console])
    try:
        async def send(what: str) -> str:
            start = output.tell()
            if what.startswith("action "):
                # The console presses buttons of the last message it showed: show one with this action.
                console.platform.show(Reply(text="buttons", choices=(_choice(what),)))
                start = output.tell()
                await console.handle_line("/press 1")
            else:
                command = hearth.registry.get(what)
                assert command is not None
                await console.handle_line(text_arguments(command, "@bob", "#general"))
            return output.getvalue()[start:]

        await _member_phase(hearth, spy, send)
        await console.handle_line("/mod on")
        await _moderator_phase(spy, send)
    finally:
        await hearth.stop()


def _choice(what: str) -> Choice:
    return Choice("Press", what.removeprefix("action ") + ":1")


# --- Discord --------------------------------------------------------------------------------------------


@pytest.fixture
async def discord_emulator() -> AsyncIterator[DiscordEmulator]:
    emulator = await DiscordEmulator().start()
    yield emulator
    await emulator.close()


@pytest.fixture
async def discord_app(make_config: Callable[..., HearthConfig], clock: ManualClock,
                      discord_emulator: DiscordEmulator) -> AsyncIterator[Hearth]:
    config = make_config(f"{ALL_COGS}[discord]\nguild_ids = [{p.GUILD_ID}]\n"
                         f"moderator_role_ids = [{p.MODERATOR_ROLE_ID}]\n")
    hearth = Hearth(config, Secrets(instance=INSTANCE, discord_token=DISCORD_TOKEN), clock=clock)
    yield hearth
    await hearth.stop()


def _discord_text(callback: Recorded) -> str:
    data = callback.json.get("data") or {}
    embeds = data.get("embeds") or [{}]
    text = str(embeds[0].get("description") or "") + str(embeds[0].get("title") or "") + str(data.get("content"))
    return text if int(data.get("flags") or 0) & EPHEMERAL else "(not private) " + text


async def test_discord_member_without_manage_server_is_refused(discord_app: Hearth,
                                                               discord_emulator: DiscordEmulator) -> None:
    spy = HandlerSpy(discord_app.registry)
    adapter = DiscordAdapter(discord_app.adapter_deps, environ=discord_emulator.environ, reconnect=False,
                             guild_ready_timeout=0.01, identify_delay=0.0)
    await discord_app.start(web=False, adapters=[adapter])
    member = p.member(p.NELLY, permissions=p.MEMBER_PERMISSIONS)
    moderator = p.member(p.NELLY, permissions=p.MODERATOR_PERMISSIONS)
    caller = {"as": member}
    message = {"id": p.snowflake(), "channel_id": p.COMMANDS_CHANNEL_ID, "content": "", "type": 0,
               "author": p.BOT_USER, "embeds": [], "attachments": [], "timestamp": "2026-01-05T09:00:00+00:00",
               "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
               "mention_roles": [], "pinned": False, "flags": 0, "components": []}

    async def send(what: str) -> str:
        if what.startswith("action "):
            payload = p.button(what.removeprefix("action ") + ":1", message, member_data=caller["as"])
        else:
            command = discord_app.registry.get(what)
            assert command is not None
            data = {"id": p.snowflake(), **discord_options(command, p.MASON_ID, p.CHANNEL_ID), "guild_id": p.GUILD_ID,
                    "resolved": p.resolved_user(p.MASON)}
            payload = p.interaction(2, data, member_data=caller["as"])
        return _discord_text(await discord_emulator.interact(payload))

    await _member_phase(discord_app, spy, send)
    caller["as"] = moderator
    await _moderator_phase(spy, send)


async def test_discord_hides_moderator_commands_from_members(discord_app: Hearth,
                                                             discord_emulator: DiscordEmulator) -> None:
    """What `hearth discord sync` registers: every top-level command holding a moderator command requires
    the moderator permission to be seen, so no moderator command sits beside a member one."""
    config = discord_app.config.discord
    targets = plan_sync(discord_app.registry.all(), config.guild_ids,
                        moderator_permission=config.moderator_permission)
    async with RestSession(DISCORD_TOKEN, discord_emulator.environ) as session:
        await sync_targets(session, targets)
    registered = {c["name"]: c for c in discord_emulator.routes.commands[str(p.GUILD_ID)]}
    needed = str(permission_bit(config.moderator_permission))
    privileged = [c for c in discord_app.registry.all() if c.permission > Permission.MEMBER]
    assert privileged
    for command in privileged:
        shown = registered[command.words[0]]
        wanted = needed if command.permission is Permission.MODERATOR else str(permission_bit("administrator"))
        assert shown.get("default_member_permissions") == wanted, f"/{command.path} is visible to members"
    members_only = [c["name"] for c in registered.values() if c.get("default_member_permissions") is None]
    assert "help" in members_only  # and the member commands stay visible


# --- Telegram ---------------------------------------------------------------------------------------------


@pytest.fixture
async def telegram_emulator() -> AsyncIterator[TelegramEmulator]:
    server = TelegramEmulator()
    await server.start()
    server.add_chat(GROUP)
    for user in (ALICE, BOB, ADMIN):
        server.users[user["id"]] = user
    server.set_status(GROUP["id"], ALICE, "member")
    server.set_status(GROUP["id"], BOB, "member")
    server.set_status(GROUP["id"], ADMIN, "administrator")
    yield server
    await server.stop()


async def test_telegram_non_admin_in_a_group_is_refused(make_config: Callable[..., HearthConfig], clock: ManualClock,
                                                        telegram_emulator: TelegramEmulator) -> None:
    emulator = telegram_emulator
    config = make_config(f'{ALL_COGS}[telegram]\nbase_url = "{emulator.base_url}"\n')
    hearth = Hearth(config, Secrets(instance=INSTANCE, telegram_token=emulator.token), clock=clock)
    spy = HandlerSpy(hearth.registry)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await hearth.start(web=False, adapters=[adapter])
    sender = {"as": ALICE}

    def answers() -> list[tuple[str, str]]:
        """Replies and button toasts, in the order they were sent."""
        return [(c.method, str(c.params.get("text"))) for c in emulator.calls
                if c.method in ("sendMessage", "answerCallbackQuery") and c.status == 200]

    try:
        async def send(what: str) -> str:
            sent_before = len(answers())
            if what.startswith("action "):
                message = {"message_id": 77, "date": 1700000000, "chat": GROUP, "from": emulator.bot_user,
                           "text": "buttons"}
                emulator.inject({"callback_query": {"id": f"cb{sent_before}", "from": sender["as"],
                                                    "message": message, "chat_instance": "-45",
                                                    "data": what.removeprefix("action ") + ":1"}})
            else:
                command = hearth.registry.get(what)
                assert command is not None
                text = text_arguments(command, f"<@{BOB['id']}>", f"#{GROUP['id']}")
                emulator.inject(emulator.message_update(GROUP, sender["as"], text))

            # A press is answered last by its toast; a command by its one reply.
            last = "answerCallbackQuery" if what.startswith("action ") else "sendMessage"
            new = await emulator.wait_for(lambda: [a for a in answers()[sent_before:] if a[0] == last]
                                          and answers()[sent_before:])
            return " ".join(text for _, text in new)

        await _member_phase(hearth, spy, send)
        sender["as"] = ADMIN
        await _moderator_phase(spy, send)
    finally:
        await hearth.stop()
