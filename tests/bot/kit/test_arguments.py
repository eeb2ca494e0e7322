import contextlib
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.kit.arguments import ArgumentError, TextInput, parse_duration, parse_options, parse_text, tokenize
from bot.kit.commands import Command, Param, ParamKind
from bot.kit.platform import Attachment, Place, PlatformUser


async def _noop(_ctx: object) -> None:
    return None


GRANT = Command("mod points grant", "Give points", _noop, params=(
    Param("member", ParamKind.MEMBER, "Who"),
    Param("amount", ParamKind.INT, "How many", min_value=1, max_value=10_000),
    Param("reason", ParamKind.TEXT, "Why", rest=True),
))
ALICE = PlatformUser("discord", "42", "Alice", username="alice")
SOURCE = TextInput(platform="discord", mentions=(ALICE,))


def test_tokenize_keeps_quoted_phrases_together() -> None:
    assert [t.value for t in tokenize('a "b c" “d e” f')] == ["a", "b c", "d e", "f"]


def test_parse_member_int_and_rest() -> None:
    args = parse_text(GRANT, '@alice 50 great answer, thanks!', SOURCE)
    assert args["member"] == ALICE and args["amount"] == 50 and args["reason"] == "great answer, thanks!"


def test_member_by_id_token_and_reply_to() -> None:
    assert parse_text(GRANT, "<@42> 5 x", SOURCE)["member"] == ALICE
    replying = TextInput(platform="discord", reply_to_user=ALICE)
    assert parse_text(GRANT, "5 thanks", replying)["member"] == ALICE


@pytest.mark.parametrize(("text", "message"), [
    ("@alice abc why", "amount must be a whole number"),
    ("@alice 0 why", "at least 1"),
    ("@alice 10", "reason is missing"),
    ("@bob 10 why", "can't find @bob"),
    ("10 why", "say who"),
])
def test_bad_input_says_what_to_fix(text: str, message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        parse_text(GRANT, text, SOURCE)


def test_extra_words_are_refused() -> None:
    profile = Command("profile", "p", _noop, params=(Param("member", ParamKind.MEMBER, "m", required=False),))
    with pytest.raises(ArgumentError, match="didn't expect 'extra'"):
        parse_text(profile, "@alice extra", SOURCE)


def test_choice_channel_attachment_and_duration() -> None:
    command = Command("x", "x", _noop, params=(
        Param("period", ParamKind.CHOICE, "p", choices=("week", "month")),
        Param("where", ParamKind.CHANNEL, "c"),
        Param("file", ParamKind.ATTACHMENT, "f"),
        Param("open_for", ParamKind.DURATION, "d"),
    ))
    upload = Attachment("a.png", "https://cdn/a.png")
    args = parse_text(command, "WEEK #wins 1d12h", TextInput("telegram", attachments=(upload,)))
    assert args["period"] == "week" and args["where"] == Place("telegram", "wins")
    assert args["file"] == upload and args["open_for"] == timedelta(days=1, hours=12)
    with pytest.raises(ArgumentError, match="one of: week, month"):
        parse_text(command, "year #wins 1d", TextInput("telegram", attachments=(upload,)))


@pytest.mark.parametrize("text", ["", "abc", "5x", "0m", "400d", "m5"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ArgumentError):
        parse_duration(text)


def test_structured_options_are_validated() -> None:
    args = parse_options(GRANT, {"member": ALICE, "amount": 3, "reason": "ok"})
    assert args["amount"] == 3
    with pytest.raises(ArgumentError, match="wrong type"):
        parse_options(GRANT, {"member": "42", "amount": 3, "reason": "ok"})
    with pytest.raises(ArgumentError, match="at most 10000"):
        parse_options(GRANT, {"member": ALICE, "amount": 10_001, "reason": "ok"})


@given(st.text(max_size=200))
def test_parsing_never_raises_anything_but_argument_errors(text: str) -> None:
    with contextlib.suppress(ArgumentError):
        parse_text(GRANT, text, SOURCE)
