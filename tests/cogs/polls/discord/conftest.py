"""The Discord adapter tests' fixtures: the real app and discord.py client against the loopback Discord."""

from tests.bot.adapters.discord.conftest import (  # noqa: F401
    adapter,
    app,
    discord_config,
    emulator,
    make_adapter,
    recorder,
    test_commands,
)
