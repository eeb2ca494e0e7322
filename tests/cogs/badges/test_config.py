"""Bad badge and tier config is refused at load, naming the key and showing what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, load_config


def problems(tmp_path: Path, toml: str) -> list[str]:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as error:
        load_config(path, environ={})
    return error.value.problems


def test_defaults_hold_the_seed_badges_and_tiers() -> None:
    config = load_config(Path("/nonexistent.toml"), environ={})
    assert config.badges.definitions["content_creator"].when == "count(ugc_post) >= 10"
    assert config.badges.definitions["helpful_member"].when == "count(peer_help) >= 50"
    assert config.badges.definitions["brand_advocate"].when == "count(referral_converted) >= 10"
    assert config.badges.definitions["community_expert"].when == "count(answer_accepted) >= 25"
    assert config.badges.definitions["trendsetter"].when == "post_reactors >= 25"
    assert [level.name for level in config.tiers.levels] == ["Member", "Insider", "Inner Circle", "Founding Member"]
    assert {"tiers", "badges"} <= set(config.cogs.enabled)


def test_a_badge_override_keeps_the_other_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[badges]\ndisabled = ["champion"]\n[badges.definitions.content_creator]\n'
                    'name = "Creator"\nwhen = "count(ugc_post) >= 3"\n')
    badges = load_config(path, environ={}).badges
    assert badges.definitions["content_creator"].when == "count(ugc_post) >= 3"
    assert "helpful_member" in badges.active() and "champion" not in badges.active()


def test_bad_condition_syntax_names_the_badge_key_with_an_example(tmp_path: Path) -> None:
    found = problems(tmp_path, '[badges.definitions.content_creator]\nname = "C"\nwhen = "count(ugc_post) > 10"\n')
    assert len(found) == 1
    assert "badges.definitions.content_creator.when: can't read 'count(ugc_post) > 10'" in found[0]
    assert "e.g. count(ugc_post) >= 10" in found[0]


def test_unknown_rule_in_a_condition_names_the_badge(tmp_path: Path) -> None:
    found = problems(tmp_path, '[badges.definitions.poster]\nname = "Poster"\nwhen = "count(ugc_posts) >= 3"\n')
    assert len(found) == 1
    assert "badges: badge 'poster': count(ugc_posts) names no points rule; known rules:" in found[0]
    assert "ugc_post" in found[0]


def test_custom_points_rules_and_engine_rules_are_known(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[points.rules.workshop]\namount = 5\n[badges.definitions.host]\nname = "Host"\n'
                    'when = "count(workshop) >= 2 or count(moderator_grant) >= 1"\n')
    assert load_config(path, environ={}).badges.definitions["host"].name == "Host"


def test_unknown_tier_and_badge_names_are_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, '[badges]\ndisabled = ["champoin"]\n')
    assert found[0].endswith("badges.disabled: no badge 'champoin' to disable; badges: content_creator, "
                             "helpful_member, brand_advocate, trendsetter, founding_member, community_expert, "
                             "champion (got ['champoin'])")
    found = problems(tmp_path, '[badges.definitions.vip]\nname = "VIP"\nwhen = "tier(gold) reached"\n')
    assert any("badge 'vip': tier(gold) names no tier; tiers: member, insider, inner_circle" in p for p in found)


def test_bad_tier_config_is_refused(tmp_path: Path) -> None:
    levels = ('[[tiers.levels]]\nkey = "a"\nname = "A"\nwhen = "points >= 0"\n'
              '[[tiers.levels]]\nkey = "a"\nname = "B"\nwhen = "tier(a) reached"\nmessage = "Hi {name}"\n'
              'roles = {discord = " "}\n'
              '[[tiers.levels]]\nkey = "c"\nname = "C"\nwhen = "count(nope) >= 1"\n')
    found = problems(tmp_path, f'[tiers]\nannounce_channel = "general"\n{levels}')
    text = "\n".join(found)
    assert "tiers.announce_channel: 'general' isn't a channel key" in text
    assert "tiers.levels.1.when: a tier's condition can't depend on tiers" in text
    assert "tiers.levels.1.message: message: unknown placeholder {name}; use {member} or {tier}" in text
    assert "tiers.levels.1.roles: the discord role id is empty" in text


def test_tier_rule_names_and_duplicates(tmp_path: Path) -> None:
    found = problems(tmp_path, '[[tiers.levels]]\nkey = "a"\nname = "A"\nwhen = "count(nope) >= 1"\n'
                               '[[tiers.levels]]\nkey = "a"\nname = "B"\nwhen = "points >= 9"\n')
    assert any("tiers.levels: tier 'a' is listed twice" in p for p in found)
    found = problems(tmp_path, '[[tiers.levels]]\nkey = "a"\nname = "A"\nwhen = "count(nope) >= 1"\n')
    assert any("tiers: tier 'a': count(nope) names no points rule" in p for p in found)
