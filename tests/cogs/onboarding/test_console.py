"""Onboarding in the console chat: a join welcomed by (printed) DM, and /start, /checklist, /dm typed by hand."""

from __future__ import annotations

import io
from collections.abc import Callable

from bot.adapters.console import ConsoleAdapter, console_user
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.events import MemberJoined
from bot.secrets import Secrets
from tests.cogs.onboarding.conftest import COGS


async def test_console_join_start_checklist_and_dm(make_config: Callable[..., HearthConfig], secrets: Secrets,
                                                   clock: ManualClock) -> None:
    hearth = Hearth(make_config(COGS), secrets, clock=clock)
    output = io.StringIO()
    console = ConsoleAdapter(hearth.dispatcher, hearth.bus, clock, member="you", channel="general",
                             input_stream=io.StringIO(), output=output)
    await hearth.start(web=False, adapters=[console])
    try:
        await hearth.bus.publish(MemberJoined(console_user("nelly"), console.place, clock.now()))
        joined = output.getvalue()
        assert "Welcome to Our Community, nelly!" in joined and "Welcome to the inner circle" in joined
        for line in ("/as ann", "/start", "/start", "hello, I'm Ann and I love espresso", "/checklist", "/dm off"):
            await console.handle_line(line)
        out = output.getvalue()[len(joined):]
        first, second = out.split("Your first steps", 1)[0], out.split("Welcome to Our Community, ann!", 1)[1]
        assert "Welcome to Our Community, ann!" in first  # the first /start is the welcome
        assert "0 of 4 done" in second  # the second shows progress
        assert "1 of 4 done" in out and "✅ Introduce yourself in the intro channel" in out
        assert "no more tips or welcome messages by DM" in out
    finally:
        await hearth.stop()
