"""Hypothesis over Hearth's HTTP server, beyond tests/cogs/purchases/test_fuzz.py (signed store payloads):
raw requests with any method, path, header set, body and framing (Content-Length, chunked, a declared length
longer than the body) on every route; bodies over the limit on every POST route; and the Telegram webhook
with wrong or missing secret tokens, and real updates mutated at random behind the right one.

Never a 5xx, never an ERROR logged (aiohttp's "Error handling request" included), nothing dispatched from a
refused delivery. One app per test function."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import ssl
import traceback
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.webhook import SECRET_HEADER
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from tests.bot.adapters.telegram.support import ALICE, GROUP, FakeTime, fixture
from tests.cogs.purchases.signing import SECRETS
from tests.cogs.purchases.test_fuzz import HEADER_NAMES, json_value, paths
from tests.emulators.telegram import TelegramEmulator
from tests.fuzz.support import FUZZ, SPECIAL_TOKENS, WATCHED, error_trap, safe_text
from tests.security.support import ALL_COGS

ROOT = Path(__file__).resolve().parents[2]
WEBHOOK_ROUTES = tuple(f"/webhooks/{p}" for p in ("shopify", "woocommerce", "stripe", "standard", "lemonsqueezy"))
TELEGRAM_ROUTE = "/tg/hook"
GET_ROUTES = ("/healthz", "/metrics", "/proof", "/proof.json", "/embed/proof", "/embed/proof.js", "/roadmap",
              "/roadmap.json", "/ugc.json")
LIMIT = 1024 * 1024  # both the store routes and the Telegram webhook take at most 1 MiB
# aiohttp logs a handler's unexpected exception as "Error handling request" (and answers 500).
WITH_SERVER = (*WATCHED, "aiohttp")


HEARTH_CODE = tuple(str(ROOT / package) for package in ("bot", "cogs", "storage"))


def outside_hearth(record: logging.LogRecord) -> bool:
    """aiohttp refusing a request on its own (a header line over 8190 bytes: a 400 before any route runs)
    logs that at ERROR itself; only an exception raised in Hearth's code is a finding here."""
    if not record.name.startswith("aiohttp") or not record.exc_info:
        return False
    frames = traceback.extract_tb(record.exc_info[2])
    return not any(frame.filename.startswith(HEARTH_CODE) for frame in frames)


UPDATE_FIXTURES = ("reconstructed.callback_query.json", "reconstructed.chat_member.join.json",
                   "reconstructed.message.bot-command-with-args.json", "reconstructed.message.photo-caption.json",
                   "reconstructed.poll_answer.json", "teloxide.message_reaction.user.json",
                   "teloxide.my_chat_member.bot-kicked.json", "docs.webhooks.message-with-entities.json")


