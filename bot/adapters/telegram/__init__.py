"""Telegram, through python-telegram-bot: ``TelegramAdapter(deps)`` is all the runtime needs."""

from bot.adapters.telegram.adapter import ALLOWED_UPDATES, TelegramAdapter
from bot.adapters.telegram.platform import TelegramPlatform

__all__ = ["ALLOWED_UPDATES", "TelegramAdapter", "TelegramPlatform"]
