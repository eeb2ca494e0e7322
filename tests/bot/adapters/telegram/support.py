"""Shared pieces of the Telegram adapter tests: payload fixtures, users and chats, the test rig."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client import CollectorRegistry

from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.kit.events import Event
from tests.emulators.telegram import TelegramEmulator, make_user, supergroup

FIXTURES = Path(__file__).parent / "fixtures"
E = TypeVar("E", bound=Event)

ALICE = make_user(1111111, "Test Firstname", "Testusername")
BOB = make_user(2222222, "Bob", "bob_b")
ADMIN = make_user(3333333, "Ada", "ada_admin")
GROUP = supergroup(-1001234567890, "Store Community")
FORUM = supergroup(-1009876543210, "Store Forum", forum=True)


def fixture(name: str) -> dict[str, Any]:
    """A Telegram payload as captured or reconstructed (copied verbatim from ../shared/fixtures/telegram)."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class FakeTime:
    """The send queue's clock: waits are recorded and pass at once, so tests never sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def sample_value(registry: CollectorRegistry, name: str, labels: dict[str, str]) -> float:
    return registry.get_sample_value(name, labels) or 0.0


@dataclass
class Rig:
    """Hearth + TelegramAdapter + emulator, with everything the bus carried."""

    hearth: Hearth
    adapter: TelegramAdapter
    emulator: TelegramEmulator
    time: FakeTime
    events: list[Event] = field(default_factory=list)

    def inject(self, update: dict[str, Any]) -> int:
        return self.emulator.inject(update)

    async def handled(self, count: int) -> None:
        """Wait until the adapter finished ``count`` updates (whatever it did with them)."""
        await self.emulator.wait_for(lambda: self.adapter.updates_done >= count)

    def of(self, kind: type[E]) -> list[E]:
        return [event for event in self.events if isinstance(event, kind)]

    async def event(self, kind: type[E]) -> E:
        return (await self.emulator.wait_for(lambda: self.of(kind)))[0]

    def ignored(self, reason: str) -> float:
        return sample_value(self.hearth.metrics.registry, "hearth_telegram_updates_ignored_total",
                            {"reason": reason})

    def command(self, chat: dict[str, Any], sender: dict[str, Any], text: str, **extra: Any) -> int:
        return self.inject(self.emulator.message_update(chat, sender, text, **extra))


RigFactory = Callable[..., Awaitable[Rig]]
