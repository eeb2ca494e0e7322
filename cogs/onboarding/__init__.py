"""Onboarding: the welcome (identity, this week's rituals, first steps), the activation checklist and the
welcome sequence, with ``/checklist`` and ``/dm on|off``.

``setup`` wires the pieces: the checklist rules in ``checklist.py``, the welcome and its fallback in
``welcome.py``, the day-0/2/5 sequence in ``sequence.py`` and the commands and listeners in ``cog.py``.
DMs go through the lifecycle feature's ``DirectMessages`` (one opt-out for every kind of message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.lifecycle.direct import DirectMessages
from cogs.onboarding.checklist import Checklist
from cogs.onboarding.cog import OnboardingCog
from cogs.onboarding.sequence import WelcomeSequence
from cogs.onboarding.welcome import Welcomer

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.onboarding
    community = services.config.community.name
    database = services.database
    checklist = Checklist(config, database, services.bus, services.points)
    welcomer = Welcomer(config, community, services.config.community.timezone, database, checklist,
                        services.platforms)
    dms = DirectMessages(database, services.members, services.platforms)
    sequence = WelcomeSequence(config, community, database, services.clock, checklist, dms)
    cog = OnboardingCog(welcomer, checklist, sequence, dms, services.members, services.clock, services.scheduler)
    services.start_handlers.add(cog.on_start)
    services.profile_sections.add(cog.profile_section)
    return cog
