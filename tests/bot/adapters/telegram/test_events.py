"""Telegram updates become kit events on the bus: messages, reactions, joins, polls, topics, deep links."""

from __future__ import annotations

from pathlib import Path

from bot.adapters.poll_keys import PollKeys
from bot.kit.events import (
    DeepLinkOpened,
    IdentityLinked,
    MemberJoined,
    MemberLeft,
    MessagePosted,
    PollAnswered,
    ReactionAdded,
    ReactionRemoved,
    ThreadCreated,
)
from bot.kit.platform import Place, PlatformUser
from bot.kit.reply import Poll
from tests.bot.adapters.telegram.support import ALICE, BOB, FORUM, GROUP, Rig, fixture
from tests.emulators.telegram import make_user, private_chat


async def test_photo_with_caption_is_a_message_with_an_attachment(rig: Rig) -> None:
    rig.inject(fixture("reconstructed.message.photo-caption.json"))
    posted = await rig.event(MessagePosted)
    assert posted.text == "New drop! #merch"
    assert posted.author == PlatformUser("telegram", "1111111", "Test Firstname Test Lastname", "Testusername")
    assert posted.message.place == Place("telegram", "-1001234567890")
    assert posted.message.message_id == "1367"
    [photo] = posted.attachments
    assert photo.url == "telegram-file:AgACAgQAAxkBAAIBZ2ZxX1_large_PLACEHOLDER"  # the largest size
    assert (photo.content_type, photo.size) == ("image/jpeg", 72103)


async def test_private_text_reply_and_mentions(rig: Rig) -> None:
    rig.inject(fixture("teloxide.message.private-text.json"))
    first = await rig.event(MessagePosted)
    assert first.text == "hello there" and first.message.place.is_private
    original = rig.emulator.message_update(GROUP, BOB, "who's coming?")["message"]
    rig.inject({"message": original})
    rig.inject(rig.emulator.message_update(GROUP, ALICE, "me and @bob_b and @stranger", reply_to_message=original,
                                           entities=[{"type": "mention", "offset": 7, "length": 6},
                                                     {"type": "mention", "offset": 18, "length": 9}]))
    await rig.emulator.wait_for(lambda: len(rig.of(MessagePosted)) == 3)
    # Updates may be handled concurrently: find the answer by its text, not its position.
    answer = next(m for m in rig.of(MessagePosted) if m.text.startswith("me and"))
    assert answer.reply_to is not None and answer.reply_to.message_id == str(original["message_id"])
    # Only people Hearth can identify: an unknown @name in chatter is not a member.
    assert [m.user_id for m in answer.mentions] == ["2222222"]


async def test_reaction_added_and_anonymous_reaction_ignored(rig: Rig) -> None:
    rig.inject(fixture("teloxide.message_reaction.anonymous-actor_chat.json"))
    rig.inject(fixture("teloxide.message_reaction.user.json"))
    added = await rig.event(ReactionAdded)
    assert added.emoji == "🌭"
    assert added.user.user_id == "1459074222" and added.user.username == "shdwchn10"
    assert added.message.place.chat_id == "-1002184233434" and added.message.message_id == "35"
    await rig.handled(2)
    assert rig.of(ReactionRemoved) == []  # the anonymous removal has no person to debit


async def test_reaction_changed_is_a_removal_and_an_addition(rig: Rig) -> None:
    update = fixture("teloxide.message_reaction.user.json")
    update["message_reaction"]["old_reaction"] = [{"type": "emoji", "emoji": "👍"}]
    rig.inject(update)
    removed = await rig.event(ReactionRemoved)
    added = await rig.event(ReactionAdded)
    assert removed.emoji == "👍" and added.emoji == "🌭"


async def test_join_through_a_named_invite_link_and_leave(rig: Rig) -> None:
    update = fixture("reconstructed.chat_member.join.json")
    # Links made by other admins reach the bot with the end of the URL hidden; the name is intact.
    update["chat_member"]["invite_link"] = {
        "invite_link": "https://t.me/+AbCdEf…", "creator": make_user(3333333, "Ada", "ada_admin"),
        "creates_join_request": False, "is_primary": False, "is_revoked": False, "name": "Instagram bio"}
    rig.inject(update)
    joined = await rig.event(MemberJoined)
    assert joined.user.user_id == "1111111" and joined.place == Place("telegram", "-1001234567890")
    assert (joined.invite_link, joined.invite_name) == ("https://t.me/+AbCdEf…", "Instagram bio")
    leave = fixture("reconstructed.chat_member.join.json")
    member = leave["chat_member"]
    member["old_chat_member"], member["new_chat_member"] = member["new_chat_member"], member["old_chat_member"]
    rig.inject(leave)
    left = await rig.event(MemberLeft)
    assert left.user.user_id == "1111111"
    assert "chat_member" in rig.emulator.allowed_updates and "message_reaction" in rig.emulator.allowed_updates


