"""``/proof``, ``/proof.json`` and the widget over HTTP: the figures, who is named (only those who said yes),
escaping, caching and the headers a store needs to embed them."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from bot.kit.clock import ManualClock
from tests.cogs.proof.conftest import ANA, Site
from tests.support import insights as seed

ANONYMOUS = "A community member"


async def fetch(site: Site, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=site.url) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return response


async def test_json_has_the_figures_and_names_only_members_who_opted_in(site: Site) -> None:
    data = (await fetch(site, "/proof.json")).json()
    # 3 chat members + 40 seeded; posts in March only; paid orders linked to members; occurrences held.
    assert data["milestones"] == {"members": 43, "posts_this_month": 1_234, "orders_by_members": 6,
                                  "rituals_held": 7}
    assert data["month"] == "March 2026"
    assert data["wins"] == [{"author": "Ana", "ritual": "Monday Wins", "reactions": 12,
                             "text": "Dialled in my espresso at 18 g in, 36 g out"}]
    assert [(h["author"], h["featured"], h["text"]) for h in data["highlights"]] == [
        ("Ana", True, "My first rosetta with the new jug!"),
        (ANONYMOUS, False, "My <script>alert(1)</script> grinder setup")]
    # Cat opted in but hides from leaderboards; Bob has more points but never opted in.
    assert data["contributors"] == [{"name": "Ana", "points": 1_250}]
    # Shipped at the same moment: the newer idea first. Bob's idea is listed without his name.
    assert [(i["title"], i["suggested_by"], i["votes"]) for i in data["shipped_ideas"]] == [
        ("Descaling reminders", None, 17), ("Oat milk recipes", "Ana", 41)]
    assert "Bob" not in str(data) and "Cat" not in str(data)


async def test_page_is_branded_escaped_and_embeddable_only_where_allowed(site: Site) -> None:
    response = await fetch(site, "/proof")
    page = response.text
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<h1>Acme Coffee</h1>" in page and "Home baristas sharing what works." in page
    assert '<img src="https://cdn.example.com/acme-logo.png" alt="Acme Coffee logo"' in page
    assert '<span class="n">1,234</span> posts in March 2026' in page
    assert "--accent: #8a3b12" in page and 'href="https://shop.example.com"' in page
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Bob" not in page and "A win nobody may see" not in page and "Not reviewed yet" not in page
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors https://shop.example.com" in policy and "default-src 'none'" in policy
    assert "script-src" not in policy  # the page runs no script at all

    embed = await fetch(site, "/embed/proof")
    assert "Join 43 members of the Acme Coffee community" in embed.text
    assert "Dialled in my espresso" in embed.text and 'href="../proof"' in embed.text
    script = await fetch(site, "/embed/proof.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert '"/embed/proof"' in script.text and '"Acme Coffee community"' in script.text
    data = await fetch(site, "/proof.json")
    assert data.headers["Access-Control-Allow-Origin"] == "*"


async def test_cached_between_refreshes_and_dropped_when_someone_opts_out(site: Site, clock: ManualClock) -> None:
    first = (await fetch(site, "/proof.json")).json()
    async with site.hearth.database.session() as session, session.begin():
        seed.member(session, 500)
    # Within cache_seconds (300 by default) the same snapshot is served: no query per request.
    clock.advance(timedelta(seconds=299))
    assert (await fetch(site, "/proof.json")).json() == first
    # Once stale, the request still gets the old one at once while a fresh one is built in the background.
    clock.advance(timedelta(seconds=2))
    assert (await fetch(site, "/proof.json")).json() == first
    proof = next(cog for cog in site.hearth.cogs if cog.name == "proof")
    refreshing = proof.service._refreshing  # type: ignore[attr-defined]
    assert refreshing is not None
    await refreshing
    assert (await fetch(site, "/proof.json")).json()["milestones"]["members"] == 44

    # Ana changes her mind: her name is gone from the very next response, not after the cache expires.
    done = await site.chat.text(ANA, "/privacy proof off")
    assert "never named on the public proof page" in done
    data = (await fetch(site, "/proof.json")).json()
    assert data["wins"] == [] and data["contributors"] == []
    assert [h["author"] for h in data["highlights"]] == [ANONYMOUS, ANONYMOUS]
    assert "Ana" not in (await fetch(site, "/proof")).text


@pytest.mark.parametrize("path", ["/proof", "/embed/proof"])
async def test_pages_have_landmarks_and_a_language(site: Site, path: str) -> None:
    page = (await fetch(site, path)).text
    assert page.startswith("<!doctype html>") and '<html lang="en">' in page and "<main>" in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
