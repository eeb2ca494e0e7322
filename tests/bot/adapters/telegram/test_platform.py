"""Platform actions against the emulator: HTML, splitting, pacing and retry_after, DMs, topics, polls, gated chats."""

from __future__ import annotations

from bot.kit.platform import MessageRef, Place, Role
from bot.kit.reply import Choice, Field, FileUpload, Poll, Reply
from tests.bot.adapters.telegram.support import ALICE, BOB, FORUM, GROUP, Rig
from tests.emulators.telegram import private_chat
from tests.emulators.telegram_checks import utf16_length, visible_html

GROUP_PLACE = Place("telegram", str(GROUP["id"]))
GATED = -1005550001111


def visible(rig: Rig) -> list[str]:
    return [visible_html(call.params["text"]) for call in rig.emulator.calls_to("sendMessage")]


async def test_user_text_that_would_break_html_is_escaped(rig: Rig) -> None:
    reply = Reply(title="<b>Tom & Jerry</b>", text="5 < 6 & 7 > 3 <script>alert(1)</script> &amp;",
                  fields=(Field("R&D", "<i>x</i>", inline=True),), footer="a<b")
    assert await rig.adapter.platform.send(GROUP_PLACE, reply) is not None  # the emulator parses the HTML
    html = rig.emulator.calls_to("sendMessage")[0].params["text"]
    assert html.startswith("<b>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</b>\n5 &lt; 6 &amp; 7 &gt; 3 &lt;script&gt;")
    assert visible(rig) == ["<b>Tom & Jerry</b>\n5 < 6 & 7 > 3 <script>alert(1)</script> &amp;\n\nR&D: <i>x</i>\n\na<b"]


async def test_long_reply_is_split_between_lines_with_the_keyboard_last(rig: Rig) -> None:
    paragraphs = [f"Paragraph {n}: " + "lorem ipsum dolor sit amet " * 12 for n in range(60)]
    reply = Reply(title="Report", text="\n".join(paragraphs), choices=(Choice("Done", "ack:1"),))
    ref = await rig.adapter.platform.send(GROUP_PLACE, reply)
    calls = rig.emulator.calls_to("sendMessage")
    assert len(calls) >= 5 and ref is not None and ref.message_id == str(calls[0].result["message_id"])
    assert all(utf16_length(text) <= 4096 for text in visible(rig))
    assert [("reply_markup" in c.params) for c in calls] == [False] * (len(calls) - 1) + [True]
    assert "\n".join(visible(rig)) == "Report\n" + "\n".join(paragraphs)  # cut only between lines


async def test_one_huge_line_of_escapable_characters_is_cut_cleanly(rig: Rig) -> None:
    text = "&<" * 3000 + "🔥" * 3000  # escaping triples the first part; emoji count twice in UTF-16
    assert await rig.adapter.platform.send(GROUP_PLACE, Reply(text=text)) is not None
    shown = visible(rig)
    assert len(shown) > 2 and all(utf16_length(part) <= 4096 for part in shown)
    assert "".join(shown) == text


