"""Secrets from the environment only, and the instance secret generated once into the data dir."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

WEBHOOK_PROVIDERS = ("shopify", "woocommerce", "stripe", "standard", "lemonsqueezy")
STORE_API_PROVIDERS = ("shopify",)
SECRET_FILE = "secret"


@dataclass(frozen=True)
class Secrets:
    """Every secret Hearth uses. ``repr`` hides values so a stray log line can't leak them."""

    instance: bytes = field(repr=False)
    discord_token: str | None = field(default=None, repr=False)
    telegram_token: str | None = field(default=None, repr=False)
    webhook: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Store Admin API tokens the running bot uses, by provider (shopify: HEARTH_SHOPIFY_ADMIN_TOKEN).
    store_api: Mapping[str, str] = field(default_factory=dict, repr=False)
    # Signs outbound CRM webhooks (Standard Webhooks, whsec_…): HEARTH_CRM_WEBHOOK_SECRET.
    crm_webhook: str | None = field(default=None, repr=False)

    def values(self) -> list[str]:
        """Every secret as text, for log redaction (derived ones too: PTB logs setWebhook's secret_token)."""
        derived = [telegram_webhook_secret(self.instance, self.telegram_token)] if self.telegram_token else []
        found = [self.instance.decode("utf-8", "ignore"), self.discord_token, self.telegram_token,
                 *self.webhook.values(), *self.store_api.values(), self.crm_webhook, *derived]
        return [value for value in found if value and len(value) >= 6]


def telegram_webhook_secret(instance_secret: bytes, token: str) -> str:
    """The Telegram webhook's secret token: 64 hex characters, within Telegram's 1-256 ``[A-Za-z0-9_-]``.

    Derived (HMAC) from the instance secret, so there is nothing more to configure; a new bot token gives
    a new secret."""
    return hmac.new(instance_secret, b"hearth telegram webhook\n" + token.encode(), hashlib.sha256).hexdigest()


def _instance_secret(environ: Mapping[str, str], data_dir: Path) -> bytes:
    from_env = environ.get("HEARTH_SECRET", "").strip()
    if from_env:
        return from_env.encode()
    path = data_dir / SECRET_FILE
    if path.exists():
        value = path.read_text(encoding="utf-8").strip()
        if value:
            return value.encode()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    # Created 0600 from the start: there is never a moment when others can read it.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value.encode()


def load_secrets(environ: Mapping[str, str], data_dir: Path) -> Secrets:
    def get(name: str) -> str | None:
        value = environ.get(name, "").strip()
        return value or None

    webhook = {p: v for p in WEBHOOK_PROVIDERS if (v := get(f"HEARTH_{p.upper()}_WEBHOOK_SECRET"))}
    store_api = {p: v for p in STORE_API_PROVIDERS if (v := get(f"HEARTH_{p.upper()}_ADMIN_TOKEN"))}
    return Secrets(
        instance=_instance_secret(environ, data_dir),
        discord_token=get("HEARTH_DISCORD_TOKEN"),
        telegram_token=get("HEARTH_TELEGRAM_TOKEN"),
        crm_webhook=get("HEARTH_CRM_WEBHOOK_SECRET"),
        webhook=webhook,
        store_api=store_api,
    )
