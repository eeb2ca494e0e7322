"""The [telegram] config keys: URLs are checked when the config is loaded, with the env override named."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.telegram.webhook import webhook_address, webhook_secret
from bot.config import ConfigError, load_config


def test_urls_must_be_http(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[telegram]\nwebhook_url = "community.example.com/hook"\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path, environ={"HEARTH_TELEGRAM_BASE_URL": "127.0.0.1:8081/bot"})
    problems = "\n".join(raised.value.problems)
    assert "telegram.webhook_url: must be empty or a URL" in problems
    assert "HEARTH_TELEGRAM_BASE_URL (telegram.base_url)" in problems


def test_env_overrides_base_url(tmp_path: Path) -> None:
    config = load_config(tmp_path / "missing.toml", environ={"HEARTH_TELEGRAM_BASE_URL": "http://127.0.0.1:8081/bot"})
    assert config.telegram.base_url == "http://127.0.0.1:8081/bot" and config.telegram.webhook_url == ""


def test_webhook_address_and_secret() -> None:
    assert webhook_address("https://x.example.com") == ("https://x.example.com/telegram/webhook", "/telegram/webhook")
    assert webhook_address("https://x.example.com/tg/") == ("https://x.example.com/tg", "/tg")
    secret = webhook_secret(b"instance", "1:token")
    assert secret == webhook_secret(b"instance", "1:token") != webhook_secret(b"instance", "2:token")
    assert len(secret) == 64 and secret.isalnum()
