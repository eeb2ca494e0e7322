"""Personal data is never stored: no row holds an email, name, address or phone, and on SQLite neither do the
database files (WAL included)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage.database import sqlite_path
from storage.models import Base, PurchaseDelivery
from tests.cogs.purchases import signing
from tests.cogs.purchases.conftest import RigFactory, StoreRig
from tests.support.harness import user

# Everything personal in the fixtures delivered below, in the case it appears there.
PERSONAL = ("jon@example.com", "john@example.com", "john.doe@example.com", "gernser@yahoo.com",
            "example@example.com", "Steve Shipper", "Shipper", "Shippington", "123 Shipping Street", "555-555-SHIP",
            "123-123-1234", "K2H7A8", "969 Market", "(555) 555-5555", "Darlene Daugherty", "Jenny Rosen",
            "John Smith")


def database_files(rig: StoreRig) -> list[Path]:
    """The SQLite file and its WAL. (PostgreSQL's files aren't read: it compresses large values, so a byte scan
    there could miss a leak; every backend gets the row scan below.)"""
    path = sqlite_path(rig.hearth.config.database.url)
    if path is None:
        return []
    return [file for file in path.parent.iterdir() if file.name.startswith(path.name)]


def leaks(files: list[Path]) -> list[str]:
    found = []
    for file in files:
        content = file.read_bytes().lower()
        found += [f"{file.name}: {needle}" for needle in PERSONAL if needle.lower().encode() in content]
    return found


async def row_leaks(rig: StoreRig) -> list[str]:
    """Every row of every table, read back through the database: what it stores, whatever the backend."""
    found = []
    async with rig.hearth.database.session() as session:
        for table in Base.metadata.sorted_tables:
            content = " ".join(repr(tuple(row)) for row in await session.execute(select(table))).lower()
            found += [f"{table.name}: {needle}" for needle in PERSONAL if needle.lower() in content]
    return found


async def deliver_everything(rig: StoreRig) -> None:
    now = int(rig.clock.now().timestamp())
    shopify = signing.raw("shopify/sample.orders-create.payload.json")
    refund = signing.raw("shopify/third-party.refunds-create.abridged.json")
    woo = signing.raw("woocommerce/order.created.json")
    stripe = signing.raw("stripe/assembled.checkout.session.completed.json")
    charge = signing.raw("stripe/assembled.charge.refunded.json")
    lemon = signing.raw("lemonsqueezy/order_created.payload.json")
    deliveries = [
        ("shopify", shopify, signing.shopify(shopify, "orders/create")),
        ("shopify", refund, signing.shopify(refund, "refunds/create")),
        ("woocommerce", woo, signing.woocommerce(woo, "order.created")),
        ("stripe", stripe, signing.stripe(stripe, now)),
        ("stripe", charge, signing.stripe(charge, now)),
        ("lemonsqueezy", lemon, signing.lemonsqueezy(lemon, "order_created")),
        ("standard", lemon, signing.standard(lemon, "msg_privacy", now)),
    ]
    for provider, body, headers in deliveries:
        assert (await rig.post(provider, body, headers))[1] == {"status": "accepted"}


async def test_delivered_emails_and_names_are_nowhere_in_the_database(make_store: RigFactory) -> None:
    rig = await make_store("[purchases]\nverify_enabled = true\n")
    on_sqlite = sqlite_path(rig.hearth.config.database.url) is not None
    await deliver_everything(rig)
    # Checked before processing too: the inbox itself must already be redacted.
    assert await row_leaks(rig) == []
    files = database_files(rig)
    assert any(f.name.endswith("-wal") for f in files) or not on_sqlite
    assert leaks(files) == []
    await rig.settle()
    # /verify hashes the typed email the same way, and stores nothing of it either.
    dm = rig.chat
    dm.place = dm.place.__class__(platform="memory", chat_id="dm", is_private=True)
    assert "now counts" in await dm.text(user("jon"), "/verify 9999 jon@example.com")
    assert await row_leaks(rig) == []
    assert leaks(database_files(rig)) == []
    async with rig.hearth.database.session() as session:
        payloads = (await session.scalars(select(PurchaseDelivery.payload))).all()
    assert len(payloads) == 7 and all("customer_key" in p or "refund_id" in p for p in payloads)
    await rig.hearth.stop()  # checkpoints the WAL into the main file: still nothing
    assert leaks(database_files(rig)) == []
