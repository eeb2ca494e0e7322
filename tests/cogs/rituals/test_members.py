"""Members' side: /rituals in their timezone, /remindme ritual DMs, RSVP, co-hosts and the monthly roundup."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.kit.commands import Permission
from bot.kit.platform import Place, PlatformUser
from tests.cogs.rituals.conftest import GENERAL, MOD, Rig, RigFactory
from tests.support.harness import user

ALICE, BOB = user("alice"), user("bob")


def at(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


async def press(rig: Rig, who: PlatformUser, action: str) -> str:
    outcome = await rig.hearth.dispatcher.dispatch_action(rig.platform, who, GENERAL, Permission.MEMBER, action)
    return "\n".join(reply.plain_text() for reply in outcome.replies)


async def test_rituals_lists_whats_on_in_the_members_timezone(rig: Rig) -> None:
    assert "No rituals are running right now" in await rig.chat.text(ALICE, "/rituals")
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here')
    listing = await rig.chat.text(ALICE, "/rituals")
    assert "Rituals — times in UTC" in listing and "Mondays at 10:00 (UTC)" in listing
    assert "Next: Mon 5 Jan, 10:00" in listing
    assert "Office Hours" not in listing  # shipped disabled
    paris = await rig.chat.text(ALICE, "/rituals tz Europe/Paris")
    assert "Times are shown in Europe/Paris from now on." in paris and "Next: Mon 5 Jan, 11:00" in paris
    assert "Next: Mon 5 Jan, 11:00" in await rig.chat.text(ALICE, "/rituals")  # remembered
    assert "Next: Mon 5 Jan, 10:00" in await rig.chat.text(BOB, "/rituals")  # community default for others
    refused = await rig.chat.text(ALICE, "/rituals Mars/Olympus")
    assert "'Mars/Olympus' isn't an IANA timezone: use e.g. Europe/Berlin" in refused
    await rig.tick(at(5, 10))
    assert "🟢 Open now" in await rig.chat.text(ALICE, "/rituals")


async def test_remindme_ritual_dms_before_each_occurrence(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here')
    assert "has no reminder time set" in await rig.chat.text(ALICE, "/remindme ritual weekly_wins")
    await rig.mod("/mod ritual edit weekly_wins remind 15m")
    assert "I'll DM you 15 minutes before each Weekly Wins" in await rig.chat.text(ALICE,
                                                                                   "/remindme ritual weekly_wins")
    await rig.chat.text(ALICE, "/rituals tz Europe/Paris")
    assert "You get reminders for: Weekly Wins" in await rig.chat.text(ALICE, "/remindme ritual")
    assert "no running ritual called 'nope'" in await rig.chat.text(ALICE, "/remindme ritual nope")
    assert (await rig.tick(at(5, 9, 44))).reminded == 0
    assert (await rig.tick(at(5, 9, 45))).reminded == 1
    assert (await rig.tick(at(5, 9, 50))).reminded == 0  # once per occurrence
    dm = rig.sent("dm")
    assert len(dm) == 1 and dm[0].target == "alice"
    assert "⏰ Weekly Wins starts in 15 minutes" in dm[0].reply.plain_text()
    assert "Mon 5 Jan, 11:00 (Europe/Paris)" in dm[0].reply.plain_text()
    assert "No more reminders" in await rig.chat.text(ALICE, "/remindme ritual weekly_wins off")
    assert "weren't getting" in await rig.chat.text(ALICE, "/remindme ritual weekly_wins off")
    await rig.tick(at(12, 9, 45))
    assert len(rig.sent("dm")) == 1


async def test_office_hours_rsvp_and_reminder_to_rsvps(rig: Rig) -> None:
    await rig.mod("/mod ritual edit office_hours channels here")
    assert "Office Hours is back on" in await rig.mod("/mod ritual resume office_hours")
    # Wednesdays 17:00, announced a day ahead with an RSVP button.
    assert (await rig.tick(at(6, 16, 59))).posted == []
    assert len((await rig.tick(at(6, 17))).posted) == 1
    prompt = rig.prompts("Office Hours")[0].reply
    assert prompt is not None and "live on Wed 7 Jan at 17:00" in prompt.text
    action = prompt.choices[0].action
    assert prompt.choices[0].label == "I'll be there" and action.startswith("ritual:rsvp:")
    answer = await press(rig, BOB, action)
    assert "You're in for Office Hours, Wed 7 Jan, 17:00. I'll DM you 15 minutes before." in answer
    assert "already on the list" in await press(rig, BOB, action)
    assert "expired" in await press(rig, BOB, "ritual:bogus")
    await rig.tick(at(7, 16, 45))
    dm = rig.sent("dm")
    assert [d.target for d in dm] == ["bob"] and "Office Hours starts in 15 minutes" in dm[0].reply.plain_text()
    rig.clock.set(at(7, 17, 5))
    assert "already started" in await press(rig, ALICE, action)
    await rig.tick(at(7, 18))  # open for an hour
    assert "is over" in await press(rig, ALICE, action)


async def test_cohosts_rotate_and_the_prompt_mentions_them(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here Co-host this week: {cohost}.')
    add = "/mod ritual cohost weekly_wins @{}"
    answer = await rig.chat.text(MOD, add.format("alice"), role=Permission.MODERATOR, mentions=(ALICE,))
    assert "Weekly Wins now has 1 co-host." in answer
    answer = await rig.chat.text(MOD, add.format("bob"), role=Permission.MODERATOR, mentions=(BOB,))
    assert "2 co-hosts. They take turns" in answer
    assert "already co-hosts" in await rig.chat.text(MOD, add.format("bob"), role=Permission.MODERATOR,
                                                     mentions=(BOB,))
    await rig.tick(at(5, 10))
    await rig.tick(at(12, 10))
    await rig.tick(at(19, 10))
    texts = [s.reply.text for s in rig.prompts("Weekly Wins") if s.reply]
    assert texts == ["Co-host this week: Alice.", "Co-host this week: Bob.", "Co-host this week: Alice."]
    assert rig.prompts("Weekly Wins")[0].reply.fields[0].value == "Alice"
    answer = await rig.chat.text(MOD, add.format("alice") + " remove", role=Permission.MODERATOR, mentions=(ALICE,))
    assert "1 co-host" in answer


async def test_monthly_roundup_of_the_top_recaps(make_rig: RigFactory) -> None:
    rig = await make_rig('[rituals]\nroundup_channels = ["memory:announcements"]\n')
    await rig.mod('/mod ritual create "Weekly Wins" "mon 10:00" here')
    for day in (5, 12, 19, 26):
        await rig.tick(at(day, 10))
        thread = rig.sent("thread")[-1]
        for name in ("alice", "bob", "carol")[: 1 + day % 3]:
            await rig.say(user(name), f"My win number {day} from {name}",
                          place=Place("memory", "general", thread_id=f"t{thread.target}"))
        await rig.tick(at(day + 1, 10))
    assert [s for s in rig.sent() if s.target == "memory:announcements"] == []
    await rig.tick(at(1, 0, 5, month=2))
    await rig.tick(at(1, 1, 0, month=2))
    roundup = [s for s in rig.sent() if s.target == "memory:announcements"]
    assert len(roundup) == 1
    text = roundup[0].reply.plain_text()
    assert "🏅 Community wins — January 2026" in text
    assert "Weekly Wins (week 2) — 3 members, 3 posts" in text and "Weekly Wins (week 5) — 3 members" in text
    assert "Weekly Wins (week 4) — 2 members" in text and "(week 3)" not in text  # the top three only
