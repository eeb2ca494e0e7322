import pytest

from bot.kit.commands import Command, Param, ParamKind
from bot.kit.registry import CommandRegistry


async def _noop(_ctx: object) -> None:
    return None


@pytest.mark.parametrize("path", ["Profile", "a b c d", "x" * 33, "", "has-dash"])
def test_command_names_must_suit_both_platforms(path: str) -> None:
    with pytest.raises(ValueError):
        Command(path, "help", _noop)


def test_help_is_limited_to_100_characters() -> None:
    with pytest.raises(ValueError, match="help"):
        Command("x", "h" * 101, _noop)


def test_required_after_optional_is_rejected() -> None:
    with pytest.raises(ValueError, match="required parameter after an optional"):
        Command("x", "h", _noop,
                params=(Param("a", ParamKind.TEXT, "a", required=False), Param("b", ParamKind.INT, "b")))


def test_registry_refuses_duplicates_and_command_group_clash() -> None:
    registry = CommandRegistry()
    registry.add(Command("mod report", "r", _noop))
    with pytest.raises(ValueError, match="twice"):
        registry.add(Command("mod report", "r", _noop))
    with pytest.raises(ValueError, match="both a command and a group"):
        registry.add(Command("mod", "m", _noop))


def test_registry_matches_the_longest_path() -> None:
    registry = CommandRegistry()
    registry.add(Command("mod points grant", "g", _noop))
    registry.add(Command("mod report", "r", _noop))
    command, used = registry.match(["mod", "points", "grant", "@a", "5"])
    assert command is not None and command.path == "mod points grant" and used == 3
    assert registry.match(["mod", "points"]) == (None, 0)
    assert [c.path for c in registry.group("mod")] == ["mod points grant", "mod report"]