class WebRig:
    def __init__(self, hearth: Hearth, adapter: TelegramAdapter, emulator: TelegramEmulator) -> None:
        self.hearth, self.adapter, self.emulator = hearth, adapter, emulator
        assert hearth.web_server is not None
        self.port = hearth.web_server.port
        self.secret = adapter.webhook_secret

    async def raw(self, request_line: str, headers: list[tuple[str, str]], body: bytes, framing: str) -> int:
        """One request written byte by byte; its status (0: the server closed without answering)."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [request_line, "Host: 127.0.0.1", "Connection: close", *(f"{name}: {value}" for name, value in headers)]
        if framing in ("chunked", "cut chunked"):
            head.append("Transfer-Encoding: chunked")
            payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 4096]), body[i:i + 4096])
                               for i in range(0, len(body), 4096))
            # "cut chunked": the upload stops without its last chunk (a client that went away).
            payload += b"" if framing == "cut chunked" else b"0\r\n\r\n"
        else:
            # "longer": the client promises more than it sends, then stops (a hung-up upload).
            head.append(f"Content-Length: {len(body) + (17 if framing == 'longer' else 0)}")
            payload = body
        try:
            writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + payload)
            await writer.drain()
            writer.write_eof()
            status_line = await reader.readline()
            await reader.read()
        except ConnectionError:
            status_line = b""
        finally:
            writer.close()
        parts = status_line.split()
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


@pytest.fixture
async def web(make_config: Callable[..., HearthConfig], clock: ManualClock) -> AsyncIterator[WebRig]:
    emulator = TelegramEmulator()
    await emulator.start()
    emulator.add_chat(GROUP)
    emulator.users[ALICE["id"]] = ALICE
    config = make_config(f'{ALL_COGS}[web]\nport = 0\n[telegram]\nbase_url = "{emulator.base_url}"\n'
                         f'webhook_url = "https://community.example.com{TELEGRAM_ROUTE}"\n')
    hearth = Hearth(config, Secrets(instance=b"fuzz-instance-secret", telegram_token=emulator.token,
                                    webhook=SECRETS), clock=clock)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await hearth.start(web=True, adapters=[adapter])
    try:
        yield WebRig(hearth, adapter, emulator)
    finally:
        await hearth.stop()
        await emulator.stop()


header_name = st.one_of(st.sampled_from((*HEADER_NAMES, SECRET_HEADER, "Transfer-Encoding", "Cookie",
                                         "X-Forwarded-For", "Content-Encoding")),
                        st.from_regex(r"\A[A-Za-z][A-Za-z0-9-]{0,30}\Z"))
header_value = st.one_of(st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=100),
                         st.integers(2000, 9000).map(lambda n: "v" * n), st.sampled_from(["", "gzip", "chunked"]))
body = st.one_of(st.binary(max_size=3000), st.integers(10_000, 200_000).map(lambda n: b"{" * n),
                 json_value.map(lambda v: json.dumps(v).encode()))


@FUZZ
@given(method=st.sampled_from(["POST", "POST", "GET", "PUT", "DELETE", "OPTIONS"]),
       path=st.one_of(st.sampled_from((*WEBHOOK_ROUTES, TELEGRAM_ROUTE, *GET_ROUTES)),
                      st.from_regex(r"\A/[A-Za-z0-9._~%/?=&-]{0,60}\Z")),
       query=st.sampled_from(["", "?", "?a=1&a=2", "?format=%ff", "?" + "x" * 3000]),
       headers=st.lists(st.tuples(header_name, header_value), max_size=6), payload=body,
       framing=st.sampled_from(["length", "length", "chunked", "longer", "cut chunked"]))
async def test_raw_requests_on_every_route(web: WebRig, method: str, path: str, query: str,
                                           headers: list[tuple[str, str]], payload: bytes, framing: str) -> None:
    headers = [(name, value) for name, value in headers
               if name.lower() not in ("content-length", "transfer-encoding", "host", "connection", "expect")]
    with error_trap(WITH_SERVER, tolerate=outside_hearth) as trap:
        status = await web.raw(f"{method} {path}{query} HTTP/1.1", headers, payload, framing)
        trap.check()
    assert status < 500, (status, method, path, framing)


async def test_a_body_over_the_limit_is_413_on_every_post_route(web: WebRig) -> None:
    oversized = b"{" + b" " * LIMIT + b"}"

    async def stream() -> AsyncIterator[bytes]:
        for start in range(0, len(oversized), 65536):
            yield oversized[start:start + 65536]

    async with aiohttp.ClientSession() as session:
        for route in (*WEBHOOK_ROUTES, TELEGRAM_ROUTE):
            headers = {SECRET_HEADER: web.secret} if route == TELEGRAM_ROUTE else {}
            for chunked in (False, True):
                async with session.post(f"http://127.0.0.1:{web.port}{route}", headers=headers,
                                        data=stream() if chunked else oversized) as response:
                    assert response.status == 413, (route, chunked, response.status, await response.text())


async def test_a_client_hanging_up_mid_body_is_no_error(web: WebRig) -> None:
    """Found by the raw fuzz test: aiohttp reports a lost connection as ConnectionResetError, which the store
    routes didn't expect, so every upload cut short was logged as an error with its traceback."""
    for route in (*WEBHOOK_ROUTES, TELEGRAM_ROUTE):
        headers = [(SECRET_HEADER, web.secret)] if route == TELEGRAM_ROUTE else []
        for framing in ("longer", "cut chunked"):
            with error_trap(WITH_SERVER, tolerate=outside_hearth) as trap:
                status = await web.raw(f"POST {route} HTTP/1.1", headers, b'{"id": 1}', framing)
                await asyncio.sleep(0)  # the server notices the lost connection as the socket closes
                trap.check()
            assert status < 500, (route, framing, status)


@FUZZ
@given(secret=st.one_of(st.none(), st.just(""), st.text(st.characters(min_codepoint=33, max_codepoint=126),
                                                           max_size=80)),
       twist=st.sampled_from(["as is", "upper", "prefix", "suffix", "doubled"]))
