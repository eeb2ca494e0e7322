"""Features, one module or package each, platform-neutral. ``AVAILABLE`` is the explicit list.

A cog is enabled by naming it in ``[cogs] enabled`` in the config; each module exposes
``setup(services) -> Cog``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.kit.cog import Cog
    from cogs.services import Services

AVAILABLE: dict[str, str] = {
    "help": "cogs.help",
    "profile": "cogs.profile",
    "link": "cogs.link",
    "points": "cogs.points",
    "privacy": "cogs.privacy",
    "purchases": "cogs.purchases",
    "onboarding": "cogs.onboarding",
    "lifecycle": "cogs.lifecycle",
    "rituals": "cogs.rituals",
    "tiers": "cogs.tiers",
    "badges": "cogs.badges",
    "polls": "cogs.polls",
    "ideas": "cogs.ideas",
    "qa": "cogs.qa",
    "ugc": "cogs.ugc",
    "referrals": "cogs.referrals",
    "launches": "cogs.launches",
    "metrics": "cogs.metrics",
    "proof": "cogs.proof",
}


def load_cogs(names: list[str], services: Services) -> list[Cog]:
    cogs = []
    for name in names:
        module = importlib.import_module(AVAILABLE[name])
        cogs.append(module.setup(services))
    return cogs
