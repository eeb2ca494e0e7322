"""Tiers and badges through the real adapters: a Discord role grant and a Telegram invite link, on the emulators."""

from __future__ import annotations

import base64
import itertools
import ssl
from collections.abc import AsyncIterator, Callable

import pytest

from bot.adapters.discord import DiscordAdapter
from bot.adapters.telegram import TelegramAdapter
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.platform import PlatformUser
from bot.secrets import Secrets
from cogs.badges.cog import BadgesCog
from cogs.points.engine import Award
from cogs.tiers.cog import TiersCog
from tests.bot.adapters.telegram.support import ALICE, GROUP, FakeTime
from tests.emulators import discord_payloads as p
from tests.emulators.discord import DiscordEmulator
from tests.emulators.telegram import TelegramEmulator

DISCORD_TOKEN = base64.b64encode(p.BOT_ID.encode()).decode().rstrip("=") + ".GfAkE0.emulator-token-not-real"
ROLE_PATH = rf"/guilds/{p.GUILD_ID}/members/{p.NELLY_ID}/roles/{p.TIER_ROLE_ID}"
GATED = -1005550001111
_keys = itertools.count(1)


def ladder(platform: str, role_id: str, announce: str) -> str:
    return f'''
[badges]
disabled = ["founding_member"]
announce_channel = "{announce}"
[[tiers.levels]]
key = "member"
name = "Member"
when = "points >= 0"
[[tiers.levels]]
key = "inner_circle"
name = "Inner Circle"
when = "points >= 2000"
message = "Welcome to the Inner Circle, {{member}} — here's what that means: a private space with the team."
roles = {{{platform} = "{role_id}"}}
'''


async def promote(hearth: Hearth, who: PlatformUser, points: int) -> None:
    """Award points, then run the tiers and badges batches as their jobs would."""
    member_id = await hearth.members.resolve(who)
    # Ten approved posts (the Content Creator badge), worth ``points`` together.
    for n in range(10):
        await hearth.points.award(Award(member_id, "ugc_post", points if n == 0 else 0, f"test:{next(_keys)}",
                                        hearth.clock.now()))
    tiers = next(c for c in hearth.cogs if isinstance(c, TiersCog))
    badges = next(c for c in hearth.cogs if isinstance(c, BadgesCog))
    await tiers.service.evaluate_pending()
    await badges.service.evaluate_pending()


@pytest.fixture
async def discord_app(make_config: Callable[..., HearthConfig], clock: ManualClock) -> AsyncIterator[
        tuple[Hearth, DiscordEmulator]]:
    emulator = await DiscordEmulator().start()
    config = make_config(f"[discord]\nguild_ids = [{p.GUILD_ID}]\n"
                         + ladder("discord", p.TIER_ROLE_ID, f"discord:{p.CHANNEL_ID}"))
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", discord_token=DISCORD_TOKEN), clock=clock)
    adapter = DiscordAdapter(hearth.adapter_deps, environ=emulator.environ, reconnect=False,
                             guild_ready_timeout=0.01)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator
    await hearth.stop()
    await emulator.close()


async def test_discord_promotion_grants_the_tier_role_through_the_member_role_endpoint(
        discord_app: tuple[Hearth, DiscordEmulator]) -> None:
    hearth, emulator = discord_app
    nelly = PlatformUser("discord", p.NELLY_ID, "Nelly", "nelly")
    await promote(hearth, nelly, 1500)
    assert emulator.sent("PUT", ROLE_PATH) == []
    await promote(hearth, nelly, 600)
    put = emulator.sent("PUT", ROLE_PATH)
    assert len(put) == 1 and put[0].headers["X-Audit-Log-Reason"] == "You reached the Inner Circle tier."
    member = next(m for m in emulator.guild["members"] if m["user"]["id"] == p.NELLY_ID)
    assert p.TIER_ROLE_ID in member["roles"]
    # The welcome went by DM.
    assert str(emulator.sent("POST", "/users/@me/channels")[0].json["recipient_id"]) == p.NELLY_ID
    welcome = [r.json for r in emulator.sent("POST", r"/channels/\d+/messages")
               if "Inner Circle" in str(r.json.get("embeds"))]
    assert "here's what that means" in welcome[0]["embeds"][0]["description"]
    # The Content Creator badge (10 ugc posts) is announced in the configured channel.
    posted = [r.json["embeds"][0]["description"] for r in emulator.sent("POST", rf"/channels/{p.CHANNEL_ID}/messages")]
    assert posted == ["Nelly earned 🎨 Content Creator — 10 approved UGC posts!"]


@pytest.fixture
async def telegram_app(make_config: Callable[..., HearthConfig], clock: ManualClock) -> AsyncIterator[
        tuple[Hearth, TelegramEmulator]]:
    emulator = TelegramEmulator()
    await emulator.start()
    emulator.add_chat(GROUP)
    emulator.users[ALICE["id"]] = ALICE
    config = make_config(f'[telegram]\nbase_url = "{emulator.base_url}"\n'
                         + ladder("telegram", str(GATED), f"telegram:{GROUP['id']}"))
    hearth = Hearth(config, Secrets(instance=b"test-instance-secret", telegram_token=emulator.token), clock=clock)
    fake_time = FakeTime()
    adapter = TelegramAdapter(hearth.adapter_deps, ssl_context=ssl.create_default_context(), sleep=fake_time.sleep,
                              monotonic=fake_time.monotonic)
    await hearth.start(web=False, adapters=[adapter])
    yield hearth, emulator
    await hearth.stop()
    await emulator.stop()


async def test_telegram_promotion_dms_a_one_time_invite_to_the_gated_chat_and_badges_are_announced(
        telegram_app: tuple[Hearth, TelegramEmulator]) -> None:
    hearth, emulator = telegram_app
    alice = PlatformUser("telegram", str(ALICE["id"]), "Alice", ALICE["username"])
    await promote(hearth, alice, 2100)
    link = emulator.calls_to("createChatInviteLink")
    assert len(link) == 1 and link[0].params["chat_id"] == GATED and link[0].params["member_limit"] == 1
    dms = [c.params for c in emulator.calls_to("sendMessage") if c.params["chat_id"] == ALICE["id"]]
    invite = next(dm for dm in dms if "reply_markup" in dm)
    assert invite["reply_markup"]["inline_keyboard"][0][0]["url"] == link[0].result["invite_link"]
    assert any("Welcome to the Inner Circle, Alice" in dm["text"] for dm in dms)
    # The Content Creator badge (10 ugc posts) is announced in the group.
    group = [c.params["text"] for c in emulator.calls_to("sendMessage") if c.params["chat_id"] == GROUP["id"]]
    assert any("Alice earned 🎨 Content Creator" in text for text in group)
