"""``GET /ugc.json``: the approved content members agreed to show on the store (the proof page, store embeds).

Only items with consent ``yes`` and status ``approved`` are listed. Uploads are listed only when they have a
public web address (a Telegram upload is a file id, useless — and private — outside Telegram).
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from cogs.ugc.links import recognise
from cogs.ugc.store import Submission, UgcStore

CACHE = "public, max-age=60"


def item(submission: Submission) -> dict[str, Any]:
    link = recognise(submission.link_url) if submission.link_url else None
    media = submission.media_url if (submission.media_url or "").startswith(("https://", "http://")) else None
    return {
        "id": submission.id,
        "type": submission.kind,
        "author": submission.author,
        "text": submission.text,
        "link": submission.link_url,
        "platform": link.platform if link else None,
        "embed_url": link.embed_url if link else None,
        "thumbnail_url": link.thumbnail_url if link else None,
        "media_url": media,
        "media_type": submission.media_type if media else None,
        "featured": submission.featured,
        "approved_at": submission.reviewed_at.isoformat() if submission.reviewed_at else None,
    }


class FeedRoutes:
    def __init__(self, store: UgcStore, size: int) -> None:
        self.store = store
        self.size = size

    def add_to(self, app: web.Application) -> None:
        app.router.add_get("/ugc.json", self.feed)

    async def feed(self, request: web.Request) -> web.Response:
        try:
            limit = max(1, min(int(request.query.get("limit", self.size)), self.size))
        except ValueError:
            limit = self.size
        featured = request.query.get("featured", "").lower() in {"1", "true", "yes"}
        items = [item(s) for s in await self.store.feed(limit, featured_only=featured)]
        return web.Response(text=json.dumps({"items": items}, ensure_ascii=False), content_type="application/json",
                            headers={"Cache-Control": CACHE, "Access-Control-Allow-Origin": "*"})