async def test_promotion_is_neither_a_join_nor_a_leave(rig: Rig) -> None:
    update = fixture("reconstructed.chat_member.join.json")
    update["chat_member"]["old_chat_member"]["status"] = "member"
    update["chat_member"]["new_chat_member"] = {"status": "restricted", "is_member": True, "until_date": 0,
                                                "user": update["chat_member"]["new_chat_member"]["user"],
                                                **{right: False for right in (
                                                    "can_send_messages", "can_send_audios", "can_send_documents",
                                                    "can_send_photos", "can_send_videos", "can_send_video_notes",
                                                    "can_send_voice_notes", "can_send_polls",
                                                    "can_send_other_messages", "can_add_web_page_previews",
                                                    "can_change_info", "can_invite_users", "can_pin_messages",
                                                    "can_manage_topics", "can_edit_tag", "can_react_to_messages")}}
    rig.inject(update)
    await rig.handled(1)
    assert rig.of(MemberJoined) == [] and rig.of(MemberLeft) == []
    assert rig.ignored("malformed") == 0  # it was read, and judged not to be a join


async def test_poll_answers_carry_the_kit_poll_key(rig: Rig, tmp_path: Path) -> None:
    ref = await rig.adapter.platform.send_poll(Place("telegram", str(GROUP["id"])),
                                               Poll("Next flavour?", ("Mango", "Yuzu"), poll_key="poll:42"))
    assert ref is not None
    sent = rig.emulator.calls_to("sendPoll")[0]
    assert sent.params["is_anonymous"] is False and sent.params["options"] == [{"text": "Mango"}, {"text": "Yuzu"}]
    answer = fixture("reconstructed.poll_answer.json")
    answer["poll_answer"]["poll_id"] = sent.result["poll"]["id"]
    rig.inject(answer)
    voted = await rig.event(PollAnswered)
    assert (voted.poll_id, voted.option_ids, voted.user.user_id) == ("poll:42", (1,), "1111111")
    # The mapping survives a restart: it is kept in the data directory.
    assert PollKeys(tmp_path / "telegram-polls.json").key_for(sent.result["poll"]["id"]) == "poll:42"


async def test_poll_answer_for_an_unknown_poll_keeps_the_telegram_id(rig: Rig) -> None:
    rig.inject(fixture("reconstructed.poll_answer.json"))
    voted = await rig.event(PollAnswered)
    assert voted.poll_id == "5361982112354338817"


async def test_forum_topic_creation_is_a_thread(rig: Rig) -> None:
    rig.inject(rig.emulator.message_update(FORUM, ALICE, None, message_thread_id=91, is_topic_message=True,
                                           forum_topic_created={"name": "Show your setup", "icon_color": 7322096}))
    thread = await rig.event(ThreadCreated)
    assert thread.place == Place("telegram", str(FORUM["id"]), thread_id="91") and thread.title == "Show your setup"
    rig.inject(rig.emulator.message_update(FORUM, ALICE, "mine!", message_thread_id=91, is_topic_message=True))
    posted = await rig.event(MessagePosted)
    assert posted.message.place.thread_id == "91"


async def test_deep_link_start_payload_links_accounts(rig: Rig) -> None:
    members = rig.hearth.members
    elsewhere = await members.resolve(PlatformUser("discord", "42", "Alice"))
    code, _ = await members.issue_link_code(elsewhere)
    rig.command(private_chat(ALICE), ALICE, f"/start link_{code}")
    call = await rig.emulator.wait_call("sendMessage")
    assert call.params["chat_id"] == ALICE["id"] and "Linked!" in call.params["text"]
    opened = rig.of(DeepLinkOpened)[0]
    assert opened.payload == f"link_{code}" and opened.place.is_private and opened.user.user_id == "1111111"
    assert await members.find(PlatformUser("telegram", "1111111", "Test Firstname")) == elsewhere
    assert any(isinstance(e, IdentityLinked) and e.platform == "telegram" for e in rig.events)
