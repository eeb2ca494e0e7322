"""The CRM outbox: webhooks persisted with the change they announce, then sent by a background task.

- Persist first: ``add`` writes the row inside the caller's transaction (the stage change), so a crash
  can't lose the webhook nor send one for a change that rolled back.
- Signed as Standard Webhooks specifies: ``webhook-id`` (stable across attempts: receivers de-duplicate
  on it), ``webhook-timestamp`` (this attempt) and ``webhook-signature: v1,<base64 HMAC-SHA256>`` of
  ``id.timestamp.body`` keyed with the base64-decoded ``whsec_`` secret.
- Each attempt claims its row by pushing ``next_attempt_at`` past the request timeout, so two processes
  (or a CLI retry beside the bot) never send the same row at once; a crash mid-send retries after it.
- Failures back off exponentially; after ``max_attempts`` the row moves to ``crm_dead_letters``, listed
  by ``hearth outbox list`` and re-queued by ``hearth outbox retry``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.kit.clock import Clock
from cogs.lifecycle.config import CrmWebhook
from storage.database import Database
from storage.models import DeadLetter, OutboxMessage

log = logging.getLogger("hearth.lifecycle.outbox")

USER_AGENT = "Hearth-Webhooks/1"
LEASE_MARGIN = timedelta(seconds=60)


class SecretError(ValueError):
    """HEARTH_CRM_WEBHOOK_SECRET isn't a usable Standard Webhooks secret."""


