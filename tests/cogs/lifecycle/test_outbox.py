"""The CRM outbox: signed as Standard Webhooks specifies (the spec's own vector), retried with backoff against
a loopback receiver that fails twice, dead-lettered after N attempts, and restart-safe."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from cogs.lifecycle.outbox import Outbox, SecretError, sign, signing_key
from cogs.purchases.signatures import SignatureError, standard
from storage.models import DeadLetter, OutboxMessage
from tests.cogs.lifecycle.conftest import VECTOR_SECRET, Receiver, crm
from tests.cogs.onboarding.conftest import Rig, RigFactory, discord_user

VECTOR = json.loads((Path(__file__).resolve().parents[4] / "shared/fixtures/standard-webhooks/test-vector.json")
                    .read_text())


def test_signature_matches_the_specs_test_vector() -> None:
    headers = VECTOR["headers"]
    signature = sign(signing_key(VECTOR["secret"]), headers["webhook-id"], int(headers["webhook-timestamp"]),
                     VECTOR["raw_body"].encode())
    assert signature == VECTOR["expected_signature"] == headers["webhook-signature"]
    # The secret works without its prefix too, and a receiver implementing the spec accepts the headers.
    assert sign(signing_key(VECTOR["secret_without_prefix"]), headers["webhook-id"],
                int(headers["webhook-timestamp"]), VECTOR["raw_body"].encode()) == signature
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"])).astimezone()
    standard(VECTOR["raw_body"].encode(), headers, [signing_key(VECTOR["secret"])], signed_at, 300)
    tampered = {**headers, "webhook-signature": VECTOR["negative_cases_from_same_test_file"][
        "tampered_signature_must_fail"]}
    with pytest.raises(SignatureError):
        standard(VECTOR["raw_body"].encode(), tampered, [signing_key(VECTOR["secret"])], signed_at, 300)
    with pytest.raises(SecretError):
        signing_key("whsec_not base64!")


async def stage_a_member(rig: Rig, name: str = "ann") -> int:
    who = discord_user(name, str(abs(hash(name)) % 10**9))
    await rig.join(who)
    await rig.lifecycle.service.evaluate_pending()
    member = await rig.hearth.members.find(who)
    assert member is not None
    return member


async def row(rig: Rig) -> OutboxMessage | None:
    async with rig.hearth.database.session() as session:
        return await session.scalar(select(OutboxMessage))


async def first_attempt(rig: Rig, receiver: Receiver) -> OutboxMessage:
    """The background task sends as soon as the stage change commits; wait until its failure is recorded."""
    for _ in range(500):
        found = await row(rig)
        if receiver.requests and found is not None and found.attempts == 1:
            return found
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox task never tried")


async def test_stage_change_is_signed_sent_and_retried_with_backoff(make_rig: RigFactory, receiver: Receiver
                                                                    ) -> None:
    receiver.fail_first = 2
    rig = await make_rig(crm(receiver.url))
    outbox = rig.lifecycle.service.outbox
    member = await stage_a_member(rig)
    pending = await first_attempt(rig, receiver)
    assert pending.last_error is not None and pending.last_error.startswith("HTTP 500")
    assert pending.next_attempt_at == rig.clock.now() + timedelta(seconds=30)
    assert (await outbox.deliver_due()).sent == []  # not due yet
    rig.clock.advance(timedelta(seconds=30))
    assert len((await outbox.deliver_due()).failed) == 1
    rig.clock.advance(timedelta(seconds=59))
    assert (await outbox.deliver_due()).sent == []  # the second wait doubled to 60 s
    rig.clock.advance(timedelta(seconds=1))
    report = await outbox.deliver_due()
    assert len(report.sent) == 1 and await row(rig) is None
    assert len(receiver.requests) == 3
    ids = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert ids == {report.sent[0]}  # the same webhook-id on every attempt: receivers de-duplicate on it
    key = signing_key(VECTOR_SECRET)
    for headers, body in receiver.requests:
        signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"])).astimezone()
        standard(body, headers, [key], signed_at, 5)  # what a Standard Webhooks receiver checks
        assert headers["content-type"] == "application/json"
    payload = json.loads(receiver.requests[-1][1])
    assert payload["type"] == "member.stage_changed" and payload["timestamp"] == "2026-01-05T09:00:00Z"
    data = payload["data"]
    assert (data["member_id"], data["old_stage"], data["new_stage"], data["stage_name"]) == (member, None, "new",
                                                                                             "New")
    assert data["accounts"] == [{"platform": "discord", "user_id": str(abs(hash("ann")) % 10**9),
                                 "username": "ann"}]
    assert data["community"] == "Our Community" and data["orders"] == []


async def test_dead_letter_after_max_attempts_and_retry(make_rig: RigFactory, receiver: Receiver) -> None:
    receiver.fail_first = 3
    rig = await make_rig(crm(receiver.url, max_attempts=3))
    outbox = rig.lifecycle.service.outbox
    await stage_a_member(rig)
    await first_attempt(rig, receiver)
    for wait in (30, 60):
        rig.clock.advance(timedelta(seconds=wait))
        report = await outbox.deliver_due()
    assert len(report.dead) == 1 and await row(rig) is None
    waiting, dead = await outbox.dead()
    assert waiting == 1 and dead[0].attempts == 3 and dead[0].last_error and "HTTP 500" in dead[0].last_error
    assert await outbox.retry([dead[0].id]) == report.dead
    await outbox.deliver_due()  # or the background task, woken by the retry: whichever claims it sends it
    for _ in range(500):
        if await row(rig) is None:
            break
        await asyncio.sleep(0.01)
    assert await row(rig) is None and len(receiver.requests) == 4  # the receiver is back
    assert receiver.requests[-1][0]["webhook-id"] == report.dead[0]
    async with rig.hearth.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(DeadLetter)) == 0


async def test_pending_webhooks_survive_a_restart(make_rig: RigFactory, receiver: Receiver) -> None:
    # The first process records the change while the CRM is unreachable (nothing listens on this port)…
    first = await make_rig(crm("http://127.0.0.1:9/unreachable"))
    await stage_a_member(first)
    await first_attempt_error(first)
    await first.hearth.stop()
    # …the next one, pointed at a working receiver, sends it once it's due again.
    second = await make_rig(crm(receiver.url))
    second.clock.advance(timedelta(seconds=30))
    second.lifecycle.service.outbox.wake()
    for _ in range(500):
        if receiver.requests and await row(second) is None:
            break
        await asyncio.sleep(0.01)
    assert len(receiver.requests) == 1 and await row(second) is None


async def first_attempt_error(rig: Rig) -> None:
    for _ in range(500):
        found = await row(rig)
        if found is not None and found.attempts == 1:
            assert found.last_error and "ConnectError" in found.last_error
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the outbox task never tried")


async def test_without_a_url_nothing_is_queued(make_rig: RigFactory) -> None:
    rig = await make_rig()
    await stage_a_member(rig)
    assert await row(rig) is None and not rig.lifecycle.service.outbox.enabled


async def test_without_the_secret_changes_wait_in_the_outbox(make_rig: RigFactory, receiver: Receiver) -> None:
    rig = await make_rig(crm(receiver.url))
    unsigned = Outbox(rig.hearth.database, rig.clock, rig.lifecycle.service.config.crm, None)
    rig.lifecycle.service.outbox.key = None  # as if HEARTH_CRM_WEBHOOK_SECRET weren't set
    await stage_a_member(rig)
    assert (await unsigned.deliver_due()).sent == [] and await row(rig) is not None
    assert receiver.requests == []