async def test_retry_after_is_honoured(rig: Rig) -> None:
    rig.emulator.fail("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    ref = await rig.adapter.platform.send(GROUP_PLACE, Reply(text="after the flood"))
    assert ref is not None
    attempts = [call.status for call in rig.emulator.calls if call.method == "sendMessage"]
    assert attempts == [429, 200]
    assert 7.0 in rig.time.slept  # waited as told (on the injected clock) before trying again


async def test_group_sends_are_paced_to_twenty_a_minute(rig: Rig) -> None:
    for number in range(21):
        await rig.adapter.platform.send(GROUP_PLACE, Reply(text=f"message {number}"))
    assert len(rig.emulator.calls_to("sendMessage")) == 21
    assert rig.time.slept and max(rig.time.slept) > 50  # the 21st waited for the minute to roll over


async def test_edit_and_delete(rig: Rig) -> None:
    ref = await rig.adapter.platform.send(GROUP_PLACE, Reply(text="draft", choices=(Choice("OK", "ok:1"),)))
    assert ref is not None
    await rig.adapter.platform.edit(ref, Reply(title="Final", text="a < b"))
    await rig.adapter.platform.edit(ref, Reply(title="Final", text="a < b"))  # unchanged: Telegram says so
    edits = rig.emulator.calls_to("editMessageText")
    assert len(edits) == 1 and edits[0].params["text"] == "<b>Final</b>\na &lt; b"
    await rig.adapter.platform.delete(ref)
    assert rig.emulator.calls_to("deleteMessage")[0].params["message_id"] == int(ref.message_id)


async def test_dm_to_a_user_who_blocked_the_bot_is_none_until_they_write_again(rig: Rig) -> None:
    rig.emulator.blocked_by.add(BOB["id"])
    assert await rig.adapter.platform.send_direct(str(BOB["id"]), Reply(text="psst")) is None
    assert await rig.adapter.platform.send_direct(str(BOB["id"]), Reply(text="psst")) is None
    assert len([c for c in rig.emulator.calls if c.method == "sendMessage"]) == 1  # not retried
    rig.emulator.blocked_by.discard(BOB["id"])
    rig.inject(rig.emulator.message_update(private_chat(BOB), BOB, "hello again"))
    await rig.handled(1)
    ref = await rig.adapter.platform.send_direct(str(BOB["id"]), Reply(text="welcome back"))
    assert ref is not None and ref.place.is_private


async def test_files_are_sent_as_documents(rig: Rig) -> None:
    upload = FileUpload("members.csv", b"id,name\n1,Alice\n", "text/csv")
    await rig.adapter.platform.send_direct(str(ALICE["id"]), Reply(text="Your export", files=(upload,)))
    document = rig.emulator.calls_to("sendDocument")[0]
    assert document.files["document"] == b"id,name\n1,Alice\n" and document.params["chat_id"] == ALICE["id"]


async def test_thread_is_a_topic_in_a_forum_and_a_reply_chain_elsewhere(rig: Rig) -> None:
    forum_message = MessageRef(Place("telegram", str(FORUM["id"])), "10")
    topic = await rig.adapter.platform.create_thread(forum_message, "Week 12 — show your setup")
    assert rig.emulator.calls_to("createForumTopic")[0].params["name"] == "Week 12 — show your setup"
    await rig.adapter.platform.send(topic, Reply(text="in the topic"))
    assert rig.emulator.calls_to("sendMessage")[0].params["message_thread_id"] == int(topic.thread_id or 0)
    group_message = MessageRef(GROUP_PLACE, "55")
    chain = await rig.adapter.platform.create_thread(group_message, "Discussion")
    assert chain.thread_id == "reply:55" and len(rig.emulator.calls_to("createForumTopic")) == 1
    await rig.adapter.platform.send(chain, Reply(text="in the chain"))
    sent = rig.emulator.calls_to("sendMessage")[1].params
    assert sent["reply_parameters"]["message_id"] == 55 and "message_thread_id" not in sent


async def test_native_poll_and_poll_fallbacks(rig: Rig) -> None:
    poll = Poll("Which colour for the next mug?", ("Teal", "Rust", "Sand"), multiple=True, anonymous=True)
    assert await rig.adapter.platform.send_poll(GROUP_PLACE, poll) is not None
    params = rig.emulator.calls_to("sendPoll")[0].params
    assert params["is_anonymous"] is True and params["allows_multiple_answers"] is True
    assert await rig.adapter.platform.send_poll(GROUP_PLACE, Poll("Only one?", ("Yes",))) is None


async def test_grant_sends_a_one_time_invite_link_by_dm(rig: Rig) -> None:
    change = await rig.adapter.platform.grant_role(str(ALICE["id"]), Role("telegram", str(GATED), "VIP lounge"),
                                                   "Gold tier reached")
    link = rig.emulator.calls_to("createChatInviteLink")[0]
    assert link.params["chat_id"] == GATED and link.params["member_limit"] == 1
    assert link.params["name"] == "Gold tier reached"
    assert change.applied and change.invite_link == link.result["invite_link"]
    dm = rig.emulator.calls_to("sendMessage")[0].params
    assert dm["chat_id"] == ALICE["id"] and dm["reply_markup"]["inline_keyboard"][0][0]["url"] == change.invite_link


async def test_grant_when_dms_are_closed_returns_the_link_and_the_reason(rig: Rig) -> None:
    rig.emulator.blocked_by.add(BOB["id"])
    change = await rig.adapter.platform.grant_role(str(BOB["id"]), Role("telegram", str(GATED)), "tier")
    assert not change.applied and change.invite_link and "DM" in (change.error or "")


async def test_join_request_is_approved_for_a_granted_member_in_either_order(rig: Rig) -> None:
    gated = {"id": GATED, "title": "VIP lounge", "type": "supergroup"}
    await rig.adapter.platform.grant_role(str(ALICE["id"]), Role("telegram", str(GATED)), "tier")
    rig.emulator.join_requests.add((GATED, ALICE["id"]))
    rig.inject({"chat_join_request": {"chat": gated, "from": ALICE, "user_chat_id": ALICE["id"], "date": 1}})
    approved = await rig.emulator.wait_call("approveChatJoinRequest")
    assert approved.params == {"chat_id": GATED, "user_id": ALICE["id"]}
    # Request first, grant later: the grant approves the waiting request instead of sending a link.
    rig.emulator.join_requests.add((GATED, BOB["id"]))
    rig.inject({"chat_join_request": {"chat": gated, "from": BOB, "user_chat_id": BOB["id"], "date": 1}})
    await rig.handled(2)
    change = await rig.adapter.platform.grant_role(str(BOB["id"]), Role("telegram", str(GATED)), "tier")
    assert change.applied and len(rig.emulator.calls_to("approveChatJoinRequest")) == 2
    assert len(rig.emulator.calls_to("createChatInviteLink")) == 1


async def test_revoke_removes_without_a_lasting_ban(rig: Rig) -> None:
    change = await rig.adapter.platform.revoke_role(str(ALICE["id"]), Role("telegram", str(GATED)), "refund")
    assert change.applied
    assert rig.emulator.calls_to("banChatMember")[0].params == {"chat_id": GATED, "user_id": ALICE["id"]}
    unban = rig.emulator.calls_to("unbanChatMember")[0].params
    assert unban["only_if_banned"] is True and rig.emulator.statuses[(GATED, ALICE["id"])] == "left"


async def test_revoke_without_admin_rights_explains(rig: Rig) -> None:
    rig.emulator.fail("banChatMember", 400, "Bad Request: not enough rights to restrict/unrestrict chat member")
    change = await rig.adapter.platform.revoke_role(str(ALICE["id"]), Role("telegram", str(GATED)), "refund")
    assert not change.applied and "admin" in (change.error or "")


async def test_fetch_user(rig: Rig) -> None:
    rig.inject(rig.emulator.message_update(GROUP, BOB, "hi"))
    await rig.handled(1)
    bob = await rig.adapter.platform.fetch_user(str(BOB["id"]))
    assert bob is not None and bob.username == "bob_b"
    alice = await rig.adapter.platform.fetch_user(str(ALICE["id"]))  # never seen: asked with getChat
    assert alice is not None and alice.display_name == "Test Firstname"
    assert await rig.adapter.platform.fetch_user("999") is None


async def test_references_that_are_not_telegram_ids_are_refused_quietly(rig: Rig) -> None:
    platform = rig.adapter.platform
    assert await platform.send(Place("telegram", "general"), Reply(text="x")) is None
    assert await platform.send(Place("telegram", str(GROUP["id"]), thread_id="t-9"), Reply(text="x")) is None
    assert await platform.reply(MessageRef(GROUP_PLACE, "abc"), Reply(text="x")) is None
    assert await platform.send_poll(Place("telegram", "general"), Poll("Q", ("a", "b"))) is None
    change = await platform.grant_role(str(ALICE["id"]), Role("discord", "98765432101234567x"), "tier")
    assert not change.applied and "not a Telegram id" in (change.error or "")
    assert rig.emulator.calls_to("sendMessage") == []
