"""Reply → Telegram HTML without a network: escaping, splitting, keyboards (checked with the emulator's parser)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram.render import ActionAliases, keyboard, render, render_chunks, render_single
from bot.kit.reply import Choice, Field, Reply
from tests.emulators.telegram_checks import utf16_length, visible_html

PIECES = st.sampled_from([*"ab <>&;\n\"'#", "🔥", "é", "&amp;", "</b>", "word " * 40])
TEXT = st.lists(PIECES, max_size=600).map("".join)


@settings(max_examples=60, deadline=None)
@given(title=st.one_of(st.none(), TEXT), text=TEXT, field_value=TEXT)
def test_every_chunk_parses_and_fits(title: str | None, text: str, field_value: str) -> None:
    reply = Reply(title=title, text=text, fields=(Field("F<&>", field_value),), footer="<footer>")
    for chunk in render_chunks(reply):
        shown = visible_html(chunk)  # raises like Telegram on broken HTML
        assert 0 < utf16_length(shown) <= 4096 and utf16_length(chunk) <= 4096


@settings(max_examples=40, deadline=None)
@given(text=TEXT)
def test_splitting_loses_nothing_but_the_cut_points(text: str) -> None:
    shown = "\n".join(visible_html(chunk) for chunk in render_chunks(Reply(text=text)))
    # Cuts drop blank lines at a message boundary and the space a long line was cut at; nothing else.
    assert "".join(shown.split()) == "".join(text.split())


def test_single_message_is_cut_with_an_ellipsis() -> None:
    text = render_single(Reply(text="line\n" * 2000))
    assert utf16_length(visible_html(text)) <= 4096 and text.endswith("\n…")


def test_tone_marker_and_fields_layout() -> None:
    reply = Reply.success("Saved", title="Done")
    assert render_chunks(reply) == ["<b>✅ Done</b>\nSaved"]
    fields = render_chunks(Reply(fields=(Field("Points", "120", inline=True), Field("Badges", "a\nb"))))
    assert fields == ["<b>Points:</b> 120\n\n<b>Badges</b>\na\nb"]


def test_keyboard_rows_links_and_aliases() -> None:
    aliases = ActionAliases()
    short = keyboard(tuple(Choice(str(n), f"p:{n}") for n in range(5)), aliases)
    assert short is not None and [len(row) for row in short.inline_keyboard] == [3, 2]
    long_action = "poll:vote:" + "9" * 80
    markup = keyboard((Choice("A rather long label for a button", long_action),), aliases)
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert isinstance(data, str) and len(data.encode()) <= 64 and aliases.decode(data) == long_action
    assert aliases.decode("~unknown") is None and aliases.decode("p:1") == "p:1"


def test_images_from_telegram_are_sent_by_file_id_and_links_as_previews() -> None:
    aliases = ActionAliases()
    assert render(Reply(text="x", image_url="telegram-file:ABC"), aliases).photo_file_id == "ABC"
    assert render(Reply(text="x", image_url="https://cdn.example.com/a.png"), aliases).preview_url == \
        "https://cdn.example.com/a.png"
    assert render(Reply(choices=(Choice("Go", "go:1"),)), aliases).chunks == ["👇"]
