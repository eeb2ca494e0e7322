"""What the points engine rebuilds at start: today's caps, ranks and the season, from the database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.events import MessagePosted
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.secrets import Secrets
from tests.support.harness import user

GENERAL = Place(platform="memory", chat_id="general", guild_id="g1")


async def comment(app: Hearth, who: PlatformUser, n: int) -> None:
    original = MessageRef(GENERAL, "original")
    await app.bus.publish(MessagePosted(message=MessageRef(GENERAL, f"reply-{n}"), author=who, at=app.clock.now(),
                                        text=f"reply {n}: my thoughts on grind size {n * 7} and {n * 13} ml water",
                                        reply_to=original))


async def test_a_restart_keeps_todays_cap_and_the_ranks(make_config: Callable[..., HearthConfig], secrets: Secrets,
                                                         clock: ManualClock) -> None:
    alice, bob = user("alice"), user("bob")
    first = Hearth(make_config(), secrets, clock=clock)
    await first.start(web=False)
    bob_id = await first.members.resolve(bob)
    await first.bus.publish(MessagePosted(message=MessageRef(GENERAL, "original"), author=bob, at=clock.now(),
                                          text="Here is my brewing setup, feedback welcome"))
    for n in range(8):  # comments: 10 points each, 100 a day
        clock.advance(timedelta(minutes=2))
        await comment(first, alice, n)
    await first.points.flush()
    alice_id = await first.members.resolve(alice)
    assert first.points.ranks.points(alice_id) == 80
    await first.stop()

    second = Hearth(make_config(), secrets, clock=clock)
    await second.start(web=False)
    try:
        assert second.points.ranks.points(alice_id) == 80
        assert second.points.ranks.rank(alice_id) == 1 and second.points.ranks.rank(bob_id) == 2
        for n in range(8, 12):
            clock.advance(timedelta(minutes=2))
            await comment(second, alice, n)
        await second.points.flush()
        assert second.points.ranks.points(alice_id) == 100  # only 20 of today's 100 were left after the restart
        clock.advance(timedelta(days=1))
        await comment(second, alice, 99)
        await second.points.flush()
        assert second.points.ranks.points(alice_id) == 110  # a new day, a new cap
    finally:
        await second.stop()