def signing_key(secret: str) -> bytes:
    """The HMAC key: the secret without its ``whsec_`` prefix, base64-decoded."""
    try:
        return base64.b64decode(secret.strip().removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise SecretError("HEARTH_CRM_WEBHOOK_SECRET must be base64, prefixed whsec_ (e.g. whsec_MfKQ9r8G…)") from None


def sign(key: bytes, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for one attempt."""
    mac = hmac.digest(key, f"{message_id}.{timestamp}.".encode() + body, "sha256")
    return "v1," + base64.b64encode(mac).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def envelope(event_type: str, data: dict[str, Any], at: datetime) -> str:
    """The body: ``{"type", "timestamp", "data"}`` as in the Standard Webhooks examples, compact JSON."""
    stamp = at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, separators=(",", ":"),
                      ensure_ascii=False)


@dataclass(frozen=True)
class Letter:
    """A pending or dead message as ``hearth outbox list`` shows it."""

    id: int
    message_id: str
    event_type: str
    member_id: int | None
    attempts: int
    when: datetime
    last_error: str | None


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dead: list[str] = field(default_factory=list)


class Outbox:
    def __init__(self, database: Database, clock: Clock, config: CrmWebhook, secret: str | None, *,
                 client: httpx.AsyncClient | None = None, poll_seconds: float = 30.0) -> None:
        self.database = database
        self.clock = clock
        self.config = config
        self.problem: str | None = None
        self.key: bytes | None = None
        if secret:
            try:
                self.key = signing_key(secret)
            except SecretError as error:
                self.problem = str(error)  # said at start; the outbox keeps queueing until it's fixed
        self.poll_seconds = poll_seconds
        self._client = client
        self._owns_client = client is None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def enabled(self) -> bool:
        """Stage changes are recorded for the CRM (a URL is configured)."""
        return bool(self.config.url)

    @property
    def can_send(self) -> bool:
        return self.enabled and self.key is not None

    # --- writing -------------------------------------------------------------------------------

    async def add(self, session: AsyncSession, event_type: str, member_id: int | None, data: dict[str, Any],
                  at: datetime) -> str:
        """Queue a webhook in the caller's transaction; sent once that commits (``wake`` after it)."""
        message_id = new_message_id()
        session.add(OutboxMessage(message_id=message_id, event_type=event_type, member_id=member_id,
                                  payload=envelope(event_type, data, at), created_at=at, attempts=0,
                                  next_attempt_at=at))
        return message_id

    def wake(self) -> None:
        self._wake.set()

    # --- sending -------------------------------------------------------------------------------

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # One client for every delivery: connections are pooled, TLS set up once.
            self._client = httpx.AsyncClient(timeout=self.config.timeout_seconds,
                                             headers={"User-Agent": USER_AGENT})
        return self._client

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure: first_retry_seconds, doubling, capped."""
        seconds = self.config.first_retry_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.config.max_retry_seconds))

    async def deliver_due(self, limit: int = 50) -> DeliveryReport:
        """One pass: every due row is claimed, sent once, and then deleted, rescheduled or dead-lettered."""
        report = DeliveryReport()
        if not self.can_send:
            return report
        now = self.clock.now()
        async with self.database.session() as session:
            rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.next_attempt_at <= now)
                                              .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                                              .limit(limit)))
        for row in rows:
            if not await self._claim(row, now):
                continue
            error = await self._send(row)
            if error is None:
                async with self.database.session() as session, session.begin():
                    await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
                report.sent.append(row.message_id)
            elif await self._failed(row, error):
                report.dead.append(row.message_id)
            else:
                report.failed.append(row.message_id)
        return report

    async def _claim(self, row: OutboxMessage, now: datetime) -> bool:
        lease = now + timedelta(seconds=self.config.timeout_seconds) + LEASE_MARGIN
        async with self.database.session() as session, session.begin():
            claimed = await session.execute(update(OutboxMessage).where(
                OutboxMessage.id == row.id, OutboxMessage.next_attempt_at == row.next_attempt_at)
                .values(next_attempt_at=lease))
        return bool(claimed.rowcount)  # type: ignore[attr-defined]

    async def _send(self, row: OutboxMessage) -> str | None:
        """None when the receiver took it (2xx); otherwise what went wrong."""
        assert self.key is not None
        body = row.payload.encode()
        timestamp = int(self.clock.now().timestamp())
        headers = {"content-type": "application/json", "webhook-id": row.message_id,
                   "webhook-timestamp": str(timestamp), "webhook-signature": sign(self.key, row.message_id,
                                                                                  timestamp, body)}
        try:
            response = await self._http().post(self.config.url, content=body, headers=headers)
        except httpx.HTTPError as problem:
            return f"{type(problem).__name__}: {problem}"[:300]
        if 200 <= response.status_code < 300:
            return None
        return f"HTTP {response.status_code}: {response.text[:200]}"

    async def _failed(self, row: OutboxMessage, error: str) -> bool:
        """Reschedule with backoff, or dead-letter after the last attempt; True when dead-lettered."""
        attempts = row.attempts + 1
        now = self.clock.now()
        async with self.database.session() as session, session.begin():
            if attempts >= self.config.max_attempts:
                session.add(DeadLetter(message_id=row.message_id, event_type=row.event_type, member_id=row.member_id,
                                       payload=row.payload, created_at=row.created_at, attempts=attempts,
                                       failed_at=now, last_error=error))
                await session.execute(delete(OutboxMessage).where(OutboxMessage.id == row.id))
                log.warning("CRM webhook %s dead-lettered after %d attempts (%s): `hearth outbox retry` re-sends it",
                            row.message_id, attempts, error)
                return True
            retry_at = now + self.backoff(attempts)
            await session.execute(update(OutboxMessage).where(OutboxMessage.id == row.id).values(
                attempts=attempts, next_attempt_at=retry_at, last_error=error))
        log.info("CRM webhook %s failed (attempt %d of %d): %s; next try at %s", row.message_id, attempts,
                 self.config.max_attempts, error, retry_at.isoformat())
        return False

    # --- the background task -------------------------------------------------------------------

    async def start(self) -> None:
        if not self.enabled:
            return
        if self.key is None:
            log.warning("%s: stage changes are queued in the outbox and sent once it is fixed",
                        self.problem or "[lifecycle.crm] url is set but HEARTH_CRM_WEBHOOK_SECRET isn't")
            return
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="crm-outbox")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self.close()

    async def close(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    async def _run(self) -> None:
        # Pending rows from before a restart go out first: the outbox is the source of truth, not memory.
        while not self._stopping:
            self._wake.clear()
            try:
                await self.deliver_due()
                delay = await self._next_delay()
            except Exception:
                log.exception("CRM outbox pass failed; trying again shortly")
                delay = self.poll_seconds
            if self._stopping:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except TimeoutError:
                pass

    async def _next_delay(self) -> float:
        async with self.database.session() as session:
            due = await session.scalar(select(func.min(OutboxMessage.next_attempt_at)))
        if due is None:
            return self.poll_seconds  # rows another process (the CLI) adds are found on the next poll
        return min(max((due - self.clock.now()).total_seconds(), 0.05), self.poll_seconds)

    # --- the CLI's view ------------------------------------------------------------------------

    async def pending(self, limit: int = 100) -> tuple[int, list[Letter]]:
        async with self.database.session() as session:
            total = int(await session.scalar(select(func.count()).select_from(OutboxMessage)) or 0)
            rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id).limit(limit))
            return total, [Letter(r.id, r.message_id, r.event_type, r.member_id, r.attempts, r.next_attempt_at,
                                  r.last_error) for r in rows]

    async def dead(self, limit: int = 100) -> tuple[int, list[Letter]]:
        async with self.database.session() as session:
            total = int(await session.scalar(select(func.count()).select_from(DeadLetter)) or 0)
            rows = await session.scalars(select(DeadLetter).order_by(DeadLetter.id).limit(limit))
            return total, [Letter(r.id, r.message_id, r.event_type, r.member_id, r.attempts, r.failed_at,
                                  r.last_error) for r in rows]

    async def retry(self, ids: list[int] | None) -> list[str]:
        """Move dead letters (``None``: all of them) back into the outbox, due now; returns their message ids."""
        now = self.clock.now()
        async with self.database.session() as session, session.begin():
            query = select(DeadLetter).order_by(DeadLetter.id)
            if ids is not None:
                query = query.where(DeadLetter.id.in_(ids))
            letters = list(await session.scalars(query))
            if letters:
                # The same webhook-id as before: a receiver that did get an earlier attempt de-duplicates.
                await session.execute(insert(OutboxMessage), [
                    {"message_id": d.message_id, "event_type": d.event_type, "member_id": d.member_id,
                     "payload": d.payload, "created_at": d.created_at, "attempts": 0, "next_attempt_at": now}
                    for d in letters])
                await session.execute(delete(DeadLetter).where(DeadLetter.id.in_([d.id for d in letters])))
        self.wake()
        return [d.message_id for d in letters]
