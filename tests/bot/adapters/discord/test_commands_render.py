"""Kit commands rendered as Discord application commands (the JSON ``hearth discord sync`` pushes)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from bot.adapters.discord.commands import CommandTreeError, comparable, diff, plan_sync, render_commands
from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.commands import Command, Param, ParamKind, Permission
from bot.kit.context import Context
from bot.kit.reply import Reply
from bot.secrets import Secrets
from cogs import AVAILABLE
from tests.emulators import discord_checks as checks

NAME = re.compile(r"^[-_\w]{1,32}$")


async def handler(ctx: Context) -> Reply:
    return Reply(text="ok")


def command(path: str, *params: Param, permission: Permission = Permission.MEMBER, scope: str = "any") -> Command:
    return Command(path, f"Help for {path}", handler, params=params, permission=permission, scope=scope)


def by_name(rendered: list[dict]) -> dict[str, dict]:
    return {c["name"]: c for c in rendered}


def test_path_words_become_command_group_subcommand() -> None:
    amount = Param("amount", ParamKind.INT, "How many", min_value=1, max_value=1000)
    rendered = by_name(render_commands([
        command("mod points grant", Param("member", ParamKind.MEMBER, "Who"), amount,
                Param("reason", ParamKind.TEXT, "Why", rest=True, max_length=200), permission=Permission.MODERATOR),
        command("mod points revoke", Param("member", ParamKind.MEMBER, "Who"), permission=Permission.MODERATOR),
        command("mod report", permission=Permission.MODERATOR),
        command("profile", Param("member", ParamKind.MEMBER, "Whose", required=False)),
    ]))
    mod = rendered["mod"]
    assert mod["type"] == 1 and mod["default_member_permissions"] == "32"
    points = next(o for o in mod["options"] if o["name"] == "points")
    assert points["type"] == 2 and [s["name"] for s in points["options"]] == ["grant", "revoke"]
    grant = points["options"][0]
    assert grant["type"] == 1 and [(o["name"], o["type"], o["required"]) for o in grant["options"]] == [
        ("member", 6, True), ("amount", 4, True), ("reason", 3, True)]
    assert (grant["options"][1]["min_value"], grant["options"][1]["max_value"]) == (1, 1000)
    assert grant["options"][2]["max_length"] == 200
    assert next(o for o in mod["options"] if o["name"] == "report")["type"] == 1
    profile = rendered["profile"]
    assert profile["default_member_permissions"] is None
    assert profile["options"] == [{"type": 6, "name": "member", "description": "Whose", "required": False}]


def test_option_kinds_and_choices() -> None:
    few = Param("colour", ParamKind.CHOICE, "Colour", choices=("red", "blue"))
    many = Param("size", ParamKind.CHOICE, "Size", choices=tuple(f"s{n}" for n in range(26)), required=False)
    [rendered] = render_commands([command("shop", few, Param("where", ParamKind.CHANNEL, "Channel"),
                                          Param("when", ParamKind.DURATION, "How long"),
                                          Param("photo", ParamKind.ATTACHMENT, "A photo"), many)])
    options = by_name(rendered["options"])
    assert options["colour"]["choices"] == [{"name": "red", "value": "red"}, {"name": "blue", "value": "blue"}]
    assert options["size"]["autocomplete"] is True and "choices" not in options["size"]
    assert options["where"]["type"] == 7 and 0 in options["where"]["channel_types"]
    assert options["when"]["type"] == 3 and "30m" in options["when"]["description"]
    assert options["photo"]["type"] == 11


def test_visibility_follows_the_lowest_permission_under_a_top_word() -> None:
    rendered = by_name(render_commands([
        command("admin wipe", permission=Permission.ADMIN),
        command("mod a", permission=Permission.MODERATOR), command("mod b", permission=Permission.ADMIN),
        command("poll create"), command("poll close", permission=Permission.MODERATOR),
    ], moderator_permission="manage_messages"))
    assert rendered["admin"]["default_member_permissions"] == "8"
    assert rendered["mod"]["default_member_permissions"] == "8192"
    assert rendered["poll"]["default_member_permissions"] is None  # the kit still refuses /poll close


def test_global_commands_say_where_they_appear() -> None:
    targets = plan_sync([command("help"), command("mydata", scope="private"), command("mod x",
                        permission=Permission.MODERATOR)], [], moderator_permission="manage_guild")
    [everywhere] = targets
    contexts = {c["name"]: c["contexts"] for c in everywhere.commands}
    assert contexts == {"help": [0, 1], "mydata": [1], "mod": [0]}
    split = plan_sync([command("help"), command("mydata", scope="private")], [1, 2],
                      moderator_permission="manage_guild")
    assert [(t.guild_id, [c["name"] for c in t.commands]) for t in split] == [
        (1, ["help"]), (2, ["help"]), (None, ["mydata"])]


def test_discord_limits_are_checked() -> None:
    params = tuple(Param(f"p{n}", ParamKind.TEXT, "x", required=False) for n in range(26))
    with pytest.raises(CommandTreeError, match="26 options"):
        render_commands([command("big", *params)])


def test_every_hearth_command_renders_within_discords_rules(hearth: Hearth) -> None:
    rendered = render_commands(hearth.registry.all())

    def walk(item: dict) -> None:
        assert NAME.match(item["name"]) and item["name"] == item["name"].lower()
        assert 1 <= len(item["description"]) <= 100
        assert len(item.get("options") or []) <= 25
        for child in item.get("options") or []:
            walk(child)

    for item in rendered:
        walk(item)
    assert {"help", "profile", "link", "mod"} <= {c["name"] for c in rendered}


def test_discords_answer_compares_equal_to_what_was_pushed() -> None:
    pushed = render_commands([command("link", Param("code", ParamKind.TEXT, "Code", required=False,
                                                    max_length=32))])
    answered = [{**pushed[0], "id": "1", "application_id": "2", "version": "3", "nsfw": False,
                 "options": [{k: v for k, v in pushed[0]["options"][0].items() if k != "required"}]}]
    assert comparable(answered[0], global_scope=False) == comparable(pushed[0], global_scope=False)
    assert not diff(answered, pushed, global_scope=False).any
    changed = diff(answered, render_commands([command("link")]), global_scope=False)
    assert changed.changed == ["link"]


def test_every_available_cog_renders_commands_discord_accepts(make_config: Callable[..., HearthConfig],
                                                               secrets: Secrets) -> None:
    enabled = ", ".join(f'"{name}"' for name in AVAILABLE)
    hearth = Hearth(make_config(f"[cogs]\nenabled = [{enabled}]\n"), secrets)
    for target in plan_sync(hearth.registry.all(), [1], moderator_permission="manage_guild"):
        checks.commands(target.commands)  # raises Invalid where Discord would answer 400
    asyncio.run(hearth.database.close())
