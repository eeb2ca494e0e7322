"""Hypothesis: random text after every real command name, typed in Telegram by a member or an admin, in a
group or a DM, through the real adapter (python-telegram-bot) and the emulator. One app per test function.

Every update must be handled, every answer delivered (the emulator refuses what Telegram would: bad HTML,
over 4096 characters), no answer may show a traceback or the internal-error text, and nothing is logged at
ERROR."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from tests.bot.adapters.telegram.support import ADMIN, ALICE, BOB, GROUP, FakeTime
from tests.emulators.telegram import TelegramEmulator, private_chat
from tests.fuzz.support import FUZZ, argument_text, check_reply, command_words, error_trap, param_arguments
from tests.security.support import ALL_COGS

HANDLED_WITHIN = 10.0  # seconds: a guard against a hang, never a speed assertion
# Entities after the command's own: mentions (resolved or not), text mentions of real users, and spans that
# overlap the command or run past the end of the text.
entity = st.fixed_dictionaries(
    {"type": st.sampled_from(["mention", "text_mention", "bold", "url", "bot_command"]),
     "offset": st.integers(0, 120), "length": st.integers(0, 40)},
    optional={"user": st.sampled_from([ALICE, BOB, ADMIN])})


class TelegramRig:
    def __init__(self, hearth: Hearth, adapter: TelegramAdapter, emulator: TelegramEmulator) -> None:
        self.hearth, self.adapter, self.emulator = hearth, adapter, emulator

    async def send(self, chat: dict[str, Any], sender: dict[str, Any], text: str,
                   entities: list[dict[str, Any]]) -> list[tuple[str, int, str]]:
        """Deliver one message; once handled, every Bot API call it caused (method, status, text)."""
        first_call, done = len(self.emulator.calls), self.adapter.updates_done
        self.emulator.inject(self.emulator.message_update(chat, sender, text, entities=entities))
        async with asyncio.timeout(HANDLED_WITHIN):
            while self.adapter.updates_done <= done:  # noqa: ASYNC110 - the adapter counts, it has no event
                await asyncio.sleep(0.002)
        return [(c.method, c.status, str(c.params.get("text", ""))) for c in self.emulator.calls[first_call:]]


@pytest.fixture
async def telegram(make_config: Callable[..., HearthConfig], clock: ManualClock) -> AsyncIterator[TelegramRig]:
    emulator = TelegramEmulator()
    await emulator.start()
    emulator.add_chat(GROUP)
    for user, status in ((ALICE, "member"), (BOB, "member"), (ADMIN, "administrator")):
        emulator.set_status(GROUP["id"], user, status)
    hearth = Hearth(make_config(f'{ALL_COGS}[telegram]\nbase_url = "{emulator.base_url}"\n'),
                    Secrets(instance=b"fuzz-instance-secret", telegram_token=emulator.token), clock=clock)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await hearth.start(web=False, adapters=[adapter])
    try:
        yield TelegramRig(hearth, adapter, emulator)
    finally:
        await hearth.stop()
        await emulator.stop()


@FUZZ
@given(data=st.data())
async def test_random_arguments_after_real_commands(telegram: TelegramRig, data: st.DataObject) -> None:
    registry = telegram.hearth.registry
    path = data.draw(st.sampled_from(command_words(registry)), label="command")
    typed = data.draw(st.sampled_from([path, path.upper(), path.replace(" ", "  ")]), label="typed")
    command = registry.get(path)
    shaped = [param_arguments(command)] if command is not None and command.params else []
    arguments = data.draw(st.one_of(argument_text(registry), *shaped), label="arguments")
    sender = data.draw(st.sampled_from([ALICE, ADMIN]), label="sender")
    chat = data.draw(st.sampled_from([GROUP, private_chat(sender)]), label="chat")
    text = f"/{typed} {arguments}"[:4096]
    entities = data.draw(st.lists(entity, max_size=3), label="entities")
    with error_trap() as trap:
        calls = await telegram.send(chat, sender, text, entities)
        trap.check()
    answers = [(method, status, body) for method, status, body in calls if method in ("sendMessage", "sendPhoto")]
    assert answers, f"no answer to {text[:200]!r}: {[c[:2] for c in calls]}"
    for method, status, body in answers:
        assert status == 200, f"{method} refused ({status}) answering {text[:200]!r}: {body[:300]!r}"
        check_reply(body, text[:200])
