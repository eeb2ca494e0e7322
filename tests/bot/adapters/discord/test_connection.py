"""Connecting, reconnecting and resuming: no kit event lost or doubled; clear errors when Discord refuses."""

from __future__ import annotations

from collections.abc import Callable

import discord.http
import pytest

from bot.adapters.discord import DiscordAdapter, DiscordStartError
from bot.adapters.discord.endpoints import EndpointError, Endpoints
from bot.app import Hearth
from bot.kit.events import MessagePosted
from tests.bot.adapters.discord.conftest import Recorder
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator


async def started(app: Hearth, make_adapter: Callable[..., DiscordAdapter]) -> DiscordAdapter:
    adapter = make_adapter(reconnect=True)
    await app.start(web=False, adapters=[adapter])
    return adapter


async def test_resume_after_a_drop_loses_nothing_and_doubles_nothing(
        app: Hearth, make_adapter: Callable[..., DiscordAdapter], emulator: DiscordEmulator,
        recorder: Recorder) -> None:
    await started(app, make_adapter)
    before = p.message_create("before the drop")
    await emulator.dispatch("MESSAGE_CREATE", before)
    await recorder.wait(MessagePosted)
    emulator.gateway.replay_overlap = 2  # the RESUME also replays events the client already had
    await emulator.gateway.drop(code=4000)
    missed = p.message_create("sent while Hearth was away")
    await emulator.dispatch("MESSAGE_CREATE", missed)  # kept in the session, replayed on RESUME
    await emulator.gateway.wait_connections(2)
    after = p.message_create("after the resume")
    await emulator.dispatch("MESSAGE_CREATE", after)
    await recorder.wait(MessagePosted, 3)
    assert len(emulator.gateway.identifies) == 1 and len(emulator.gateway.resumes) == 1
    assert [m.message.message_id for m in recorder.of(MessagePosted)] == [before["id"], missed["id"], after["id"]]


async def test_reconnect_request_and_a_new_session_still_dedupe_by_message_id(
        app: Hearth, make_adapter: Callable[..., DiscordAdapter], emulator: DiscordEmulator,
        recorder: Recorder) -> None:
    await started(app, make_adapter)
    first = p.message_create("first")
    await emulator.dispatch("MESSAGE_CREATE", first)
    await recorder.wait(MessagePosted)
    await emulator.gateway.request_reconnect()  # op 7: resume at once
    await emulator.gateway.wait_connections(2)
    await emulator.gateway.invalidate()  # op 9: the session is gone, IDENTIFY again
    await emulator.gateway.wait_connections(3)
    await emulator.dispatch("MESSAGE_CREATE", first)  # the new session delivers the same message again
    second = p.message_create("second")
    await emulator.dispatch("MESSAGE_CREATE", second)
    await recorder.wait(MessagePosted, 2)
    assert len(emulator.gateway.identifies) == 2
    assert [m.text for m in recorder.of(MessagePosted)] == ["first", "second"]
    callback = await emulator.interact(p.slash("help"))  # commands work on the new session
    assert callback.status == 200


async def test_privileged_intents_switched_off_is_explained(app: Hearth, emulator: DiscordEmulator,
                                                            make_adapter: Callable[..., DiscordAdapter]) -> None:
    emulator.gateway.refuse_identify = 4014
    adapter = make_adapter()
    with pytest.raises(DiscordStartError, match="Message Content intents in the Discord Developer Portal"):
        await adapter.start()
    assert discord.http.Route.BASE == "https://discord.com/api/v10"  # the override was undone


async def test_a_rejected_token_is_explained(app: Hearth, emulator: DiscordEmulator,
                                             make_adapter: Callable[..., DiscordAdapter]) -> None:
    emulator.fail("GET", "/users/@me", 401, {"message": "401: Unauthorized", "code": 0})
    with pytest.raises(DiscordStartError, match="rejected HEARTH_DISCORD_TOKEN"):
        await make_adapter().start()


async def test_stop_is_idempotent_and_restores_the_endpoints(app: Hearth, emulator: DiscordEmulator,
                                                             make_adapter: Callable[..., DiscordAdapter]) -> None:
    adapter = make_adapter()
    await adapter.start()
    assert emulator.api_base == discord.http.Route.BASE
    await adapter.stop()
    await adapter.stop()
    assert discord.http.Route.BASE == "https://discord.com/api/v10"
    assert emulator.gateway.current is not None and emulator.gateway.current.socket is None


def test_endpoint_overrides_are_checked() -> None:
    with pytest.raises(EndpointError, match="HEARTH_DISCORD_GATEWAY_URL must look like ws://"):
        Endpoints.from_env({"HEARTH_DISCORD_GATEWAY_URL": "http://127.0.0.1:1/gateway/"})
    assert not Endpoints.from_env({}).overridden
