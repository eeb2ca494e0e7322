import logging

import pytest

from bot.kit.commands import Command, Permission
from bot.kit.events import CommandRefused
from bot.kit.reply import Field
from tests.support.harness import Chat, user


async def test_unknown_command_points_to_help(chat: Chat) -> None:
    outcome = await chat.command(user("a"), "/nope")
    assert outcome.status == "unknown" and "Unknown command /nope — try /help" in outcome.replies[0].text


async def test_group_without_subcommand_lists_the_choices(chat: Chat) -> None:
    outcome = await chat.command(user("a"), "/mod", role=Permission.MODERATOR)
    assert "/mod member" in outcome.replies[0].text


async def test_wrong_arguments_give_one_usage_line(chat: Chat) -> None:
    outcome = await chat.command(user("a"), "/profile @x @y")
    text = outcome.replies[0].text
    assert outcome.status == "usage" and "\n" not in text and "Usage: /profile [member]" in text


async def test_member_calling_moderator_command_is_refused_and_logged(
        chat: Chat, caplog: pytest.LogCaptureFixture) -> None:
    refused: list[CommandRefused] = []

    async def record(event: CommandRefused) -> None:
        refused.append(event)

    chat.hearth.bus.subscribe(CommandRefused, record)
    outcome = await chat.command(user("eve"), "/mod member @eve", mentions=(user("eve"),))
    assert outcome.status == "refused" and "for moderators only" in outcome.replies[0].text
    assert any(r.levelno == logging.WARNING and "refused /mod member" in r.getMessage() for r in caplog.records)
    assert refused and refused[0].command == "mod member"


@pytest.mark.allow_errors
async def test_a_crashing_handler_gives_a_friendly_error_not_a_traceback(chat: Chat) -> None:
    async def boom(_ctx: object) -> None:
        raise RuntimeError("kaboom")

    chat.hearth.registry.add(Command("boom", "Always fails", boom))
    outcome = await chat.command(user("a"), "/boom")
    assert outcome.status == "error"
    assert "went wrong on our side" in outcome.replies[0].text and "kaboom" not in outcome.replies[0].text


@pytest.mark.allow_errors
async def test_a_broken_profile_section_is_contained(chat: Chat) -> None:
    async def broken(_member_id: int) -> list[Field]:
        raise RuntimeError("section down")

    chat.hearth.services.profile_sections.add(broken)
    outcome = await chat.command(user("a"), "/profile")
    assert outcome.status == "ok" and "Member since" in outcome.replies[0].plain_text()
