"""The console chat driven through stdin, as `printf '/help\\n' | hearth console` does."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def hearth(tmp_path: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None, timeout: float = 60,
           database_url: str = "") -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    if not config.exists():
        database = f'[database]\nurl = "{database_url}"\n' if database_url else ""
        config.write_text(f'data_dir = "{tmp_path}/data"\n{database}[community]\nname = "Acme Coffee"\n')
    environment = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config), **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True,
                          env=environment, timeout=timeout, cwd=Path(__file__).resolve().parents[2])


def test_console_script_help_profile_link_and_refusal(tmp_path: Path, database_url: str) -> None:
    first = hearth(tmp_path, "console", stdin="/help\n/profile\n/as alice\n/link\n/mod member @alice\n",
                   database_url=database_url)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Acme Coffee — what you can do" in out and "/profile [member]" in out
    assert "/mod member" not in out.split("you> /profile")[0]  # members don't see moderator commands
    assert "Member since" in out and "Console: you" in out
    assert "/mod member is for moderators only" in out
    assert "refused /mod member for console:alice" in first.stderr
    code = re.search(r"/link ([A-Z0-9]{8})", out)
    assert code is not None

    # A second session (a new process, same database): bob redeems alice's code.
    second = hearth(tmp_path, "console", "--as", "bob", stdin=f"/link {code.group(1)}\n/profile\n/mod on\n/help\n")
    assert second.returncode == 0, second.stderr
    assert "Accounts linked" in second.stdout
    profile = second.stdout.split("bob> /profile")[1]
    assert "Console: alice" in profile and "Console: bob" in profile
    assert "/mod member <member>" in second.stdout.split("bob> /help")[1]


def test_unknown_command_and_bad_arguments(tmp_path: Path, database_url: str) -> None:
    result = hearth(tmp_path, "console", stdin="/frobnicate\n/profile @a @b\n/as\n/press 1\n",
                    database_url=database_url)
    assert "Unknown command /frobnicate — try /help" in result.stdout
    assert "Usage: /profile [member]" in result.stdout
    assert "usage: /as NAME" in result.stdout
    assert "there's no button to press" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_hearth_help_lists_every_command(tmp_path: Path) -> None:
    result = hearth(tmp_path, "--help")
    for command in ("run", "console", "db", "config"):
        assert re.search(rf"^\s+{command}\b", result.stdout, re.MULTILINE), command
