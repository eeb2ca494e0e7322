"""``GET /proof`` (the page), ``/proof.json``, ``/embed/proof`` (a compact page for an iframe) and
``/embed/proof.js`` (a script that inserts that iframe), for the store to link and embed.

Member-written text is on the page, so it is rendered by Jinja2 with autoescaping on. Every response is
served from the cached, pre-rendered snapshot (``service.py``). The pages run no script, load nothing but
images, and may be framed only by ``[proof] embed_origins`` (any site when empty).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape

from cogs.proof.config import ProofConfig
from cogs.proof.service import ProofService
from cogs.proof.snapshot import ProofSnapshot

TEMPLATES = Path(__file__).parent / "templates"
KINDS = {"photo": "Photo", "video": "Video", "link": "Post", "tutorial": "Tutorial", "product_review": "Review"}
TYPES = {"page": "text/html", "embed": "text/html", "script": "text/javascript", "json": "application/json"}


def renderer(config: ProofConfig, community: str) -> Any:
    """The function that turns a snapshot into the page, the widget and the script (all bytes)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["num"] = lambda value: f"{int(value):,}"
    environment.filters["kind"] = lambda value: KINDS.get(value, "Post")
    brand = {"title": config.title or community, "tagline": config.tagline, "logo_url": config.logo_url,
             "store_url": config.store_url, "accent": config.accent_colour, "accent_text": config.accent_text,
             "background": config.background_colour, "text": config.text_colour}
    templates = {"page": environment.get_template("proof.html"), "embed": environment.get_template("embed.html"),
                 "script": environment.get_template("proof.js")}

    def render(snapshot: ProofSnapshot) -> dict[str, bytes]:
        values = {"brand": brand, "m": snapshot.milestones, "month": snapshot.month, "wins": snapshot.wins,
                  "highlights": snapshot.highlights, "contributors": snapshot.contributors, "ideas": snapshot.ideas,
                  "generated_at": snapshot.generated_at, "frame_title": f"{brand['title']} community"}
        return {name: template.render(values).encode() for name, template in templates.items()}

    return render


class ProofRoutes:
    def __init__(self, service: ProofService, config: ProofConfig) -> None:
        self.service = service
        self.config = config
        ancestors = " ".join(config.embed_origins) or "*"
        self.policy = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
                       f"base-uri 'none'; form-action 'none'; frame-ancestors {ancestors}")

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/proof", self.handler("page"))
        app.router.add_get("/proof.json", self.handler("json"))
        app.router.add_get("/embed/proof", self.handler("embed"))
        app.router.add_get("/embed/proof.js", self.handler("script"))

    def handler(self, name: str) -> Any:
        async def serve(_request: web.Request) -> web.Response:
            rendered = await self.service.current()
            headers = {"Cache-Control": f"public, max-age={min(self.config.cache_seconds, 300)}",
                       "X-Content-Type-Options": "nosniff", "Referrer-Policy": "strict-origin-when-cross-origin"}
            if name in ("page", "embed"):
                headers["Content-Security-Policy"] = self.policy
            else:
                headers["Access-Control-Allow-Origin"] = "*"  # a store front-end may fetch these cross-origin
            return web.Response(body=rendered.bodies[name], content_type=TYPES[name], charset="utf-8",
                                headers=headers)

        return serve
