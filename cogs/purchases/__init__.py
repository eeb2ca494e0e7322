"""Store webhooks and purchase sync: verified, idempotent, private, linked to members, driving roles.

``setup`` wires the pieces; the rules live beside it (signatures, normalise/stores/checkouts, inbox,
merge, effects, claims, roles, routes) and the CLI commands in ``cogs.purchases.cli``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.kit.cog import Cog
from cogs.purchases.claims import ClaimCodes, ClaimService, RateLimit
from cogs.purchases.cog import PurchasesCog
from cogs.purchases.effects import Effects
from cogs.purchases.inbox import InboxWriter
from cogs.purchases.processor import InboxProcessor
from cogs.purchases.roles import RoleKeeper
from cogs.purchases.routes import WebhookRoutes
from cogs.purchases.worker import PurchaseWorker

if TYPE_CHECKING:
    from cogs.services import Services


def setup(services: Services) -> Cog:
    config = services.config.purchases
    database, clock = services.database, services.clock
    pending_age = timedelta(hours=config.pending_claim_hours)
    codes = ClaimCodes(services.instance_secret)
    claims = ClaimService(database, clock, services.instance_secret, codes)
    roles = RoleKeeper(database, services.members, services.platforms, config, clock)
    effects = Effects(database, services.bus, clock, services.points, roles, config, services.config.points)
    processor = InboxProcessor(database, clock, codes, pending_claim_age=pending_age)
    worker = PurchaseWorker(processor, effects, roles, claims, config.poll_seconds, pending_age)
    writer = InboxWriter(database, on_written=worker.wake)
    routes = WebhookRoutes(writer, clock, services.instance_secret, services.webhook_secrets,
                           config.tolerance_seconds)
    routes.add_to(services.web)
    cog = PurchasesCog(database, config, claims, worker, writer, RateLimit(clock, config.claim_failures_per_hour),
                       RateLimit(clock, config.verify_attempts_per_hour))
    cog.routes = routes
    services.profile_sections.add(cog.profile_section)
    return cog
