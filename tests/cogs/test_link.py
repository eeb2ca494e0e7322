from datetime import timedelta

from bot.kit.clock import ManualClock
from bot.kit.commands import Permission
from tests.support.harness import Chat, user


def code_from(text: str) -> str:
    return text.splitlines()[1].strip()


async def test_link_joins_two_accounts_into_one_member(chat: Chat) -> None:
    alice_discord, alice_telegram = user("alice", "discord"), user("alice_tg", "telegram")
    issued = await chat.text(alice_discord, "/link")
    code = code_from(issued)
    assert len(code) == 8
    linked = await chat.text(alice_telegram, f"/link {code}")
    assert "Linked!" in linked and "Discord" in linked and "Telegram" in linked
    members = chat.hearth.members
    assert await members.find(alice_discord) == await members.find(alice_telegram)
    profile = await chat.text(alice_telegram, "/profile")
    assert "Discord: Alice" in profile and "Telegram: @alice_tg" in profile


async def test_link_code_is_single_use(chat: Chat) -> None:
    code = code_from(await chat.text(user("a", "discord"), "/link"))
    assert "Linked!" in await chat.text(user("b", "telegram"), f"/link {code}")
    again = await chat.text(user("c", "telegram"), f"/link {code}")
    assert "unknown, used or expired" in again


async def test_link_code_expires_after_ten_minutes(chat: Chat, clock: ManualClock) -> None:
    code = code_from(await chat.text(user("a", "discord"), "/link"))
    clock.advance(timedelta(minutes=10, seconds=1))
    assert "unknown, used or expired" in await chat.text(user("b", "telegram"), f"/link {code}")


async def test_own_code_is_refused(chat: Chat) -> None:
    alice = user("a", "discord")
    code = code_from(await chat.text(alice, "/link"))
    assert "your own" in await chat.text(alice, f"/link {code}")


async def test_code_is_case_and_space_tolerant(chat: Chat) -> None:
    code = code_from(await chat.text(user("a", "discord"), "/link"))
    assert "Linked!" in await chat.text(user("b", "telegram"), f"/link {code.lower()}")


async def test_deep_link_start_payload_links(chat: Chat) -> None:
    code = code_from(await chat.text(user("a", "discord"), "/link"))
    assert "Linked!" in await chat.text(user("b", "telegram"), f"/start link_{code}")


async def test_moderator_inspects_member_and_member_is_refused(chat: Chat) -> None:
    alice, mod = user("alice"), user("mod")
    await chat.text(alice, "/profile")
    refused = await chat.command(alice, "/mod member @alice", mentions=(alice,))
    assert refused.status == "refused"
    shown = await chat.text(mod, "/mod member @alice", role=Permission.MODERATOR, mentions=(alice,))
    assert "member record" in shown and "id alice" in shown
