"""The rule book on its own: near-duplicate text, cooldowns and daily caps (no database, no app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cogs.points.config import PointsConfig, RuleConfig
from cogs.points.rules import RuleBook

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def book(**rules: RuleConfig) -> RuleBook:
    return RuleBook(PointsConfig(rules=rules), UTC)


def test_repeats_and_near_repeats_earn_nothing_but_new_text_does() -> None:
    rules = book()
    assert not rules.is_repeat(1, "Dialled in the new Ethiopian beans at 18 grams, tastes of blueberry")
    assert rules.is_repeat(1, "dialled in the NEW ethiopian beans at 18 grams — tastes of blueberry!!")
    # Nine of ten words the same, one changed: still the same message for farming purposes.
    assert rules.is_repeat(1, "Dialled in the new Ethiopian beans at 18 grams, tastes of strawberry")
    assert not rules.is_repeat(1, "Anyone tried the oat milk blend with a flat white? Worth it?")
    assert not rules.is_repeat(2, "Dialled in the new Ethiopian beans at 18 grams, tastes of blueberry")


def test_short_messages_only_repeat_exactly() -> None:
    rules = book()
    assert not rules.is_repeat(1, "great shot")
    assert rules.is_repeat(1, "Great shot!")
    assert not rules.is_repeat(1, "great cup")


def test_the_window_forgets_old_messages() -> None:
    rules = RuleBook(PointsConfig(duplicate_window=2), UTC)
    first = "my grinder finally arrived and the burrs are lovely"
    assert not rules.is_repeat(1, first)
    assert not rules.is_repeat(1, "tried a washed Kenyan this morning, bright and juicy")
    assert not rules.is_repeat(1, "what water do you all use for pour over brewing")
    assert not rules.is_repeat(1, first)  # two newer messages pushed it out of the window


def test_cooldown_and_daily_cap_book_against_each_member_and_rule() -> None:
    rules = book(comment=RuleConfig(amount=10, cooldown_seconds=60, daily_cap=25))
    assert rules.allowance(1, "comment", AT) == 10
    assert rules.allowance(1, "comment", AT + timedelta(seconds=30)) == 0  # cooling down
    assert rules.allowance(2, "comment", AT + timedelta(seconds=30)) == 10  # someone else
    assert rules.allowance(1, "comment", AT + timedelta(seconds=61)) == 10
    assert rules.allowance(1, "comment", AT + timedelta(seconds=200)) == 5  # the cap leaves 5 of 25
    assert rules.allowance(1, "comment", AT + timedelta(seconds=400)) == 0
    assert rules.allowance(1, "comment", AT + timedelta(days=1)) == 10  # a new day
    assert rules.allowance(1, "no_such_rule", AT) == 0


def test_channel_multipliers_apply_to_a_channel_or_its_parent() -> None:
    rules = book(ugc_post=RuleConfig(amount=50, channel_multipliers={"discord:7": 2.0, "discord:8": 0.5}))
    assert rules.allowance(1, "ugc_post", AT, "discord:7") == 100
    assert rules.allowance(1, "ugc_post", AT, "discord:8/thread-3") == 25
    assert rules.allowance(1, "ugc_post", AT, "discord:9") == 50
