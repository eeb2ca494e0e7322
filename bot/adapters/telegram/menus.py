"""The command menus Telegram shows after "/": one for members, one for chat administrators.

Telegram command names are single lowercase words, so only the first word of each kit command is
registered (``/mod`` stands for ``/mod points grant`` and the rest); the description of a group
lists what's under it. Members never see a word whose every command is for moderators.
"""

from __future__ import annotations

from collections import defaultdict

from telegram import BotCommand

from bot.kit.commands import Command, Permission

DESCRIPTION_LIMIT = 256
MENU_LIMIT = 100


def _describe(word: str, commands: list[Command]) -> str:
    if len(commands) == 1 and commands[0].path == word:
        text = commands[0].help
    else:
        subcommands = ", ".join(" ".join(c.words[1:]) for c in commands)
        text = f"{word.capitalize()}: {subcommands}"
    return text if len(text) <= DESCRIPTION_LIMIT else text[:DESCRIPTION_LIMIT - 1] + "…"


def menu(commands: list[Command], role: Permission) -> list[BotCommand]:
    """Top-level words of the commands ``role`` may run, each with a description Telegram accepts."""
    by_word: dict[str, list[Command]] = defaultdict(list)
    for command in sorted(commands, key=lambda c: c.path):
        if command.permission <= role:
            by_word[command.words[0]].append(command)
    return [BotCommand(word, _describe(word, listed)) for word, listed in sorted(by_word.items())][:MENU_LIMIT]


def knows_word(commands: list[Command], word: str) -> bool:
    return any(command.words[0] == word for command in commands)
