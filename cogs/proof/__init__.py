"""The public proof page: milestone figures, this month's wins, member content, top contributors and shipped
ideas, branded from ``[proof]``, as a page, JSON and an embeddable widget for the store (``web.py``), cached
(``service.py``). Names appear only for members who chose ``/privacy proof on``."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.kit.cog import Cog
from cogs.proof.cog import ProofCog
from cogs.proof.service import ProofService
from cogs.proof.web import ProofRoutes, renderer

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.proof
    service = ProofService(services.database, config, services.clock, ZoneInfo(services.config.community.timezone),
                           renderer(config, services.config.community.name))
    ProofRoutes(service, config).add_to(services.web)
    return ProofCog(service)
