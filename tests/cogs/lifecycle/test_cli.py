"""``hearth outbox list`` shows dead letters; ``hearth outbox retry`` re-queues them and sends them once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from cogs.lifecycle.cli import outbox_group
from cogs.lifecycle.outbox import envelope, signing_key
from cogs.purchases.signatures import standard
from storage.database import Database
from storage.models import DeadLetter
from tests.cogs.lifecycle.conftest import VECTOR_SECRET

RECEIVED: list[tuple[dict[str, str], bytes]] = []


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet: the test asserts on what arrived."""


@pytest.fixture
def crm_url() -> Iterator[str]:
    RECEIVED.clear()
    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/crm"
    server.shutdown()


async def add_dead_letter(url: str) -> None:
    database = Database(url)
    try:
        async with database.session() as session, session.begin():
            at = datetime(2026, 1, 5, 9, tzinfo=UTC)
            session.add(DeadLetter(message_id="msg_deadbeef", event_type="member.stage_changed", member_id=None,
                                   payload=envelope("member.stage_changed", {"new_stage": "advocate"}, at),
                                   created_at=at, attempts=8, failed_at=at, last_error="HTTP 502: bad gateway"))
    finally:
        await database.close()


def test_list_then_retry_all(tmp_path: Path, database_url: str, crm_url: str) -> None:
    url = database_url
    asyncio.run(add_dead_letter(url))
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{url}"\n[lifecycle.crm]\nurl = "{crm_url}"\n')
    env = {"HEARTH_CONFIG": str(config), "HEARTH_SECRET": "test-instance-secret", "HEARTH_POINTS_WRITER": "inline",
           "HEARTH_CRM_WEBHOOK_SECRET": VECTOR_SECRET}
    runner = CliRunner()
    listed = runner.invoke(outbox_group, ["list"], env=env, obj=None)
    assert listed.exit_code == 0, listed.output
    assert "Waiting to be sent: 0" in listed.output and "Dead letters: 1" in listed.output
    assert "#1  msg_deadbeef  member.stage_changed  no member  8 attempt(s)" in listed.output
    assert "HTTP 502: bad gateway" in listed.output
    refused = runner.invoke(outbox_group, ["retry"], env=env, obj=None)
    assert refused.exit_code == 2 and "--all" in refused.output
    retried = runner.invoke(outbox_group, ["retry", "--all"], env=env, obj=None)
    assert retried.exit_code == 0, retried.output
    assert "Re-queued 1 webhook(s)." in retried.output and "Sent 1;" in retried.output
    [(headers, body)] = RECEIVED
    assert headers["webhook-id"] == "msg_deadbeef" and b'"new_stage":"advocate"' in body
    signed_at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
    standard(body, headers, [signing_key(VECTOR_SECRET)], signed_at, 5)
    after = runner.invoke(outbox_group, ["list"], env=env, obj=None)
    assert "Dead letters: 0" in after.output and "Waiting to be sent: 0" in after.output
    missing = runner.invoke(outbox_group, ["retry", "42"], env=env, obj=None)
    assert missing.exit_code == 1 and "No such dead letters" in missing.output
