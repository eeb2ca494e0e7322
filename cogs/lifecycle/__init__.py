"""Lifecycle stages New → Activated → Power User → Advocate, each with its DMs and asks, told to the CRM.

``setup`` wires the pieces; the stage rules live in ``stages.py``, the data in ``store.py``, the batches
and changes in ``service.py``, DM sequences in ``sequences.py``/``direct.py``, the signed CRM outbox in
``outbox.py`` (its CLI in ``cli.py``), the measures in ``metrics.py`` and the commands in ``cog.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.lifecycle.cog import LifecycleCog
from cogs.lifecycle.direct import DirectMessages
from cogs.lifecycle.outbox import Outbox
from cogs.lifecycle.service import LifecycleService

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.lifecycle
    timezone = ZoneInfo(services.config.community.timezone)
    outbox = Outbox(services.database, services.clock, config.crm, services.crm_webhook_secret)
    dms = DirectMessages(services.database, services.members, services.platforms)
    service = LifecycleService(config, community=services.config.community.name, timezone=timezone,
                               database=services.database, bus=services.bus, clock=services.clock, outbox=outbox,
                               dms=dms)
    cog = LifecycleCog(service, services.members, services.scheduler, timezone)
    services.profile_sections.add(cog.profile_section)
    return cog
