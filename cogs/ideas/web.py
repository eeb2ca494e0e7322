"""``GET /roadmap.json`` and ``GET /roadmap``: the public roadmap the store can link to or embed.

Idea titles and notes are written by members, so the page is rendered by Jinja2 with autoescaping on
(every value escaped), and the JSON is plain data. Both may be fetched cross-origin (a store front-end).
"""

from __future__ import annotations

import json

from aiohttp import web
from jinja2 import Environment

from bot.kit.clock import Clock
from cogs.ideas.roadmap import SECTIONS, RoadmapService

CACHE = "public, max-age=60"
PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ community }} — roadmap</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem;
       color: #1f1f1f; background: #fff; line-height: 1.5; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 2px solid #e07a2f; }
ol { padding-left: 1.2rem; } li { margin: .5rem 0; } .meta { color: #555; font-size: .9rem; }
@media (prefers-color-scheme: dark) { body { color: #eee; background: #161616; } .meta { color: #bbb; } }
</style>
</head>
<body>
<main>
<h1>{{ community }} — roadmap</h1>
<p>What we're building next, shaped by the community's ideas and votes.</p>
{% for section in sections %}
<section aria-labelledby="{{ section.id }}">
<h2 id="{{ section.id }}">{{ section.heading }}</h2>
{% if section.ideas %}
<ol>
{% for idea in section.ideas %}
<li><strong>{{ idea.title }}</strong>
<span class="meta">— {{ idea.votes }} vote{{ "" if idea.votes == 1 else "s" }}, suggested by {{ idea.author_name }}
{%- if idea.shipped_at %}, shipped <time datetime="{{ idea.shipped_at.isoformat() }}">
{{- idea.shipped_at.strftime("%d %B %Y") }}</time>{% endif %}</span>
{% if idea.note %}<br><span class="meta">{{ idea.note }}</span>{% endif %}</li>
{% endfor %}
</ol>
{% else %}
<p class="meta">Nothing here right now.</p>
{% endif %}
</section>
{% endfor %}
<p class="meta">Updated <time datetime="{{ generated_at.isoformat() }}">
{{- generated_at.strftime("%d %B %Y %H:%M UTC") }}</time>. Also as <a href="roadmap.json">JSON</a>.</p>
</main>
</body>
</html>
"""


class RoadmapRoutes:
    def __init__(self, roadmap: RoadmapService, clock: Clock) -> None:
        self.roadmap = roadmap
        self.clock = clock
        self.template = Environment(autoescape=True).from_string(PAGE)

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/roadmap.json", self.json)
        app.router.add_get("/roadmap", self.page)

    async def json(self, _request: web.Request) -> web.Response:
        body = self.roadmap.as_json(await self.roadmap.build(self.clock.now()))
        return web.Response(text=json.dumps(body, ensure_ascii=False), content_type="application/json",
                            headers={"Cache-Control": CACHE, "Access-Control-Allow-Origin": "*"})

    async def page(self, _request: web.Request) -> web.Response:
        roadmap = await self.roadmap.build(self.clock.now())
        sections = [{"id": status.replace("_", "-"), "heading": heading.split(" ", 1)[1],
                     "ideas": roadmap.section(status)} for status, heading in SECTIONS]
        html = self.template.render(community=self.roadmap.community, sections=sections,
                                    generated_at=roadmap.generated_at)
        return web.Response(text=html, content_type="text/html", headers={"Cache-Control": CACHE})
