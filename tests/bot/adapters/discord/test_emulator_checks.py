"""The emulator refuses what Discord refuses, so adapter bugs fail here as they would in production."""

from __future__ import annotations

import pytest

from tests.emulators import discord_checks as checks


def button(custom_id: str) -> dict:
    return {"type": 2, "style": 2, "label": custom_id, "custom_id": custom_id}


@pytest.mark.parametrize(("body", "field"), [
    ({"embeds": [{"title": "x" * 257}]}, "embeds.0.title"),
    ({"embeds": [{"fields": [{"name": "a", "value": ""}]}]}, "embeds.0.fields.0.value"),
    ({"components": [{"type": 1, "components": [button(str(n)) for n in range(6)]}]}, "components.0"),
    ({"components": [{"type": 1, "components": [button("a"), button("a")]}]}, "components.custom_id"),
    ({"poll": {"question": {"text": "?"}, "answers": [{"poll_media": {"text": "x" * 56}}]}},
     "poll.answers.0.poll_media.text"),
    ({}, "content"),
])
def test_messages_discord_would_refuse(body: dict, field: str) -> None:
    with pytest.raises(checks.Invalid) as refused:
        checks.message(body)
    assert refused.value.field == field and refused.value.body["code"] == 50035


def test_commands_discord_would_refuse() -> None:
    optional_first = [{"name": "x", "description": "d", "options": [
        {"type": 3, "name": "a", "description": "d"}, {"type": 3, "name": "b", "description": "d", "required": True}]}]
    with pytest.raises(checks.Invalid, match="Required options must be placed before"):
        checks.commands(optional_first)
    with pytest.raises(checks.Invalid, match="invalid"):
        checks.commands([{"name": "Bad Name", "description": "d"}])
    with pytest.raises(checks.Invalid, match="100 or fewer"):
        checks.commands([{"name": "x", "description": "d" * 101}])
    checks.commands([{"name": "mod", "description": "d", "options": [
        {"type": 2, "name": "points", "description": "d", "options": [
            {"type": 1, "name": "grant", "description": "d", "options": [
                {"type": 6, "name": "member", "description": "d", "required": True}]}]},
        {"type": 1, "name": "report", "description": "d"}]}])
