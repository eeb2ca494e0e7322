"""Asked & answered: /ask opens a thread, members answer, the asker accepts (points to the answerer once),
unanswered questions are surfaced to moderators, and solved cases become a searchable FAQ. Rules in
``service.py``; measures for reports in ``measures.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.qa.cog import QaCog
from cogs.qa.faq import FaqStore
from cogs.qa.service import QaService
from cogs.qa.store import QaStore

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    service = QaService(QaStore(services.database), services.config.qa, services.platforms, services.clock,
                        services.points)
    return QaCog(service, FaqStore(services.database), services.members, services.scheduler)
