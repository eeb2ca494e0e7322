"""No secret reaches the log: every logger at DEBUG (the chat libraries, httpx, SQLAlchemy included) through
the product's own handler, while Hearth starts with every secret set and runs commands, webhooks and errors.

Each secret is a unique string, looked for as itself and in the forms a library would print it: base64 at
any alignment, hex, URL-quoted, and the keys and tokens Hearth derives from it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import logging
import ssl
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from click.testing import CliRunner

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.adapters.telegram.webhook import webhook_secret
from bot.app import Hearth
from bot.cli import main
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.commands import Command
from bot.kit.context import Context
from bot.kit.reply import Reply
from bot.logging_setup import configure_logging
from bot.secrets import Secrets
from cogs.lifecycle.cog import LifecycleCog
from cogs.purchases.claims import ClaimCodes
from tests.bot.adapters.telegram.support import ALICE, GROUP, FakeTime
from tests.cogs.purchases import signing
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.emulators.telegram import TelegramEmulator
from tests.security.support import ALL_COGS

UNIQUE = uuid.uuid4().hex


def make_secrets(telegram_token: str) -> Secrets:
    bot_id = base64.b64encode(p.BOT_ID.encode()).decode().rstrip("=")
    return Secrets(
        instance=f"instance-{UNIQUE}".encode(),
        discord_token=f"{bot_id}.GfAkE0.discord-{UNIQUE}",
        telegram_token=telegram_token,
        webhook={"shopify": f"shopify-{UNIQUE}", "woocommerce": f"woo-{UNIQUE}", "stripe": f"whsec_stripe{UNIQUE}",
                 "standard": "whsec_" + base64.b64encode(f"standard-{UNIQUE}".encode()).decode(),
                 "lemonsqueezy": f"lemon-{UNIQUE}"},
        store_api={"shopify": f"shpat_{UNIQUE}"},
        crm_webhook="whsec_" + base64.b64encode(f"crm-{UNIQUE}".encode()).decode(),
    )


def base64_forms(data: bytes) -> list[str]:
    """The part of ``data``'s base64 that is the same wherever it sits in a longer encoded stream
    (an ``Authorization: Basic`` value, a JSON blob): one per byte alignment, both alphabets."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data).decode()
        middle = encoded[4:-4]  # the first and last groups mix in the neighbouring bytes
        forms += [middle, middle.replace("+", "-").replace("/", "_")]
    return forms


def secret_forms(secrets: Secrets) -> dict[str, str]:
    """Every string that must not appear, by a name for the failure message."""
    named: dict[str, str] = {"instance": secrets.instance.decode()}
    named.update({"discord token": secrets.discord_token or "", "telegram token": secrets.telegram_token or "",
                  "crm secret": secrets.crm_webhook or ""})
    named.update({f"{provider} webhook secret": value for provider, value in secrets.webhook.items()})
    named.update({f"{provider} api token": value for provider, value in secrets.store_api.items()})
    # Derived from the secrets: as good as the secret to whoever reads them.
    derived = {"telegram webhook secret token": webhook_secret(secrets.instance, secrets.telegram_token or ""),
               "claim key": ClaimCodes(secrets.instance).claim_key}
    for name in ("standard webhook secret", "crm secret"):
        key = base64.b64decode(named[name].removeprefix("whsec_"))
        derived[f"{name} key"] = key.decode()
        derived[f"{name} key (hex)"] = key.hex()
    forms: dict[str, str] = {}
    for name, value in {**named, **derived}.items():
        raw = value.encode()
        forms[name] = value
        forms[f"{name} (hex)"] = raw.hex()
        forms[f"{name} (url-quoted)"] = quote(value, safe="")
        forms.update({f"{name} (base64 #{n})": form for n, form in enumerate(base64_forms(raw))})
    return forms


def _loggers() -> list[logging.Logger]:
    return [logger for logger in logging.root.manager.loggerDict.values() if isinstance(logger, logging.Logger)]


