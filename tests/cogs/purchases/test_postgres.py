"""The same intake, merge, claim and effects on PostgreSQL (SQLAlchemy paths instead of the SQLite writer)."""

from __future__ import annotations

import asyncio
import random

import pytest

from cogs.purchases.claims import ClaimCodes
from storage.migrate import upgrade
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import RigFactory
from tests.cogs.purchases.streams import stream
from tests.cogs.purchases.test_processing import ROLES, link_customers, state
from tests.support.harness import user
from tests.support.sql import DatabaseFactory

pytestmark = pytest.mark.postgres


async def test_shuffled_duplicates_claims_and_refunds_on_postgresql(make_store: RigFactory, postgres_url: str,
                                                                    new_database: DatabaseFactory) -> None:
    await asyncio.to_thread(upgrade, postgres_url)
    deliveries = stream()
    # The reference run is on SQLite whichever backend the suite selected: the two must end in the same state.
    sqlite = await make_store(ROLES, name="sqlite", database_url=new_database("sqlite"))
    await link_customers(sqlite, ("ana@example.com",))
    for sent in deliveries:
        await sqlite.post(sent.provider, sent.body, sent.headers)
        await sqlite.settle()

    rig = await make_store(ROLES, name="pg", database_url=postgres_url)
    await link_customers(rig, ("ana@example.com",))
    copies = [deliveries[i % len(deliveries)] for i in range(300)]
    random.Random(3).shuffle(copies)
    answers = await asyncio.gather(*(rig.post(s.provider, s.body, s.headers) for s in copies))
    assert {status for status, _ in answers} == {200}
    assert sum(1 for _, body in answers if body == {"status": "accepted"}) == len(deliveries)
    await rig.settle()
    assert await state(rig) == await state(sqlite)

    body = signing.encode(signing.shopify_order(77, email="zoe@example.com"))
    await rig.post("shopify", body, signing.shopify(body, "orders/paid"))
    await rig.settle()
    code = ClaimCodes(signing.INSTANCE_SECRET).code("shopify", "77")
    assert "now counts for your profile" in await rig.chat.text(user("zoe"), f"/claim {code}")
    assert "Points: 404" in await rig.chat.text(user("zoe"), "/profile")
