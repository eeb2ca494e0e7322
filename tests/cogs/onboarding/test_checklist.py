"""The activation checklist: ticked by events and durable facts, across linked accounts, finished once."""

from __future__ import annotations

from bot.kit.events import Event, MemberActivated, PointsAwarded
from bot.kit.platform import Place
from tests.cogs.onboarding.conftest import INTRO, Rig, discord_user, telegram_user


def recorder(rig: Rig) -> list[Event]:
    seen: list[Event] = []

    async def record(event: Event) -> None:
        seen.append(event)

    rig.hearth.bus.subscribe(Event, record)
    return seen


async def test_items_tick_from_what_members_do(rig: Rig) -> None:
    ann, bob = discord_user("ann", "11"), discord_user("bob", "12")
    await rig.say(ann, "hello everyone", Place("discord", "500", guild_id="g1"))  # not the intro channel
    assert "0 of 4 done" in await rig.text(ann, "/checklist")
    await rig.say(ann, "Hi! I'm Ann, I roast coffee at home.", INTRO)
    await rig.react(ann, bob)
    member = await rig.hearth.members.find(ann)
    assert member is not None
    await rig.award(member, "ritual_participation", 20, "ritual:1:x")
    shown = await rig.text(ann, "/checklist")
    assert "3 of 4 done" in shown
    assert "✅ Introduce yourself in #intros" in shown and "✅ Take part in one ritual" in shown
    assert "✅ Give one reaction or /thanks" in shown and "⬜ Link your purchase with /claim" in shown
    assert "Finishing them all earns 50 points." in shown


async def test_a_topic_inside_a_configured_chat_counts_only_if_configured(rig: Rig) -> None:
    ann = telegram_user("ann", "21")
    await rig.say(ann, "hello", Place("telegram", "-1001", thread_id="8"))
    assert "0 of 4 done" in await rig.text(ann, "/checklist")
    await rig.say(ann, "hello, I'm Ann", Place("telegram", "-1001", thread_id="9"))
    assert "1 of 4 done" in await rig.text(ann, "/checklist")


async def test_finishing_awards_points_and_publishes_member_activated_once(rig: Rig) -> None:
    events = recorder(rig)
    ann, bob = discord_user("ann", "11"), discord_user("bob", "12")
    member = await rig.hearth.members.resolve(ann)
    await rig.link_order(member)
    await rig.award(member, "ritual_participation", 20, "ritual:1:ann")
    await rig.react(ann, bob)
    await rig.say(ann, "Hi, I'm Ann", INTRO)
    await rig.say(ann, "Hi again", INTRO)
    done = await rig.text(ann, "/checklist")  # the linked order is found from the orders table
    assert "All done, Ann" in done and "4 of 4" not in done
    await rig.text(ann, "/checklist")
    activated = [e for e in events if isinstance(e, MemberActivated)]
    assert [(e.member_id, e.via) for e in activated] == [(member, "checklist")]
    awards = [e for e in events if isinstance(e, PointsAwarded) and e.rule == "checklist_complete"]
    assert [(a.amount, a.source_key) for a in awards] == [(50, f"onboarding:checklist:{member}")]
    # The lifecycle hears it: the member is Activated at the next batch.
    changes = await rig.lifecycle.service.evaluate_pending()
    assert [(c.member_id, c.new_stage, c.reason) for c in changes] == [(member, "activated", "checklist done")]


async def test_thanks_ticks_the_giver_not_the_receiver(rig: Rig) -> None:
    ann, bob = discord_user("ann", "11"), discord_user("bob", "12")
    await rig.text(bob, "/profile")
    outcome = await rig.community.chat("discord").command(ann, "/thanks @bob for the grinder tip", mentions=(bob,))
    assert "You thanked Bob" in outcome.replies[0].plain_text()
    assert "✅ Give one reaction or /thanks" in await rig.text(ann, "/checklist")
    assert "⬜ Give one reaction or /thanks" in await rig.text(bob, "/checklist")


async def test_progress_adds_up_across_linked_accounts(rig: Rig) -> None:
    """Ann introduces herself on Discord and reacts on Telegram; once linked, it's one checklist."""
    ann_d, ann_t, bob_t = discord_user("ann", "11"), telegram_user("ann_t", "21"), telegram_user("bob_t", "22")
    await rig.say(ann_d, "Hi, I'm Ann from Lyon", INTRO)
    await rig.react(ann_t, bob_t)
    assert "1 of 4 done" in await rig.text(ann_t, "/checklist")
    code = (await rig.text(ann_d, "/link")).splitlines()[1].strip()
    assert "Linked!" in await rig.text(ann_t, f"/link {code}")
    on_telegram = await rig.text(ann_t, "/checklist")
    assert "2 of 4 done" in on_telegram
    assert "✅ Introduce yourself in #intros" in on_telegram and "✅ Give one reaction or /thanks" in on_telegram
    # After linking, either account ticks the one member's list.
    member = await rig.hearth.members.find(ann_t)
    assert member is not None
    await rig.award(member, "ritual_participation", 20, "ritual:2:ann")
    assert "3 of 4 done" in await rig.text(ann_d, "/checklist")


async def test_mod_member_and_profile_show_the_checklist(rig: Rig) -> None:
    ann = discord_user("ann", "11")
    await rig.join(ann)
    await rig.say(ann, "Hi, I'm Ann", INTRO)
    shown = await rig.text(ann, "/profile")
    assert "First steps (1 of 4)" in shown and "✅ Introduce yourself in #intros" in shown
