"""Points through the kit: chat activity, anti-farming, thanks, moderator grants, leaderboards, seasons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import Hearth
from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted, ReactionAdded, ReactionRemoved
from bot.kit.platform import MessageRef, Place, PlatformUser
from storage.models import LedgerEntry, PostStats
from tests.support.harness import Chat, user

GENERAL = Place(platform="memory", chat_id="general", guild_id="g1")
_ids = iter(range(1, 10**9))


async def post(hearth: Hearth, who: PlatformUser, text: str, *, message_id: str | None = None,
               reply_to: MessageRef | None = None) -> MessageRef:
    ref = MessageRef(GENERAL, message_id or str(next(_ids)))
    await hearth.bus.publish(MessagePosted(message=ref, author=who, text=text, at=hearth.clock.now(),
                                           reply_to=reply_to))
    return ref


async def points_of(hearth: Hearth, who: PlatformUser) -> int:
    await hearth.points.flush()
    member_id = await hearth.members.find(who)
    return hearth.points.ranks.points(member_id) if member_id else 0


async def test_message_earns_and_anti_farming_applies(hearth: Hearth, clock: ManualClock) -> None:
    alice = user("alice")
    await post(hearth, alice, "Just pulled my best espresso shot yet!")
    assert await points_of(hearth, alice) == 1
    await post(hearth, alice, "another good long message here")  # within the 60 s cooldown
    assert await points_of(hearth, alice) == 1
    clock.advance(timedelta(minutes=2))
    await post(hearth, alice, "ok")  # too short
    await post(hearth, alice, "Just pulled my BEST espresso shot yet!!")  # near-duplicate
    assert await points_of(hearth, alice) == 1
    await post(hearth, alice, "Has anyone tried the new oat milk blend?")
    assert await points_of(hearth, alice) == 2


async def test_bots_earn_nothing(hearth: Hearth) -> None:
    robot = user("robot", bot=True)
    await post(hearth, robot, "I am a bot posting a long message")
    assert await points_of(hearth, robot) == 0


async def test_gateway_replay_counts_once(hearth: Hearth, clock: ManualClock) -> None:
    alice = user("alice")
    await post(hearth, alice, "a message long enough to earn", message_id="m1")
    clock.advance(timedelta(minutes=5))
    hearth.points.rules._recent.clear()
    await post(hearth, alice, "a message long enough to earn", message_id="m1")
    assert await points_of(hearth, alice) == 1
    async with hearth.database.session() as session:
        assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == 1


async def test_daily_cap_limits_comments(hearth: Hearth, clock: ManualClock) -> None:
    alice, bob = user("alice"), user("bob")
    original = await post(hearth, bob, "Here is my brewing setup, feedback welcome")
    for n in range(15):
        clock.advance(timedelta(minutes=2))
        await post(hearth, alice, f"reply number {n} with some thoughts about grind size {n * 7}",
                   reply_to=original)
    assert await points_of(hearth, alice) == 100  # comment: 10 each, capped at 100 a day


async def test_reactions_count_once_not_on_own_posts_and_removal_reverses(hearth: Hearth) -> None:
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    message = await post(hearth, alice, "My latte art attempt number three")
    now = hearth.clock.now()
    await hearth.bus.publish(ReactionAdded(message, bob, "🔥", now))
    await hearth.bus.publish(ReactionAdded(message, bob, "❤️", now))  # second emoji: no second award
    await hearth.bus.publish(ReactionAdded(message, alice, "🔥", now))  # own post
    await hearth.bus.publish(ReactionAdded(message, carol, "🔥", now, message_author=alice))
    await hearth.bus.publish(ReactionAdded(message, user("bot", bot=True), "🔥", now))
    assert await points_of(hearth, bob) == 2 and await points_of(hearth, carol) == 2
    assert await points_of(hearth, alice) == 1
    async with hearth.database.session() as session:
        stats = await session.get(PostStats, "memory:general:" + message.message_id)
        assert stats is not None and stats.reactors == 2
    await hearth.bus.publish(ReactionRemoved(message, bob, "🔥", now))  # still has ❤️ on it
    assert await points_of(hearth, bob) == 2
    await hearth.bus.publish(ReactionRemoved(message, bob, "❤️", now))
    assert await points_of(hearth, bob) == 0
    await hearth.bus.publish(ReactionAdded(message, bob, "🔥", now))  # re-adding doesn't farm
    assert await points_of(hearth, bob) == 0


async def test_thanks_gives_peer_help_with_limits(chat: Chat) -> None:
    alice, bob = user("alice"), user("bob")
    text = await chat.text(alice, "/thanks @bob for the grinder tip", mentions=(bob,))
    assert "You thanked Bob (+40 points for them)" in text
    assert await points_of(chat.hearth, bob) == 40
    again = await chat.text(alice, "/thanks @bob", mentions=(bob,))
    assert "already thanked Bob" in again
    assert "can't thank yourself" in await chat.text(alice, "/thanks @alice", mentions=(alice,))
    robot = user("robot", bot=True)
    assert "Bots don't collect thanks" in await chat.text(alice, "/thanks @robot", mentions=(robot,))
    for name in ("c1", "c2", "c3", "c4"):
        target = user(name)
        assert "You thanked" in await chat.text(alice, f"/thanks @{name}", mentions=(target,))
    assert "daily limit" in await chat.text(alice, "/thanks @c9", mentions=(user("c9"),))


async def test_moderator_grant_and_revoke_are_audited_and_refuse_bad_input(chat: Chat) -> None:
    mod, bob = user("mod"), user("bob")
    grant = await chat.text(mod, "/mod points grant @bob 50 hosted the AMA", role=Permission.MODERATOR,
                            mentions=(bob,))
    assert "You gave 50 points to Bob" in grant and "They now have 50" in grant
    async with chat.hearth.database.session() as session:
        row = await session.scalar(select(LedgerEntry).where(LedgerEntry.rule == "moderator_grant"))
        assert row is not None and row.note == "hosted the AMA" and row.actor_member_id is not None
    assert "at least 1" in await chat.text(mod, "/mod points grant @bob -5 x", role=Permission.MODERATOR,
                                           mentions=(bob,))
    assert "at most 10000" in await chat.text(mod, "/mod points grant @bob 99999999 x",
                                              role=Permission.MODERATOR, mentions=(bob,))
    assert "can revoke at most that" in await chat.text(mod, "/mod points revoke @bob 60 spam",
                                                         role=Permission.MODERATOR, mentions=(bob,))
    robot = user("robot", bot=True)
    assert "Bots can't hold points" in await chat.text(mod, "/mod points grant @robot 5 x",
                                                       role=Permission.MODERATOR, mentions=(robot,))
    assert "They now have 30" in await chat.text(mod, "/mod points revoke @bob 20 spam",
                                                 role=Permission.MODERATOR, mentions=(bob,))
    refused = await chat.command(bob, "/mod points grant @bob 50 me", mentions=(bob,))
    assert refused.status == "refused"


async def test_leaderboard_profile_and_seasons(chat: Chat) -> None:
    mod, alice, bob = user("mod"), user("alice"), user("bob")
    for who, amount in ((alice, 120), (bob, 80)):
        await chat.text(mod, f"/mod points grant @{who.user_id} {amount} seed", role=Permission.MODERATOR,
                        mentions=(who,))
    board = await chat.text(alice, "/leaderboard")
    assert board.index("Alice — 120") < board.index("Bob — 80")
    assert "No season is running" in await chat.text(alice, "/leaderboard season")
    assert "Spring" in await chat.text(mod, "/mod season start Spring", role=Permission.MODERATOR)
    assert "still running" in await chat.text(mod, "/mod season start Again", role=Permission.MODERATOR)
    await chat.text(mod, "/mod points grant @bob 10 first of season", role=Permission.MODERATOR, mentions=(bob,))
    season = await chat.text(alice, "/leaderboard season")
    assert "Bob — 10" in season and "Alice" not in season
    profile = await chat.text(bob, "/profile")
    assert "Points: 90 (#2 of 2)" in profile and "This season: 10" in profile and "This week: 90" in profile
    ended = await chat.text(mod, "/mod season end", role=Permission.MODERATOR)
    assert "Season “Spring” is over" in ended and "1. Bob — 10" in ended
    assert "No season is running" in await chat.text(alice, "/leaderboard season")
    helpers = await chat.text(alice, "/leaderboard all helpers")
    assert "Nobody's on the board yet" in helpers


async def test_linking_moves_points_to_one_member(chat: Chat) -> None:
    mod, discord_alice, telegram_alice = user("mod"), user("alice", "discord"), user("alice_tg", "telegram")
    await chat.text(mod, "/mod points grant @alice 30 x", role=Permission.MODERATOR, mentions=(discord_alice,))
    await chat.text(mod, "/mod points grant @alice_tg 12 y", role=Permission.MODERATOR, mentions=(telegram_alice,))
    code = (await chat.text(discord_alice, "/link")).splitlines()[1].strip()
    await chat.text(telegram_alice, f"/link {code}")
    assert await points_of(chat.hearth, discord_alice) == 42
    assert "Points: 42" in await chat.text(telegram_alice, "/profile")
