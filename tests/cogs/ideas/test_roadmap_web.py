"""The public roadmap over HTTP: JSON for the store, an accessible HTML page, everything escaped."""

from __future__ import annotations

from aiohttp.test_utils import TestClient, TestServer

from tests.support.community import CommunityFactory, user

ANA, MOD = user("ana", "discord"), user("mo", "discord")
NASTY = '<script>alert("x")</script> & more'


async def test_roadmap_json_and_page(make_community: CommunityFactory) -> None:
    community = await make_community('[community]\nname = "Kettle & Co"\n')
    await community.say(ANA, f"/idea {NASTY}")
    await community.say(ANA, "/idea Oat milk option")
    await community.say(MOD, "/mod idea status 1 in_progress <b>soon</b>", moderator=True)
    await community.say(MOD, "/mod idea status 2 shipped", moderator=True)
    async with TestClient(TestServer(community.hearth.web_app)) as client:
        response = await client.get("/roadmap.json")
        assert response.status == 200 and response.headers["Access-Control-Allow-Origin"] == "*"
        body = await response.json()
        assert body["community"] == "Kettle & Co" and body["planned"] == []
        assert body["in_progress"][0] == {
            "id": 1, "title": NASTY, "status": "in_progress", "votes": 0, "note": "<b>soon</b>",
            "requested_by": "Ana", "updated_at": "2026-01-05T09:00:00+00:00", "shipped_at": None}
        assert [i["title"] for i in body["shipped"]] == ["Oat milk option"]

        page = await client.get("/roadmap")
        html = await page.text()
        assert page.status == 200 and page.content_type == "text/html"
        assert "<script>" not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in html
        assert "&lt;b&gt;soon&lt;/b&gt;" in html and "Kettle &amp; Co — roadmap" in html
        assert '<html lang="en">' in html and '<h2 id="in-progress">In progress</h2>' in html
        assert '<time datetime="2026-01-05T09:00:00+00:00">05 January 2026</time>' in html
