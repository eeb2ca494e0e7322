"""What a submission is made of, pure: links recognised (Instagram, TikTok, YouTube), attachments checked.

Nothing is fetched: previews are built from the URL alone (a YouTube thumbnail has a fixed address; the
embed addresses are the platforms' documented ones), so capturing a post never waits on the network.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from bot.kit.platform import Attachment

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_INSTAGRAM = re.compile(r"^/(?:[A-Za-z0-9_.]+/)?(p|reel|reels|tv)/([A-Za-z0-9_-]{5,40})")
_TIKTOK = re.compile(r"^/@[A-Za-z0-9_.]{1,40}/(?:video|photo)/(\d{5,25})")
_KIND_TAGS = {"#tutorial": "tutorial", "#howto": "tutorial", "#review": "product_review"}

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic"})
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm", "video/x-m4v"})
EXTENSIONS = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
              ".webp": "image/webp", ".heic": "image/heic", ".mp4": "video/mp4", ".mov": "video/quicktime",
              ".webm": "video/webm", ".m4v": "video/x-m4v"}
ACCEPTED = "a photo (JPG, PNG, GIF, WebP, HEIC) or a video (MP4, MOV, WebM)"
PLATFORM_TITLES = {"instagram": "Instagram", "tiktok": "TikTok", "youtube": "YouTube", "web": "link"}


@dataclass(frozen=True)
class LinkInfo:
    """A shared link, and what it is on which platform (``web`` for any other site)."""

    url: str
    platform: str
    media_id: str | None = None

    @property
    def key(self) -> str:
        """The same post however its URL was written (youtu.be or youtube.com, tracking parameters…)."""
        return f"{self.platform}:{self.media_id}" if self.media_id else self.url.lower()

    @property
    def title(self) -> str:
        return PLATFORM_TITLES.get(self.platform, "link")

    @property
    def embed_url(self) -> str | None:
        if self.media_id is None:
            return None
        return {"youtube": f"https://www.youtube.com/embed/{self.media_id}",
                "instagram": f"https://www.instagram.com/p/{self.media_id}/embed",
                "tiktok": f"https://www.tiktok.com/embed/v2/{self.media_id}"}.get(self.platform)

    @property
    def thumbnail_url(self) -> str | None:
        if self.platform == "youtube" and self.media_id:
            return f"https://i.ytimg.com/vi/{self.media_id}/hqdefault.jpg"
        return None


def find_link(text: str) -> LinkInfo | None:
    """The first http(s) link in a text, recognised; ``None`` if there is none."""
    match = _URL.search(text or "")
    if match is None:
        return None
    return recognise(match.group(0).rstrip(_TRAILING)[:500])


def recognise(url: str) -> LinkInfo:
    try:
        parts = urlsplit(url)
    except ValueError:
        return LinkInfo(url, "web")
    host = (parts.hostname or "").lower().removeprefix("www.").removeprefix("m.")
    path = parts.path or "/"
    if host in {"youtube.com", "music.youtube.com", "youtube-nocookie.com"}:
        video = (parse_qs(parts.query).get("v") or [""])[0]
        if not video:
            segments = [s for s in path.split("/") if s]
            video = segments[1] if len(segments) >= 2 and segments[0] in {"shorts", "embed", "live", "v"} else ""
        return LinkInfo(url, "youtube", video if _YOUTUBE_ID.match(video) else None)
    if host == "youtu.be":
        video = path.strip("/").split("/")[0]
        return LinkInfo(url, "youtube", video if _YOUTUBE_ID.match(video) else None)
    if host in {"instagram.com", "instagr.am"}:
        found = _INSTAGRAM.match(path)
        return LinkInfo(url, "instagram", found.group(2) if found else None)
    if host == "tiktok.com" or host.endswith(".tiktok.com"):
        found = _TIKTOK.match(path)
        return LinkInfo(url, "tiktok", found.group(1) if found else None)
    return LinkInfo(url, "web")


def kind_of(text: str) -> str:
    """``#tutorial`` / ``#review`` in the text pick the points rule approval awards; anything else is a post."""
    lowered = (text or "").lower()
    for tag, kind in _KIND_TAGS.items():
        if re.search(re.escape(tag) + r"\b", lowered):
            return kind
    return "ugc_post"


def media_type(attachment: Attachment) -> str | None:
    """The attachment's content type if it is a photo or video Hearth accepts, else None."""
    declared = (attachment.content_type or "").split(";")[0].strip().lower()
    if declared in IMAGE_TYPES or declared in VIDEO_TYPES:
        return declared
    if declared and declared != "application/octet-stream":
        return None
    name = attachment.filename.lower()
    for extension, kind in EXTENSIONS.items():
        if name.endswith(extension):
            return kind
    return None


def attachment_problem(attachment: Attachment, max_mb: int) -> str | None:
    """Why an attachment can't be a submission (one sentence a member can act on), or None."""
    if media_type(attachment) is None:
        shown = attachment.filename.rsplit(".", 1)[-1] if "." in attachment.filename else "file"
        return f"I can't take a {shown} file: share {ACCEPTED}, or a link to Instagram, TikTok or YouTube."
    if attachment.size is not None and attachment.size > max_mb * 1024 * 1024:
        return (f"That file is {attachment.size / 1024 / 1024:.0f} MB; the limit is {max_mb} MB. "
                "Upload it to Instagram, TikTok or YouTube and share the link instead.")
    return None


def content_key(link: LinkInfo | None, attachment: Attachment | None) -> str:
    """One key per piece of content, so sharing it twice is recognised."""
    source = link.key if link is not None else (attachment.url if attachment is not None else "")
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:64]