async def test_the_telegram_webhook_refuses_a_wrong_or_missing_secret(web: WebRig, secret: str | None,
                                                                     twist: str) -> None:
    real = web.secret
    if secret is not None and twist != "as is":
        # (Whitespace around a header value isn't part of it in HTTP: " secret" is the secret.)
        secret = {"upper": real.upper(), "prefix": real[:-1], "suffix": real + "0", "doubled": real * 2}[twist]
    if secret == real:
        return  # the one right answer; every other value must be refused
    update = web.emulator.message_update(GROUP, ALICE, "/help")
    headers = {"Content-Type": "application/json", **({SECRET_HEADER: secret} if secret is not None else {})}
    sent_before = len(web.emulator.calls_to("sendMessage"))
    async with aiohttp.ClientSession() as session, \
            session.post(f"http://127.0.0.1:{web.port}{TELEGRAM_ROUTE}", data=json.dumps({**update, "update_id": 1}),
                         headers=headers) as response:
        assert response.status == 403, (secret, response.status)
    assert len(web.emulator.calls_to("sendMessage")) == sent_before, "a refused delivery was dispatched"


def same_type(original: Any) -> st.SearchStrategy[Any]:
    """A value of the type Telegram sends at this place: the Bot API omits fields, it never changes their type
    (a null where an offset belongs ends up as "handling Telegram update failed", logged with its traceback)."""
    if isinstance(original, bool):
        return st.booleans()
    if isinstance(original, int):
        return st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 1, 2**31, 2**53 + 1]))
    if isinstance(original, float):
        return st.floats(allow_nan=False, allow_infinity=False)
    if isinstance(original, str):
        return st.one_of(safe_text, st.sampled_from(SPECIAL_TOKENS), st.integers(3000, 5000).map(lambda n: "é" * n))
    if isinstance(original, list):
        return st.lists(same_type(original[0]), max_size=3) if original else st.just([])
    return st.just(copy.deepcopy(original))


async def deliver(web: WebRig, update: dict[str, Any]) -> int:
    """POST one update behind the right secret; once answered 200, wait until the adapter handled it."""
    done = web.adapter.updates_done
    async with aiohttp.ClientSession() as session, \
            session.post(f"http://127.0.0.1:{web.port}{TELEGRAM_ROUTE}", data=json.dumps(update),
                         headers={SECRET_HEADER: web.secret, "Content-Type": "application/json"}) as response:
        status = response.status
    if status == 200 and isinstance(update.get("update_id"), int):
        async with asyncio.timeout(10):  # a hang guard, not a speed assertion
            while web.adapter.updates_done <= done:  # noqa: ASYNC110 - the adapter counts, it has no event
                await asyncio.sleep(0.002)
    return status


@st.composite
def mutated_update(draw: st.DrawFn, *, realistic: bool) -> dict[str, Any]:
    """A captured update with up to four fields changed: to another value of the same type (``realistic``),
    or also dropped or replaced by any JSON value (what Telegram never sends)."""
    update = copy.deepcopy(fixture(draw(st.sampled_from(UPDATE_FIXTURES), label="fixture")))
    for path in draw(st.lists(st.sampled_from(paths(update)), max_size=4), label="paths"):
        parent: Any = update
        try:
            for step in path[:-1]:
                parent = parent[step]
            if realistic:
                parent[path[-1]] = draw(same_type(parent[path[-1]]), label="value")
            elif isinstance(parent, dict) and draw(st.booleans(), label="drop"):
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(json_value, label="value")
        except (KeyError, IndexError, TypeError):
            pass  # an earlier change removed the path
    return update


@FUZZ
@given(update=mutated_update(realistic=True))
async def test_telegram_updates_with_any_values_are_handled_cleanly(web: WebRig, update: dict[str, Any]) -> None:
    with error_trap() as trap:
        assert await deliver(web, update) == 200
        trap.check()


@pytest.mark.allow_errors  # PTB doesn't check required fields: a handler may fail on one, logged and counted
@FUZZ
@given(update=mutated_update(realistic=False))
async def test_broken_telegram_updates_never_stop_the_bot(web: WebRig, update: dict[str, Any]) -> None:
    assert await deliver(web, update) in (200, 400)
    # Still answering: the next real command gets its reply.
    answered = len(web.emulator.calls_to("sendMessage"))
    assert await deliver(web, {**web.emulator.message_update(GROUP, ALICE, "/help"), "update_id": 1}) == 200
    await web.emulator.wait_for(lambda: len(web.emulator.calls_to("sendMessage")) > answered)
