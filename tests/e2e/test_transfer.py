"""`hearth import points` and `hearth export …` as a brand moving from another bot would use them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def hearth(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config.toml"
    if not config.exists():
        config.write_text(f'data_dir = "{tmp_path}"\n[database]\nurl = "{database_url}"\n'
                          '[points]\nwriter = "inline"\n')
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), *args], capture_output=True,
                          text=True, cwd=ROOT, env={"PATH": "/usr/bin:/bin"}, timeout=120)


def test_bad_rows_import_nothing_unless_partial_and_reimport_is_idempotent(tmp_path: Path,
                                                                          database_url: str) -> None:
    source = tmp_path / "mee6.csv"
    source.write_text("platform,user_id,points,note\n"
                      "discord,80351110224678912,1200,MEE6 level 12\n"
                      "telegram,12345678,-5,\n"
                      "discord,not-a-number,10\n"
                      "telegram,987654321,300\n")
    refused = hearth(tmp_path, database_url, "import", "points", str(source))
    assert refused.returncode == 1
    assert "line 3: points -5 must be between 1" in refused.stderr
    assert "line 4: user id 'not-a-number' must be the numeric discord id" in refused.stderr
    assert "Nothing imported: 2 bad line(s)" in refused.stderr

    partial = hearth(tmp_path, database_url, "import", "points", str(source), "--partial")
    assert partial.returncode == 0, partial.stderr
    assert "Imported 2 rows (0 already imported before, 2 skipped)" in partial.stdout
    again = hearth(tmp_path, database_url, "import", "points", str(source), "--partial")
    assert "Imported 0 rows (2 already imported before" in again.stdout

    members = hearth(tmp_path, database_url, "export", "members", "--format", "json")
    assert members.returncode == 0, members.stderr
    exported = json.loads(members.stdout)
    assert sorted(m["points"] for m in exported) == [300, 1200]
    assert {m["accounts"] for m in exported} == {"discord:80351110224678912", "telegram:987654321"}

    ledger = hearth(tmp_path, database_url, "export", "ledger", "--output", str(tmp_path / "ledger.csv"))
    assert ledger.returncode == 0 and "Exported 2 ledger rows" in ledger.stderr
    rows = list(csv.DictReader(io.StringIO((tmp_path / "ledger.csv").read_text())))
    assert {r["rule"] for r in rows} == {"import"} and sorted(int(r["amount"]) for r in rows) == [300, 1200]
    assert "MEE6 level 12" in {r["note"] for r in rows}


def test_export_refuses_a_bad_date(tmp_path: Path, database_url: str) -> None:
    result = hearth(tmp_path, database_url, "export", "ledger", "--since", "last tuesday")
    assert result.returncode == 2 and "use YYYY-MM-DD" in result.stderr
