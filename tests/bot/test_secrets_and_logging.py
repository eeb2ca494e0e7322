import logging
import stat
from pathlib import Path

from bot.logging_setup import OneLineFormatter, RedactSecrets
from bot.secrets import load_secrets


def test_instance_secret_is_generated_once_0600_and_reused(tmp_path: Path) -> None:
    first = load_secrets({}, tmp_path)
    path = tmp_path / "secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_secrets({}, tmp_path).instance == first.instance
    assert load_secrets({"HEARTH_SECRET": "from-env"}, tmp_path).instance == b"from-env"


def test_secrets_come_from_the_environment_and_never_show_in_repr(tmp_path: Path) -> None:
    found = load_secrets({"HEARTH_DISCORD_TOKEN": "disc-token-123", "HEARTH_STRIPE_WEBHOOK_SECRET": "whsec_abc123"},
                         tmp_path)
    assert found.discord_token == "disc-token-123" and found.webhook == {"stripe": "whsec_abc123"}
    assert "disc-token-123" not in repr(found) and "whsec_abc123" not in repr(found)


def test_log_lines_redact_secrets_and_stay_on_one_line() -> None:
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1,
                               "POST https://api.telegram.org/bot%s/getUpdates\nnext", ("123:SECRET",), None)
    assert RedactSecrets(["123:SECRET"]).filter(record)
    line = OneLineFormatter("%(name)s: %(message)s").format(record)
    assert "123:SECRET" not in line and "[redacted]" in line and "\n" not in line
