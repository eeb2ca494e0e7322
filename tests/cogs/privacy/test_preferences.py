"""``/privacy``: leaderboard visibility, DMs (one switch with ``/dm``) and proof-page display (opt-in)."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import Hearth
from bot.kit.commands import Permission
from bot.kit.events import Event
from cogs.privacy.preferences import Preferences, PreferencesChanged, PreferenceStore
from storage.models import SeasonResult
from tests.support.harness import Chat, user

ALICE, BOB, MOD = user("alice"), user("bob"), user("mod")


async def grant(chat: Chat, who: str, points: int) -> None:
    await chat.text(MOD, f"/mod points grant @{who} {points} for helping", role=Permission.MODERATOR,
                    mentions=(user(who),))


async def test_privacy_shows_the_defaults_and_explains_each_setting(chat: Chat) -> None:
    shown = await chat.command(ALICE, "/privacy")
    reply = shown.replies[0]
    assert reply.private and reply.title == "Your privacy settings"
    assert [(f.name, f.value.split(" — ")[0]) for f in reply.fields] == [("leaderboard", "on"), ("dms", "on"),
                                                                          ("proof", "off")]
    assert "never named on the public proof page" in reply.fields[2].value
    one = await chat.text(ALICE, "/privacy proof")
    assert one == "proof: off — never named on the public proof page. Change it with /privacy proof on."
    assert "Usage: /privacy" in await chat.text(ALICE, "/privacy proof maybe")


async def test_leaderboard_off_hides_the_member_but_not_from_the_records(chat: Chat, hearth: Hearth) -> None:
    await chat.text(MOD, "/mod season start Spring", role=Permission.MODERATOR)
    await grant(chat, "alice", 500)
    await grant(chat, "bob", 100)
    await hearth.points.flush()
    assert "Alice — 500" in await chat.text(BOB, "/leaderboard")
    changed: list[Event] = []

    async def record(event: Event) -> None:
        changed.append(event)

    hearth.bus.subscribe(PreferencesChanged, record)
    assert "hidden from leaderboards" in await chat.text(ALICE, "/privacy leaderboard off")
    assert changed == [PreferencesChanged(await hearth.members.find(ALICE) or 0,
                                          Preferences(leaderboard=False), hearth.clock.now())]
    for board in ("/leaderboard", "/leaderboard week", "/leaderboard season"):
        text = await chat.text(BOB, board)
        assert "Alice" not in text and "Bob — 100" in text
    # The season's record still knows she won (her badge depends on it); the announcement doesn't name her.
    ended = await chat.text(MOD, "/mod season end", role=Permission.MODERATOR)
    assert "Alice" not in ended and "1. Bob — 100" in ended
    async with hearth.database.session() as session:
        first = await session.scalar(select(SeasonResult.member_id).where(SeasonResult.rank == 1))
    assert first == await hearth.members.find(ALICE)
    await chat.text(ALICE, "/privacy leaderboard on")
    assert "Alice — 500" in await chat.text(BOB, "/leaderboard")


async def test_dm_and_privacy_dms_are_one_switch(chat: Chat, hearth: Hearth) -> None:
    assert "no DMs from me" in await chat.text(ALICE, "/privacy dms off")
    assert "off for you" in await chat.text(ALICE, "/dm")
    await chat.text(ALICE, "/dm on")
    assert (await chat.text(ALICE, "/privacy dms")).startswith("dms: on")
    await chat.text(ALICE, "/dm off")
    store = PreferenceStore(hearth.database)
    alice = await hearth.members.find(ALICE)
    assert alice is not None and await store.dms_blocked([alice, alice + 1000]) == {alice}


async def test_linked_accounts_keep_the_strictest_choice(chat: Chat, hearth: Hearth) -> None:
    discord, telegram = user("alice", "discord"), user("alice_tg", "telegram")
    await chat.text(discord, "/privacy proof on")
    await chat.text(telegram, "/privacy leaderboard off")
    code = (await chat.text(discord, "/link")).splitlines()[1].strip()
    await chat.text(telegram, f"/link {code}")
    member = await hearth.members.find(discord)
    assert member is not None and member == await hearth.members.find(telegram)
    # Hidden on one account → hidden; the proof opt-in was given on one account only → off until said again.
    assert await PreferenceStore(hearth.database).get(member) == Preferences(leaderboard=False, dms=True, proof=False)
