"""Bad input is refused with what to fix (formats, examples); config rituals are validated the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.adapters.discord.commands import render_commands
from bot.config import ConfigError, load_config
from bot.kit.commands import Permission
from bot.kit.platform import Place
from tests.cogs.rituals.conftest import Rig
from tests.support.harness import Chat, user


async def test_invalid_schedule_and_timezone_are_refused_with_the_format(rig: Rig) -> None:
    answer = await rig.mod('/mod ritual create "Weekly Wins" "every monday morning" here')
    assert "'every monday morning' isn't a schedule I understand" in answer
    assert 'like "mon 09:00 Europe/Berlin"' in answer and '"cron 0 9 * * 1"' in answer
    answer = await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00 Mars/Olympus" here')
    assert "'Mars/Olympus' isn't an IANA timezone: use e.g. Europe/Berlin, America/New_York or UTC." in answer
    answer = await rig.mod('/mod ritual create "Weekly Wins" "mon 9am" here')
    assert "'9am' isn't a 24-hour time like 09:00" in answer
    assert "No rituals are running" in await rig.chat.text(user("alice"), "/rituals")  # nothing was created


async def test_other_bad_input(rig: Rig) -> None:
    answer = await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" nowhere')
    assert "'nowhere' isn't a channel key: write platform:chat_id, e.g. discord:123456789" in answer
    answer = await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" here Hi {nmae}!')
    assert "The prompt uses {nmae}; the variables are {name}, {week}" in answer
    assert "stray brace" in await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" here Hi {name!')
    assert "There's already a ritual called Monday Wins" in await rig.mod('/mod ritual create "Monday Wins" '
                                                                          '"mon 09:00" here')
    assert "Give the ritual a name" in await rig.mod('/mod ritual create "!!!" "mon 09:00" here')
    dm = Chat(rig.hearth, rig.platform, Place("memory", "dm-mod", is_private=True))
    answer = await dm.text(user("mod"), '/mod ritual create "Weekly Wins" "mon 09:00"', role=Permission.MODERATOR)
    assert "'here' is a private chat" in answer
    assert "no ritual called 'nope'" in await rig.mod("/mod ritual pause nope")
    await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" here')
    assert "isn't a schedule I understand" in await rig.mod("/mod ritual edit weekly_wins schedule tomorrow")
    assert "Points must be a whole number" in await rig.mod("/mod ritual edit weekly_wins points lots")
    assert "RSVP takes on or off" in await rig.mod("/mod ritual edit weekly_wins rsvp maybe")
    assert "is not a duration: use e.g. 30m, 2h, 1d or 1w" in await rig.mod("/mod ritual edit weekly_wins open soon")
    assert "Field must be one of: name, schedule" in await rig.mod("/mod ritual edit weekly_wins colour red")
    assert "isn't paused" in await rig.mod("/mod ritual resume weekly_wins")


async def test_edits_apply_and_delete_frees_the_name(rig: Rig) -> None:
    await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" here')
    assert "schedule updated" in await rig.mod('/mod ritual edit weekly_wins schedule tue 18:30 Europe/Paris')
    assert "points updated" in await rig.mod("/mod ritual edit weekly_wins points 35")
    assert "rsvp updated" in await rig.mod("/mod ritual edit weekly_wins rsvp on")
    assert "remind updated" in await rig.mod("/mod ritual edit weekly_wins remind 30m")
    listing = await rig.mod("/mod ritual list")
    assert "Tuesdays at 18:30 (Europe/Paris)" in listing and "35 points · RSVP · remind 30 minutes before" in listing
    assert "defined in config.toml" in await rig.mod("/mod ritual delete monday_wins")
    assert "Deleted Weekly Wins." in await rig.mod("/mod ritual delete Weekly Wins")
    assert "Weekly Wins" not in await rig.mod("/mod ritual list")
    assert "Created Weekly Wins" in await rig.mod('/mod ritual create "Weekly Wins" "mon 09:00" here')


async def test_members_cant_run_moderator_commands(rig: Rig) -> None:
    answer = await rig.chat.text(user("alice"), '/mod ritual create "Mine" "mon 09:00" here')
    assert "/mod ritual create is for moderators only." in answer


async def test_the_commands_fit_discord(rig: Rig) -> None:
    ours = [c for c in rig.hearth.registry.all() if c.path.split()[0] in {"rituals", "remindme"}
            or c.path.startswith("mod ritual")]
    assert len(ours) == 10
    rendered = render_commands(ours)  # raises if Discord's limits (names, options, descriptions) are broken
    assert {item["name"] for item in rendered} == {"rituals", "remindme", "mod"}


def write(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    return path


@pytest.mark.parametrize(("ritual", "problem"), [
    ('schedule = "someday"', "isn't a schedule I understand"),
    ('schedule = "mon 09:00"\ntimezone = "Mars/Olympus"', "'Mars/Olympus' isn't an IANA timezone"),
    ('schedule = "mon 09:00"\nenabled = true', "is enabled but has no channels"),
    ('schedule = "mon 09:00"\nchannels = ["general"]', "'general' isn't a channel key"),
    ('schedule = "mon 09:00"\nopen_for = "forever"', "'forever' is not a duration"),
    ('schedule = "mon 09:00"\nprompt = "Hi {who}"', "the prompt uses {who}"),
    ('schedule = "mon 09:00"\ncolour = "red"', "unknown key"),
])
def test_config_rituals_are_validated(tmp_path: Path, ritual: str, problem: str) -> None:
    prompt = "" if "prompt" in ritual else 'prompt = "Share a win"\n'
    toml = f'[[rituals.ritual]]\nkey = "wins"\nname = "Wins"\n{prompt}{ritual}\n'
    with pytest.raises(ConfigError) as refused:
        load_config(write(tmp_path, toml), environ={})
    assert any(problem in line and "rituals.ritual" in line for line in refused.value.problems), refused.value


def test_duplicate_keys_and_global_settings_are_checked(tmp_path: Path) -> None:
    one = '[[rituals.ritual]]\nkey = "wins"\nname = "Wins"\nprompt = "Hi"\nschedule = "mon 09:00"\n'
    with pytest.raises(ConfigError, match="ritual key 'wins' is used twice"):
        load_config(write(tmp_path, one + one), environ={})
    with pytest.raises(ConfigError, match="is not a duration"):
        load_config(write(tmp_path, '[rituals]\nmisfire_grace = "a while"\n'), environ={})
    with pytest.raises(ConfigError, match="isn't a channel key"):
        load_config(write(tmp_path, '[rituals]\nmoderator_channel = "#mods"\n'), environ={})
