"""/my_data exports what Hearth holds; /forget_me erases it from every table (walked generically)."""

from __future__ import annotations

import json

from sqlalchemy import String, Text, select

from bot.app import Hearth
from bot.kit.commands import Permission
from bot.kit.events import MessagePosted, ReactionAdded
from bot.kit.platform import MessageRef, Place
from storage.models import Base, LedgerEntry
from storage.personal import member_tables
from tests.support.harness import Chat, user


async def give_alice_a_history(chat: Chat) -> int:
    hearth = chat.hearth
    alice_discord, alice_tg, bob, mod = user("alice", "discord"), user("alice_tg", "telegram"), user("bob"), user("mod")
    code = (await chat.text(alice_discord, "/link")).splitlines()[1].strip()
    await chat.text(alice_tg, f"/link {code}")
    await chat.text(mod, "/mod points grant @alice 30 welcome gift for alice", role=Permission.MODERATOR,
                    mentions=(alice_discord,))
    await chat.text(alice_discord, "/thanks @bob thanks for the alice-approved grinder tip", mentions=(bob,))
    place = Place("memory", "general", guild_id="g1")
    message = MessageRef(place, "m-alice-1")
    text = "alice here: my first latte art"
    await hearth.bus.publish(MessagePosted(message, alice_discord, text, hearth.clock.now()))
    await hearth.bus.publish(ReactionAdded(MessageRef(place, "m-bob-1"), alice_discord, "🔥", hearth.clock.now(),
                                           message_author=bob))
    await hearth.points.flush()
    member_id = await hearth.members.find(alice_discord)
    assert member_id is not None
    return member_id


async def test_my_data_exports_every_kind_of_record(chat: Chat) -> None:
    member_id = await give_alice_a_history(chat)
    outcome = await chat.command(user("alice", "discord"), "/my_data")
    reply = outcome.replies[0]
    assert reply.private and reply.files[0].filename == "hearth-my-data.json"
    data = json.loads(reply.files[0].data)
    assert data["member_id"] == member_id
    assert {i["platform"] for i in data["identities"]} == {"discord", "telegram"}
    assert any(row["note"] == "welcome gift for alice" for row in data["points_ledger"])
    assert data["member_points"][0]["lifetime"] >= 30


async def test_forget_me_needs_confirmation(chat: Chat) -> None:
    alice = user("alice", "discord")
    await give_alice_a_history(chat)
    refused = await chat.text(alice, "/forget_me confirm")
    assert "Run /forget_me first" in refused
    warning = await chat.command(alice, "/forget_me")
    assert "can't be undone" in warning.replies[0].text and warning.replies[0].choices


async def test_forget_me_leaves_no_row_holding_the_members_data(chat: Chat, hearth: Hearth) -> None:
    member_id = await give_alice_a_history(chat)
    alice = user("alice", "discord")
    traces = {"alice", "Alice", "alice_tg", "Alice_Tg"}
    await chat.text(alice, "/forget_me")
    done = await chat.text(alice, "/forget_me confirm")
    assert "everything Hearth held about you is erased" in done

    async with hearth.database.session() as session:
        for table, columns in member_tables():
            for column in columns:
                holding = (await session.execute(select(table).where(column == member_id))).all()
                assert holding == [], f"{table.name}.{column.name} still holds the member"
        for table in Base.metadata.sorted_tables:
            text_columns = [c for c in table.columns if isinstance(c.type, String | Text)]
            for row in (await session.execute(select(*text_columns))).all() if text_columns else []:
                for value in row:
                    if isinstance(value, str):
                        assert not any(trace in value for trace in traces), f"{table.name} still says {value!r}"
        # The community's totals keep adding up: the awards stay, anonymised.
        kept = (await session.scalars(select(LedgerEntry.amount).where(LedgerEntry.note.is_(None)))).all()
        assert sum(kept) >= 30
    assert hearth.points.ranks.rank(member_id) is None
    # Talking again starts a brand-new member.
    again = await hearth.members.resolve(alice)
    assert again != member_id
