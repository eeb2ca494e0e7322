"""A kit Reply as a Discord message: one embed, buttons for its choices, and its files.

Discord's limits are applied here (embed sizes, 25 buttons, 100-character custom ids) so a long
leaderboard is clipped with an ellipsis instead of being refused with a 400.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from typing import Any

import discord
from discord.utils import escape_markdown

from bot.kit.reply import Choice, Reply

log = logging.getLogger("hearth.discord")

TONE_COLOURS = {"info": 0x5865F2, "success": 0x57F287, "error": 0xED4245, "warning": 0xFEE75C}
STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}
TITLE_LIMIT, DESCRIPTION_LIMIT, FIELDS_LIMIT = 256, 4096, 25
FIELD_NAME_LIMIT, FIELD_VALUE_LIMIT, FOOTER_LIMIT, EMBED_TOTAL = 256, 1024, 2048, 6000
BUTTONS_LIMIT, LABEL_LIMIT, CUSTOM_ID_LIMIT, CONTENT_LIMIT = 25, 80, 100, 2000
BLANK = "\u200b"  # Discord refuses empty field names and values


def _text(value: str, limit: int) -> str:
    value = escape_markdown(value, as_needed=True, ignore_links=True)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def embed_for(reply: Reply) -> discord.Embed | None:
    """The embed, or ``None`` when the reply has nothing to read (a bare file upload)."""
    if not (reply.title or reply.text or reply.fields or reply.image_url or reply.footer):
        return None
    embed = discord.Embed(colour=TONE_COLOURS.get(reply.tone, TONE_COLOURS["info"]))
    budget = EMBED_TOTAL
    if reply.title:
        embed.title = _text(reply.title, TITLE_LIMIT)
        budget -= len(embed.title)
    if reply.text:
        embed.description = _text(reply.text, min(DESCRIPTION_LIMIT, budget - 200))
        budget -= len(embed.description)
    if reply.footer:
        embed.set_footer(text=_text(reply.footer, min(FOOTER_LIMIT, max(budget - 100, 50))))
        budget -= len(embed.footer.text or "")
    for index, item in enumerate(reply.fields):
        name = _text(item.name, FIELD_NAME_LIMIT) or BLANK
        value = _text(item.value, FIELD_VALUE_LIMIT) or BLANK
        if index >= FIELDS_LIMIT or len(name) + len(value) > budget:
            log.warning("reply %r: %d fields left out (Discord's embed limits)", reply.title,
                        len(reply.fields) - index)
            break
        embed.add_field(name=name, value=value, inline=item.inline)
        budget -= len(name) + len(value)
    if reply.image_url:
        embed.set_image(url=reply.image_url)
    return embed


def _button(choice: Choice) -> discord.ui.Button[discord.ui.View] | None:
    label = choice.label[:LABEL_LIMIT] or "…"
    if choice.url or choice.style == "link":
        if not choice.url:
            return None
        return discord.ui.Button(style=discord.ButtonStyle.link, label=label, url=choice.url)
    if len(choice.action) > CUSTOM_ID_LIMIT:
        log.warning("button %r left out: its action is over %d characters", choice.label, CUSTOM_ID_LIMIT)
        return None
    return discord.ui.Button(style=STYLES.get(choice.style, discord.ButtonStyle.secondary), label=label,
                             custom_id=choice.action)


def view_for(reply: Reply) -> discord.ui.View | None:
    """Buttons for the reply's choices, five to a row.

    The view is stopped before it is sent: presses are routed by the adapter through the kit's
    dispatcher (``dispatch_action``), so discord.py must not keep it in its own view store.
    """
    if not reply.choices:
        return None
    view = discord.ui.View(timeout=None)
    seen: set[str] = set()
    for choice in reply.choices:
        button = _button(choice)
        if button is None:
            continue
        key = button.url or button.custom_id or ""
        if key in seen or len(view.children) >= BUTTONS_LIMIT:
            log.warning("button %r left out (duplicate or over %d buttons)", choice.label, BUTTONS_LIMIT)
            continue
        seen.add(key)
        view.add_item(button)
    view.stop()
    return view if view.children else None


def files_for(reply: Reply) -> list[discord.File]:
    return [discord.File(io.BytesIO(upload.data), filename=upload.filename) for upload in reply.files]


@dataclass
class Rendered:
    embed: discord.Embed | None
    view: discord.ui.View | None
    files: list[discord.File] = field(default_factory=list)

    def message_kwargs(self, *, clear: bool = False) -> dict[str, Any]:
        """Keyword arguments for ``send``/``send_message``; ``clear`` also removes old buttons (edits)."""
        kwargs: dict[str, Any] = {"allowed_mentions": discord.AllowedMentions.none()}
        if self.embed is not None:
            kwargs["embed"] = self.embed
        elif clear:
            kwargs["embed"] = None
        if self.view is not None or clear:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        if self.embed is None and not self.files:
            kwargs["content"] = BLANK
        return kwargs


def render(reply: Reply) -> Rendered:
    return Rendered(embed_for(reply), view_for(reply), files_for(reply))


def plain_kwargs(reply: Reply) -> dict[str, Any]:
    """The fallback when Discord refuses the embed: the reply's text as a plain message (2000 characters)."""
    text = reply.plain_text() or BLANK
    return {"content": text if len(text) <= CONTENT_LIMIT else text[: CONTENT_LIMIT - 1] + "…",
            "allowed_mentions": discord.AllowedMentions.none()}