@contextlib.contextmanager
def product_log(secrets: Secrets) -> Iterator[io.StringIO]:
    """The handler `hearth run` installs, writing to a buffer; every logger opened up to DEBUG."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    saved_levels = {logger.name: logger.level for logger in _loggers()}
    stream = io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = stream  # configure_logging binds its handler to sys.stderr
    try:
        configure_logging("DEBUG", secrets.values())
    finally:
        sys.stderr = real_stderr
    for logger in _loggers():  # stricter than production, which keeps library chatter at WARNING
        logger.setLevel(logging.DEBUG)
    for handler in saved_handlers:  # pytest's capture keeps working alongside
        root.addHandler(handler)
    try:
        yield stream
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for logger in _loggers():
            logger.setLevel(saved_levels.get(logger.name, logging.NOTSET))


@pytest.fixture
async def discord_emulator() -> AsyncIterator[DiscordEmulator]:
    emulator = await DiscordEmulator().start()
    yield emulator
    await emulator.close()


@pytest.fixture
async def telegram_emulator() -> AsyncIterator[TelegramEmulator]:
    server = TelegramEmulator(secret=f"AAtelegram-{UNIQUE}")
    await server.start()
    server.add_chat(GROUP)
    server.users[ALICE["id"]] = ALICE
    yield server
    await server.stop()


def _config(make_config: Callable[..., HearthConfig], discord: DiscordEmulator, telegram: TelegramEmulator
            ) -> HearthConfig:
    sink = f"http://127.0.0.1:{discord.port}"  # any path but /api/v10 answers 404: the error paths run
    return make_config(
        f"{ALL_COGS}[web]\nport = 0\n[discord]\nguild_ids = [{p.GUILD_ID}]\n"
        f'[telegram]\nbase_url = "{telegram.base_url}"\nwebhook_url = "https://community.example.com/tg/hook"\n'
        f'[purchases.shopify]\nshop = "example"\nbase_url = "{sink}/shopify"\n'
        f'[referrals.shopify_discount]\nenabled = true\n[lifecycle.crm]\nurl = "{sink}/crm"\n')


async def _boom(ctx: Context) -> Reply:
    # A library error quoting a request URL, as httpx and PTB errors do: the traceback must come out redacted.
    raise RuntimeError(f"POST https://api.telegram.org/bot{ctx.platform.name}-{_boom_token[0]}/sendMessage failed")


_boom_token = [""]


async def _exercise_discord(emulator: DiscordEmulator) -> None:
    nelly = p.member(p.NELLY, permissions=p.MEMBER_PERMISSIONS)
    for name in ("help", "profile", "ref", "boom"):
        await emulator.interact(p.slash(name, member_data=nelly))
    emulator.fail("POST", r"/interactions/\d+/[^/]+/callback", 500, {"message": "500: Internal Server Error"})
    await emulator.dispatch("INTERACTION_CREATE", p.slash("help", member_data=nelly))
    await emulator.wait_for("POST", r"/interactions/\d+/[^/]+/callback", count=5)


async def _exercise_telegram(hearth: Hearth, emulator: TelegramEmulator) -> None:
    assert hearth.web_server is not None
    local = f"http://127.0.0.1:{hearth.web_server.port}/tg/hook"
    update = emulator.message_update(GROUP, ALICE, "/help")
    assert await emulator.deliver_webhook(update, url=local, secret="wrong") == 403
    assert await emulator.deliver_webhook(update, url=local, secret="") == 403
    assert await emulator.deliver_webhook(update, url=local) == 200
    await emulator.wait_call("sendMessage")
    emulator.fail("sendMessage", 400, "Bad Request: chat not found")
    assert await emulator.deliver_webhook(emulator.message_update(GROUP, ALICE, "/profile"), url=local) == 200
    await emulator.wait_for(lambda: [c for c in emulator.calls if c.method == "sendMessage" and c.status == 400])


async def _exercise_webhooks(hearth: Hearth, secrets: Secrets) -> None:
    assert hearth.web_server is not None
    base = f"http://127.0.0.1:{hearth.web_server.port}/webhooks"
    body = signing.encode(signing.shopify_order(9001, email="buyer@example.com"))
    now = int(hearth.clock.now().timestamp())
    attempts = [
        ("shopify", signing.shopify(body, "orders/paid", "not-the-secret"), 401),
        ("shopify", signing.shopify(body, "orders/paid", secrets.webhook["shopify"]), 200),
        ("stripe", signing.stripe(body, now, "whsec_wrong"), 401),
        ("standard", signing.standard(body, "msg_1", now, secrets.webhook["standard"]), 200),
        ("lemonsqueezy", signing.lemonsqueezy(body, "order_created", "wrong"), 401),
    ]
    async with aiohttp.ClientSession() as session:
        for provider, headers, expected in attempts:
            async with session.post(f"{base}/{provider}", data=body, headers=headers) as response:
                assert response.status == expected, (provider, await response.text())


async def _exercise_crm(hearth: Hearth) -> None:
    cog = next(c for c in hearth.cogs if isinstance(c, LifecycleCog))
    outbox = cog.service.outbox
    async with hearth.database.session() as session, session.begin():
        await outbox.add(session, "stage.changed", None, {"stage": "activated"}, hearth.clock.now())
    await outbox.deliver_due()


@pytest.mark.allow_errors  # the failing command logs its traceback on purpose
async def test_no_secret_reaches_the_log(make_config: Callable[..., HearthConfig], clock: ManualClock,
                                         discord_emulator: DiscordEmulator,
                                         telegram_emulator: TelegramEmulator) -> None:
    secrets = make_secrets(telegram_emulator.token)
    _boom_token[0] = secrets.telegram_token or ""
    forms = secret_forms(secrets)
    config = _config(make_config, discord_emulator, telegram_emulator)
    with product_log(secrets) as stream:
        hearth = Hearth(config, secrets, clock=clock)
        hearth.registry.add(Command("boom", "Always fails", _boom))
        fake_time = FakeTime()
        adapters = [DiscordAdapter(hearth.adapter_deps, environ=discord_emulator.environ, reconnect=False,
                                   guild_ready_timeout=0.01, identify_delay=0.0),
                    TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(),
                                    sleep=fake_time.sleep, monotonic=fake_time.monotonic)]
        await hearth.start(web=True, adapters=adapters)
        try:
            await _exercise_discord(discord_emulator)
            await _exercise_telegram(hearth, telegram_emulator)
            await _exercise_webhooks(hearth, secrets)
            await _exercise_crm(hearth)
        finally:
            await hearth.stop()
    output = stream.getvalue()
    # The capture really saw the libraries at DEBUG, the error path, and the redaction at work.
    for expected in (" DEBUG discord.", " DEBUG telegram", " INFO httpx", " DEBUG httpcore", "sqlalchemy.engine",
                     "/boom failed", "[redacted]", "refused a shopify webhook", "refused a Telegram webhook",
                     "CRM webhook", "Shopify discount code"):
        assert expected in output, f"{expected!r} not in the captured log"
    leaked = sorted(name for name, form in forms.items() if form in output)
    assert leaked == [], f"secrets in the log: {leaked}"


# --- hearth config check ----------------------------------------------------------------------------------


def secret_environment(secrets: Secrets, database_password: str) -> dict[str, str]:
    environ = {"HEARTH_SECRET": secrets.instance.decode(), "HEARTH_DISCORD_TOKEN": secrets.discord_token or "",
               "HEARTH_TELEGRAM_TOKEN": secrets.telegram_token or "",
               "HEARTH_CRM_WEBHOOK_SECRET": secrets.crm_webhook or "",
               "HEARTH_SHOPIFY_ADMIN_TOKEN": secrets.store_api["shopify"],
               "HEARTH_DATABASE_URL": f"postgresql+asyncpg://hearth:{database_password}@127.0.0.1:5432/hearth"}
    environ.update({f"HEARTH_{p.upper()}_WEBHOOK_SECRET": value for p, value in secrets.webhook.items()})
    return environ


@pytest.mark.parametrize("case", ["valid", "secret in the file", "bad database url"])
def test_config_check_never_prints_a_secret(case: str, tmp_path: Path) -> None:
    secrets = make_secrets(f"7000000001:AAtelegram-{UNIQUE}")
    password = f"pw-{UNIQUE}"
    environ = secret_environment(secrets, password)
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}"\n')
    if case == "secret in the file":
        config.write_text(f'data_dir = "{tmp_path}"\n[telegram]\nbot_token = "{secrets.telegram_token}"\n')
    elif case == "bad database url":  # a scheme typo: the error quotes the URL it refused
        environ["HEARTH_DATABASE_URL"] = f"postgres://hearth:{password}@127.0.0.1:5432/hearth"
    result = CliRunner().invoke(main, ["--config", str(config), "config", "check"], env=environ)
    output = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert ("Configuration OK" in output) == (case == "valid"), output
    assert "Traceback" not in output
    forms = {**secret_forms(secrets), "database password": password}
    leaked = sorted(name for name, form in forms.items() if form in output)
    assert leaked == [], f"secrets in `hearth config check`: {leaked}\n{output}"
