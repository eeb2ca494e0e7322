"""Polls through the real Telegram adapter (python-telegram-bot) against the loopback Bot API emulator."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from cogs.polls.service import PollService
from tests.bot.adapters.telegram.support import ADMIN, ALICE, BOB, GROUP, Rig, RigFactory

# The rig's config opens [telegram] with the emulator's URL: this line continues that table.
MODERATORS = f"moderator_user_ids = [{ADMIN['id']}]\n"


def polls(rig: Rig) -> PollService:
    return next(cog for cog in rig.hearth.cogs if cog.name == "polls").service  # type: ignore[attr-defined]


async def test_a_native_telegram_poll_is_sent_and_its_answers_counted(make_rig: RigFactory) -> None:
    rig = await make_rig(MODERATORS)
    rig.command(GROUP, ADMIN, "/mod poll create 2d single public Next flavour? | Mango | Yuzu")
    sent = await rig.emulator.wait_call("sendPoll")
    assert sent.params["chat_id"] == GROUP["id"] and sent.params["is_anonymous"] is False
    assert sent.params["question"] == "Next flavour?"
    assert sent.params["options"] == [{"text": "Mango"}, {"text": "Yuzu"}]
    confirmation = await rig.emulator.wait_call("sendMessage", lambda c: "Poll #1 is up" in c.params["text"])
    assert "telegram:-1001234567890: native poll" in confirmation.params["text"]
    poll_id = sent.result["poll"]["id"]
    # Alice changes her mind: still one vote. One answer at a time (the adapter may run updates concurrently).
    for voter, options, expected in ((ALICE, [1], ((0, 1), 1)), (BOB, [0], ((1, 1), 2)), (ALICE, [0], ((2, 0), 2))):
        rig.inject({"poll_answer": {"poll_id": poll_id, "user": voter, "option_ids": options,
                                    "option_persistent_ids": [f"opt{n}" for n in options]}})
        await tally_becomes(rig, expected)


async def tally_becomes(rig: Rig, expected: tuple[tuple[int, ...], int]) -> None:
    for _ in range(500):
        poll = await polls(rig).store.get(1)
        if poll is not None and (poll.counts, poll.voters) == expected:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the tally never became {expected}: {poll}")


async def test_button_votes_and_a_late_vote_refused_with_the_reason(make_rig: RigFactory) -> None:
    rig = await make_rig(MODERATORS)
    rig.command(GROUP, ADMIN, "/mod poll create 1h single anonymous Tea or coffee? | Tea | Coffee")
    message = await rig.emulator.wait_call("sendMessage", lambda c: "Tea or coffee?" in c.params["text"])
    keyboard = message.params["reply_markup"]["inline_keyboard"]
    buttons = {button["text"]: button["callback_data"] for row in keyboard for button in row}
    assert set(buttons) == {"Tea", "Coffee", "📈 Results"}

    def press(who: dict[str, object], data: str, query_id: str) -> None:
        rig.inject({"callback_query": {"id": query_id, "from": who, "message": message.result,
                                       "chat_instance": "-45", "data": data}})

    press(ALICE, buttons["Coffee"], "q1")
    toast = await rig.emulator.wait_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "q1")
    # The confirmation is private: in a group, the adapter sends it by DM and says so in the button's toast.
    assert toast.params["text"] == "📬 I sent you the details in a private message."
    dm = await rig.emulator.wait_call("sendMessage", lambda c: c.params["chat_id"] == ALICE["id"])
    assert "Your vote on poll #1: Coffee." in dm.params["text"]
    rig.hearth.clock.advance(timedelta(hours=2))  # type: ignore[attr-defined]
    press(BOB, buttons["Tea"], "q2")
    late = await rig.emulator.wait_call("answerCallbackQuery", lambda c: c.params["callback_query_id"] == "q2")
    assert late.params["show_alert"] is True and "votes after that don't count" in late.params["text"]
    assert await polls(rig).close_due() == 1
    results = await rig.emulator.wait_call("sendMessage", lambda c: "Results — Poll #1" in c.params["text"])
    assert "Coffee 🏆" in results.params["text"] and "1 voter" in results.params["text"]
    assert rig.emulator.calls_to("sendPhoto") or rig.emulator.calls_to("sendDocument")  # the chart
