"""Discord: the kit rendered with discord.py (slash commands, embeds, buttons, gateway events).

See docs/discord.md for the bot token, the Developer Portal intents, the invite and `hearth discord sync`.
"""

from bot.adapters.discord.adapter import DiscordAdapter, DiscordStartError
from bot.adapters.discord.platform import DiscordPlatform

__all__ = ["DiscordAdapter", "DiscordPlatform", "DiscordStartError"]
