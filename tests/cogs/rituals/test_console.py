"""Rituals in the console chat, as `printf '…' | python -m bot console` runs them (a real process)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = """/mod on
/mod ritual create "Demo Day" "mon 09:00 Europe/Paris" here Show what you built in week {week}!
/mod ritual create "Broken" "someday at noon" here
/mod ritual list
/mod ritual pause Demo Day
/mod ritual list
/rituals
/mod ritual resume demo_day
/as alice
/rituals tz America/New_York
/remindme ritual demo_day
"""


def console(tmp_path: Path, database_url: str, script: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    config.write_text(f'data_dir = "{tmp_path}/data"\n[database]\nurl = "{database_url}"\n'
                      '[cogs]\nenabled = ["help", "profile", "link", "points", "rituals"]\n')
    environment = {"PATH": "/usr/bin:/bin", "HEARTH_CONFIG": str(config)}
    return subprocess.run([sys.executable, "-m", "bot", "console"], input=script, capture_output=True, text=True,
                          env=environment, timeout=60, cwd=Path(__file__).resolve().parents[3])


def test_create_list_pause_through_the_console(tmp_path: Path, database_url: str) -> None:
    result = console(tmp_path, database_url, SCRIPT)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Created Demo Day (demo_day): Mondays at 09:00 (Europe/Paris)" in out
    assert "in console:general" in out
    assert "'someday at noon' isn't a schedule I understand" in out and '"mon 09:00 Europe/Berlin"' in out
    first_list, second_list = out.split("you> /mod ritual list")[1:3]
    assert "Demo Day (demo_day)" in first_list and "active · Mondays at 09:00 (Europe/Paris)" in first_list
    assert "Monday Wins (monday_wins)" in first_list and "disabled ·" in first_list  # shipped, off
    assert "Demo Day is paused: nothing posts until /mod ritual resume demo_day." in first_list
    assert "paused · Mondays at 09:00 (Europe/Paris)" in second_list
    assert "No rituals are running right now" in out.split("you> /rituals")[1]
    assert "Demo Day is back on" in out
    assert "Times are shown in America/New_York from now on." in out
    assert "Next: Mon" in out.split("alice> /rituals tz America/New_York")[1]
    assert "has no reminder time set" in out  # created from chat without one
    assert "Traceback" not in out + result.stderr
