"""Badges through the kit: earned in batches off the hot path, announced, shown, recomputed, merged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, select

from bot.kit.events import BadgeEarned, MessagePosted, PointsAwarded, ReactionAdded
from bot.kit.platform import MessageRef
from cogs.badges.facts import RitualStreaks
from cogs.badges.service import reaction_post
from storage.database import Database
from storage.models import MemberBadge, Ritual, RitualStreak
from tests.cogs.badges.rig import GENERAL, RigFactory
from tests.support.harness import user

# Every member of a fresh test community is among its first 100: switched off where it would get in the way.
BASE = '[badges]\ndisabled = ["founding_member"]\n'
ANNOUNCE = BASE + 'announce_channel = "memory:general"\n'


async def badges_of(database: Database, member_id: int) -> set[str]:
    async with database.session() as session:
        return set(await session.scalars(select(MemberBadge.badge).where(MemberBadge.member_id == member_id)))


async def test_count_badge_is_granted_in_a_batch_announced_published_and_shown(make_rig: RigFactory) -> None:
    rig = await make_rig(ANNOUNCE)
    alice = user("alice")
    alice_id = await rig.award(alice, "ugc_post", 50, times=9)
    await rig.settle()
    assert await badges_of(rig.hearth.database, alice_id) == set()
    await rig.award(alice, "ugc_post", 50)
    # The hot path only marked her: nothing is evaluated until the batch runs.
    assert alice_id in rig.badges.dirty and await badges_of(rig.hearth.database, alice_id) == set()
    await rig.settle()
    assert await badges_of(rig.hearth.database, alice_id) == {"content_creator"}
    assert [(e.member_id, e.badge) for e in rig.of(BadgeEarned)] == [(alice_id, "content_creator")]
    announced = [s for s in rig.platform.sent if s.kind == "send" and "earned" in s.reply.plain_text()]
    assert [s.target for s in announced] == ["memory:general"]
    assert "Alice earned 🎨 Content Creator — 10 approved UGC posts!" in announced[0].reply.plain_text()
    # Evaluated again (more posts): no second grant, no second announcement.
    await rig.award(alice, "ugc_post", 50)
    await rig.settle()
    assert len(rig.of(BadgeEarned)) == 1 and len([s for s in rig.platform.sent if s.kind == "send"]) == 1
    profile = await rig.say(alice, "/profile")
    assert "Badges: 🎨 Content Creator" in profile


async def test_evaluation_runs_as_a_scheduled_job_not_on_the_hot_path(make_rig: RigFactory) -> None:
    rig = await make_rig()
    for job_id in ("badges-evaluate", "tiers-evaluate"):
        job = rig.hearth.scheduler.get_job(job_id)
        assert job is not None and job.trigger.interval.total_seconds() == 5.0
    bob_id = await rig.member(user("bob"))
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    engine = rig.hearth.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        now = rig.hearth.clock.now()
        for n in range(1000):
            await rig.hearth.bus.publish(PointsAwarded(member_id=bob_id, rule="reaction_given", amount=2,
                                                       source_key=f"memory:reaction:general:{n}:carol", at=now))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # A thousand awards reached badges and tiers: not one query, only the sets grew.
    assert statements == []
    assert rig.badges.dirty == {bob_id} and rig.tiers.dirty == {bob_id} and len(rig.badges.dirty_posts) == 1000
    await rig.badges_cog._tick()  # what the scheduler calls
    await rig.tiers_cog._tick()
    assert rig.badges.dirty == set() and rig.badges.dirty_posts == set() and rig.tiers.dirty == set()


async def test_trendsetter_goes_to_the_author_of_a_post_with_enough_distinct_reactors(make_rig: RigFactory) -> None:
    rig = await make_rig(BASE + '[badges.definitions.trendsetter]\nname = "Trendsetter"\nwhen = "post_reactors >= 3"\n')
    alice = user("alice")
    message = MessageRef(GENERAL, "m1")
    now = rig.hearth.clock.now()
    await rig.hearth.bus.publish(MessagePosted(message=message, author=alice, text="My new pour-over setup!",
                                               at=now))
    for name in ("bob", "carol"):
        await rig.hearth.bus.publish(ReactionAdded(message, user(name), "🔥", now))
    await rig.settle()
    alice_id = await rig.member(alice)
    assert await badges_of(rig.hearth.database, alice_id) == set()
    await rig.hearth.bus.publish(ReactionAdded(message, user("bob"), "❤️", now))  # same reactor again
    await rig.hearth.bus.publish(ReactionAdded(message, user("dave"), "🔥", now))
    await rig.settle()
    # Alice earned no points from the reactions: the reactions' posts brought her in.
    assert await badges_of(rig.hearth.database, alice_id) == {"trendsetter"}
    assert reaction_post("telegram:reaction:-1001:55:42") == "telegram:-1001:55"
    assert reaction_post("memory:message:general:1") is None


async def test_points_tier_history_and_streak_conditions(make_rig: RigFactory) -> None:
    rig = await make_rig('[badges.definitions.regular]\nname = "Regular"\nwhen = "points >= 100"\n'
                         '[badges.definitions.insider]\nname = "In"\nwhen = "tier(insider) reached"\n'
                         '[badges.definitions.early]\nname = "Early"\nwhen = "joined before 2026-01-06"\n'
                         '[badges.definitions.first_two]\nname = "First two"\nwhen = "among first 2 members"\n'
                         '[badges.definitions.streaker]\nname = "Streaker"\nwhen = "streak(monday_wins) >= 3 weeks"\n')
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    alice_id = await rig.award(alice, "message", 100)
    bob_id = await rig.award(bob, "message", 600)
    rig.hearth.clock.advance(datetime(2026, 1, 7, tzinfo=UTC) - rig.hearth.clock.now())
    carol_id = await rig.award(carol, "message", 1)
    # The rituals feature's streak rows (what RitualStreaks reads): bob has had a 3-week run.
    async with rig.hearth.database.session() as session, session.begin():
        ritual = await session.scalar(select(Ritual).where(Ritual.key == "monday_wins"))
        assert ritual is not None
        session.add(RitualStreak(ritual_id=ritual.id, member_id=bob_id, current=0, best=3, last_number=3))
    assert isinstance(rig.badges.gatherer.streaks, RitualStreaks)
    await rig.settle()
    db = rig.hearth.database
    assert await badges_of(db, alice_id) == {"regular", "early", "first_two", "founding_member"}
    # Bob reached Insider (tiers batch) and so the tier badge, on the same settle: TierChanged marked him.
    assert await badges_of(db, bob_id) == {"regular", "insider", "early", "first_two", "streaker", "founding_member"}
    assert await badges_of(db, carol_id) == {"founding_member"}


async def test_badges_lists_earned_ones_and_how_to_earn_the_rest(make_rig: RigFactory) -> None:
    rig = await make_rig(BASE)
    alice = user("alice")
    await rig.award(alice, "peer_help", 40, times=12)
    await rig.award(alice, "ugc_post", 50, times=10)
    await rig.settle()
    text = await rig.say(alice, "/badges")
    assert "Alice — badges" in text and "Earned (1)" in text
    assert "🎨 Content Creator — 5 Jan 2026" in text
    assert "🤝 Helpful Member: 50 peer helps (/thanks from other members) — 12 / 50 peer help awards" in text
    assert "🏆 Champion: win a season" in text
    bob = user("bob")
    await rig.member(bob)
    other = await rig.say(alice, "/badges @bob", mentions=(bob,))
    assert "Bob — badges" in other and "Earned (0): None yet." in other and "🎨 Content Creator: 10" in other
    assert "Bots don't earn badges" in await rig.say(alice, "/badges @robot", mentions=(user("robot", bot=True),))
    assert "hasn't taken part" in await rig.say(alice, "/badges @zed", mentions=(user("zed"),))


async def test_recompute_after_a_rule_change_grants_quietly_and_revokes_only_when_asked(
        make_rig: RigFactory, caplog: pytest.LogCaptureFixture) -> None:
    rig = await make_rig('[badges]\nannounce_channel = "memory:general"\n[badges.definitions.content_creator]\n'
                         'name = "Creator"\nwhen = "count(ugc_post) >= 5"\n')
    alice, bob, carol = user("alice"), user("bob"), user("carol")
    alice_id = await rig.award(alice, "ugc_post", times=5)
    bob_id = await rig.award(bob, "ugc_post", times=3)
    await rig.award(carol, "message")
    await rig.settle()
    assert await badges_of(rig.hearth.database, alice_id) == {"content_creator", "founding_member"}
    # The brand changes the rule: 3 posts now. A restart alone changes nobody's badges...
    rig = await make_rig(ANNOUNCE + '[badges.definitions.content_creator]\nname = "Creator"\n'
                                    'when = "count(ugc_post) >= 3"\n')
    assert await badges_of(rig.hearth.database, bob_id) == {"founding_member"}
    rig.badges.batch_size = 2
    sent_before = len(rig.platform.sent)
    reply = await rig.mod("/mod badges recompute")
    # Four members: the moderator running the command is one too.
    assert "Checked 4 members in" in reply and "Granted 1 badges: 🏅 Creator 1." in reply
    assert "Nothing was revoked; add `revoke`" in reply
    assert "badges recompute: 2/4 members" in caplog.text
    assert "badges recompute: 4/4 members, 1 granted" in caplog.text
    assert await badges_of(rig.hearth.database, bob_id) == {"content_creator", "founding_member"}
    assert len(rig.platform.sent) == sent_before  # quiet: a rule change doesn't flood the channel
    assert [e.badge for e in rig.of(BadgeEarned)] == ["content_creator"]
    # ... and a stricter rule only takes badges back with the flag.
    rig = await make_rig(BASE + '[badges.definitions.content_creator]\nname = "Creator"\n'
                                'when = "count(ugc_post) >= 4"\n')
    assert "Revoked" not in await rig.mod("/mod badges recompute")
    assert await badges_of(rig.hearth.database, bob_id) == {"content_creator", "founding_member"}
    reply = await rig.mod("/mod badges recompute revoke")
    assert "Revoked 4" in reply and "🏅 Creator 1" in reply and "🏅 Founding Member 3" in reply
    assert await badges_of(rig.hearth.database, bob_id) == set()
    assert await badges_of(rig.hearth.database, alice_id) == {"content_creator"}
    assert "is for moderators only" in await rig.say(alice, "/mod badges recompute")


async def test_season_winner_gets_the_champion_badge_at_the_season_end(make_rig: RigFactory) -> None:
    rig = await make_rig(ANNOUNCE)
    await rig.mod("/mod season start Spring")
    alice_id = await rig.award(user("alice"), "message", 30)
    await rig.award(user("bob"), "message", 10)
    await rig.settle()
    assert "champion" not in await badges_of(rig.hearth.database, alice_id)
    await rig.mod("/mod season end")
    # No batch needed: the season's end evaluates the winner at once.
    assert "champion" in await badges_of(rig.hearth.database, alice_id)
    assert any("Alice earned 🏆 Champion" in text for text in rig.platform.texts("send"))


async def test_linking_accounts_keeps_every_badge_on_one_member(make_rig: RigFactory) -> None:
    rig = await make_rig()
    alice, alice_tg = user("alice"), user("alice", platform="telegram")
    alice_id = await rig.award(alice, "ugc_post", times=10)
    other_id = await rig.award(alice_tg, "peer_help", times=50)
    await rig.settle()
    code, _ = await rig.hearth.members.issue_link_code(alice_id)
    await rig.hearth.members.redeem_link_code(other_id, code)
    await rig.settle()
    assert await badges_of(rig.hearth.database, alice_id) == {"content_creator", "helpful_member", "founding_member"}
    assert await badges_of(rig.hearth.database, other_id) == set()


@pytest.mark.allow_errors
async def test_a_failing_evaluation_is_logged_and_retried_later(make_rig: RigFactory,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    rig = await make_rig()
    alice_id = await rig.award(user("alice"), "ugc_post", times=10)
    real = rig.badges.gatherer.gather

    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database away")

    rig.badges.gatherer.gather = broken  # type: ignore[method-assign]
    await rig.badges_cog._tick()
    caplog.set_level(logging.INFO)
    assert "badge evaluation failed" in caplog.text
    rig.badges.gatherer.gather = real  # type: ignore[method-assign]
    await rig.award(user("alice"), "ugc_post")
    await rig.settle()
    assert "content_creator" in await badges_of(rig.hearth.database, alice_id)
