"""The welcome on join and on a first /start: identity, this week's rituals, the checklist; the fallback once."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.platform import Place
from bot.secrets import Secrets
from storage.models import OnboardingMember
from tests.cogs.onboarding.conftest import Rig, discord_user, telegram_user
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform


async def test_join_sends_the_welcome_by_dm(rig: Rig) -> None:
    nelly = discord_user("nelly", "41771983423143937")
    await rig.join(nelly)
    [dm] = [s for s in rig.community.discord.sent if s.kind == "dm"]
    assert dm.target == nelly.user_id and dm.reply is not None
    text = dm.reply.plain_text()
    assert dm.reply.title == "Welcome to Our Community, Nelly!"
    assert "Welcome to the inner circle — here's what that means" in text
    assert "Rituals you can join this week: Weekly Wins — Monday 10:00" in text
    assert "Your first steps (0 of 4):" in text and "⬜ Introduce yourself in #intros" in text
    assert "/dm off" in text
    # Nothing in any channel: the DM arrived.
    assert [s for s in rig.community.discord.sent if s.kind == "send"] == []


async def test_closed_dms_fall_back_to_one_mention_in_the_welcome_channel(rig: Rig) -> None:
    nelly = discord_user("nelly", "41771983423143937")
    rig.community.discord.closed_dms.add(nelly.user_id)
    await rig.join(nelly)
    await rig.join(nelly)  # a replayed join (or a rejoin) never welcomes twice
    [post] = [s for s in rig.community.discord.sent if s.kind == "send"]
    assert post.target == "discord:700" and post.reply is not None
    assert "Welcome, <@41771983423143937>! I couldn't message you privately" in post.reply.text
    async with rig.hearth.database.session() as session:
        row = await session.get(OnboardingMember, await rig.hearth.members.find(nelly))
    assert row is not None and row.welcome_via == "fallback" and row.fallback_at is not None


async def test_telegram_fallback_goes_to_the_group_joined_with_an_at_mention(rig: Rig) -> None:
    ann = telegram_user("ann_tg", "5551")
    rig.community.telegram.closed_dms.add("5551")
    await rig.join(ann)
    [post] = [s for s in rig.community.telegram.sent if s.kind == "send"]
    assert post.target == "telegram:-1001"  # no telegram welcome channel configured: the group they joined
    assert post.reply is not None and "Welcome, @ann_tg!" in post.reply.text


async def test_bots_are_not_welcomed(rig: Rig) -> None:
    await rig.join(user("helper_bot", "discord", bot=True))
    assert rig.community.discord.sent == []


async def test_first_private_start_is_the_welcome_then_progress(rig: Rig) -> None:
    ann = telegram_user("ann", "5551")
    first = await rig.text(ann, "/start", private=True)
    assert "Welcome to Our Community, Ann!" in first and "Weekly Wins — Monday 10:00" in first
    again = await rig.text(ann, "/start", private=True)
    assert "Your first steps" in again and "0 of 4 done" in again and "Welcome to" not in again
    # Joining the group later doesn't welcome a second time.
    await rig.join(ann)
    assert [s for s in rig.community.telegram.sent if s.kind in ("dm", "send")] == []


async def test_start_in_a_group_is_a_private_welcome(rig: Rig) -> None:
    outcome = await rig.community.chat("telegram").command(telegram_user("ann", "5551"), "/start")
    [reply] = outcome.replies
    assert reply.private and reply.title == "Welcome to Our Community, Ann!"


async def test_private_start_shows_the_welcome_a_blocked_dm_never_delivered(rig: Rig) -> None:
    ann = telegram_user("ann", "5551")
    rig.community.telegram.closed_dms.add("5551")
    await rig.join(ann)
    # They saw the mention, opened the chat and pressed Start: now they get the whole welcome.
    assert "Welcome to Our Community, Ann!" in await rig.text(ann, "/start", private=True)
    async with rig.hearth.database.session() as session:
        via = await session.scalar(select(OnboardingMember.welcome_via))
    assert via == "start"


async def test_deep_links_still_route_with_onboarding_enabled(rig: Rig) -> None:
    alice_d, alice_t = discord_user("alice", "1"), telegram_user("alice_t", "2")
    issued = await rig.text(alice_d, "/link")
    code = issued.splitlines()[1].strip()
    assert "Linked!" in await rig.text(alice_t, f"/start link_{code}", private=True)


async def test_without_onboarding_plain_start_is_the_help_greeting(make_config: Callable[..., HearthConfig],
                                                                   secrets: Secrets, clock: ManualClock) -> None:
    hearth = Hearth(make_config('[cogs]\nenabled = ["help", "profile"]\n'), secrets, clock=clock)
    await hearth.start(web=False)
    try:
        chat = Chat(hearth, MemoryPlatform(), Place("memory", "dm1", is_private=True))
        assert "Type /help to start" in await chat.text(user("ann"), "/start")
    finally:
        await hearth.stop()
