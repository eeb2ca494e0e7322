"""``hearth export ugc`` rows: one per submission, since a date, written and read back as CSV and JSON."""

from __future__ import annotations

import csv
import io
import json

from bot.app import Hearth
from bot.cli_transfer import write_export
from cogs.ugc.export import count_ugc_rows, ugc_rows
from tests.support import insights as seed


async def test_export_round_trip(hearth: Hearth) -> None:
    async with hearth.database.session() as session, session.begin():
        seed.member(session, 7, "=cmd|' /C calc'!A0")
        await session.flush()
        seed.ugc(session, 7, "2026-03-01 10:00", featured=True, text="My setup", media_url="https://cdn.test/a.jpg")
        seed.ugc(session, 7, "2026-03-05 10:00", status="pending", consent="pending", text="+1 for the jug")
    assert await count_ugc_rows(hearth.database, None) == 2
    since = seed.at("2026-03-02 00:00")
    assert await count_ugc_rows(hearth.database, since) == 1

    out = io.StringIO()
    assert await write_export(ugc_rows(hearth.database, None), 2, "csv", out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(r["status"], r["consent"], r["featured"], r["text"]) for r in rows] == [
        ("approved", "yes", "True", "My setup"), ("pending", "pending", "False", "'+1 for the jug")]
    assert rows[0]["member"] == "'=cmd|' /C calc'!A0" and rows[0]["media_url"] == "https://cdn.test/a.jpg"

    out = io.StringIO()
    await write_export(ugc_rows(hearth.database, since), 1, "json", out)
    assert [(r["status"], r["created_at"]) for r in json.loads(out.getvalue())] == [
        ("pending", "2026-03-05T10:00:00+00:00")]
