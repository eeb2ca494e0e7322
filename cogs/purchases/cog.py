"""``/claim`` (and ``/start claim_CODE``), the optional ``/verify``, the profile line, member merges."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update

from bot.kit.cog import Cog, Listener
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.context import Context
from bot.kit.events import IdentityLinked, MembersMerged
from bot.kit.registry import DeepLink
from bot.kit.reply import Field, Reply
from cogs.purchases.claims import ClaimResult, ClaimService, RateLimit
from cogs.purchases.config import PurchasesConfig
from cogs.purchases.inbox import InboxWriter
from cogs.purchases.records import COUNTING
from cogs.purchases.routes import WebhookRoutes
from cogs.purchases.worker import PurchaseWorker
from storage.database import Database
from storage.models import Purchase, PurchaseClaim, PurchaseCustomer, PurchaseRoleGrant

PENDING = ("I haven't received that order from the store yet. If you ordered in the last few minutes, "
           "your claim is saved and I'll link it as soon as the store confirms the order. "
           "Otherwise, check the code on your receipt.")
TAKEN = ("That order is already linked to another member. If that is your other account, "
         "run /link to join the two.")
NOT_VERIFIED = "I couldn't verify that order number and email together. Check both and try again."


class PurchasesCog(Cog):
    name = "purchases"

    def __init__(self, database: Database, config: PurchasesConfig, claims: ClaimService, worker: PurchaseWorker,
                 writer: InboxWriter, claim_limit: RateLimit, verify_limit: RateLimit) -> None:
        self.database = database
        self.config = config
        self.claims = claims
        self.worker = worker
        self.writer = writer
        self.claim_limit = claim_limit
        self.verify_limit = verify_limit
        self.routes: WebhookRoutes | None = None

    def commands(self) -> Sequence[Command]:
        commands = [
            Command("claim", "Link a store order to your profile with the code from your receipt", self.claim,
                    params=(Param("code", ParamKind.TEXT, "The claim code from your order confirmation",
                                  max_length=40),),
                    examples=("/claim 3F9A0C12B7DE",)),
        ]
        if self.config.verify_enabled:
            # In a DM only: an email typed in a group chat would be seen by everyone.
            commands.append(Command(
                "verify", "Link a store order by its number and the email you ordered with", self.verify,
                params=(Param("order", ParamKind.TEXT, "Order number, e.g. 1001", max_length=64),
                        Param("email", ParamKind.TEXT, "The email address on the order", max_length=254)),
                scope="private", examples=("/verify 1001 you@example.com",)))
        return tuple(commands)

    def deep_links(self) -> Sequence[DeepLink]:
        return (DeepLink("claim", self.claim_from_link),)

    def listeners(self) -> Sequence[Listener]:
        return ((MembersMerged, self.on_merge), (IdentityLinked, self.on_identity_linked))

    async def start(self) -> None:
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self.writer.close()

    # --- member commands -----------------------------------------------------------------------

    async def claim(self, ctx: Context) -> Reply:
        return await self._claim(ctx, str(ctx.args["code"]))

    async def claim_from_link(self, ctx: Context, code: str) -> Reply:
        return await self._claim(ctx, code)

    async def _claim(self, ctx: Context, code: str) -> Reply:
        if self.claim_limit.blocked(ctx.member_id):
            return Reply.error("Too many codes that didn't match. Please try again in an hour.")
        result = await self.claims.claim(ctx.member_id, code)
        if result.outcome == "pending":
            self.claim_limit.hit(ctx.member_id)  # unknown codes count: guessing must stay slow
        return await self._answer(result, PENDING)

    async def verify(self, ctx: Context) -> Reply:
        if self.verify_limit.blocked(ctx.member_id):
            return Reply.error("Too many attempts. Please try again in an hour.")
        self.verify_limit.hit(ctx.member_id)
        result = await self.claims.verify(ctx.member_id, str(ctx.args["order"]), str(ctx.args["email"]))
        return await self._answer(result, NOT_VERIFIED)

    async def _answer(self, result: ClaimResult, not_found: str) -> Reply:
        if result.outcome in ("pending", "unknown"):
            return Reply(text=not_found, title="Order not found yet" if result.outcome == "pending" else None,
                         tone="warning", private=True)
        if result.outcome == "taken":
            return Reply.error(TAKEN)
        # Points and roles for the newly linked orders are applied before answering.
        await self.worker.run_once(sweep=False)
        number = result.order_number or "your order"
        if result.outcome == "already":
            return Reply.success(f"Order {number} is already linked to your profile.", private=True)
        more = f" ({result.orders} orders in total)" if result.orders > 1 else ""
        return Reply.success(f"Thanks! Order {number} now counts for your profile{more}: points and buyer "
                             "perks follow. See /profile.", title="Order linked", private=True)

    async def profile_section(self, member_id: int) -> Sequence[Field]:
        async with self.database.session() as session:
            orders = await session.scalar(select(func.count()).select_from(Purchase).where(
                Purchase.member_id == member_id, Purchase.status.in_(COUNTING)))
        return (Field("Orders", str(orders)),) if orders else ()

    # --- listeners -----------------------------------------------------------------------------

    async def on_merge(self, event: MembersMerged) -> None:
        async with self.database.session() as session, session.begin():
            for model in (Purchase, PurchaseCustomer, PurchaseClaim, PurchaseRoleGrant):
                await session.execute(update(model).where(model.member_id == event.merged)
                                      .values(member_id=event.kept))
        await self.worker.reconcile(event.kept)

    async def on_identity_linked(self, event: IdentityLinked) -> None:
        # A newly linked account gets the buyer roles its member already earned on that platform.
        await self.worker.reconcile(event.member_id)
