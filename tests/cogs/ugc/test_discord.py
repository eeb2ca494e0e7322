"""/share through the real discord.py adapter against the loopback Discord emulator: an attachment option
becomes a submission, and the answer carries the preview and the consent buttons."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot.adapters.discord import DiscordAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.secrets import Secrets
from storage.models import UgcSubmission
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.support.growth import COGS

TOKEN = base64.b64encode(p.BOT_ID.encode()).decode().rstrip("=") + ".GfAkE0.emulator-token-not-real"
ATTACHMENT, TEXT = 11, 3


@pytest.fixture
async def discord_hearth(make_config: Callable[..., HearthConfig], clock: ManualClock
                         ) -> AsyncIterator[tuple[Hearth, DiscordEmulator]]:
    emulator = await DiscordEmulator().start()
    config = make_config(COGS + f"[discord]\nguild_ids = [{p.GUILD_ID}]\n")
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", discord_token=TOKEN), clock=clock)
    adapter = DiscordAdapter(hearth.adapter_deps, environ=emulator.environ, reconnect=False, guild_ready_timeout=0.01)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator
    await hearth.stop()
    await emulator.close()


def upload(filename: str, content_type: str, size: int) -> dict[str, object]:
    url = f"https://cdn.invalid/{filename}"
    return {"id": p.snowflake(), "filename": filename, "size": size, "url": url, "proxy_url": url,
            "content_type": content_type, "ephemeral": True}


async def test_share_with_an_attachment_through_discord(discord_hearth: tuple[Hearth, DiscordEmulator]) -> None:
    hearth, emulator = discord_hearth
    photo = upload("latte.png", "image/png", 51200)
    callback = await emulator.interact(p.slash("share", p.option("media", ATTACHMENT, photo["id"]),
                                               p.option("text", TEXT, "Sunday latte art"),
                                               resolved={"attachments": {photo["id"]: photo}}))
    embed = callback.json["data"]["embeds"][0]
    assert embed["title"] == "Thanks for sharing! 🙌" and embed["image"]["url"] == photo["url"]
    assert embed["description"].startswith("Sunday latte art")
    buttons = [c for row in callback.json["data"]["components"] for c in row["components"]]
    assert [b["label"] for b in buttons] == ["Yes, it may appear on the store", "Community only"]
    async with hearth.database.session() as session:
        [stored] = (await session.scalars(select(UgcSubmission))).all()
    assert (stored.media_url, stored.media_type, stored.text) == (photo["url"], "image/png", "Sunday latte art")

    manual = upload("manual.pdf", "application/pdf", 2048)
    refused = await emulator.interact(p.slash("share", p.option("media", ATTACHMENT, manual["id"]),
                                              resolved={"attachments": {manual["id"]: manual}}))
    assert "I can't take a pdf file" in refused.json["data"]["embeds"][0]["description"]
