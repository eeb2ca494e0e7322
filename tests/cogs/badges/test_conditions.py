"""The condition language on its own: parsing, evaluation, descriptions, progress and readable errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cogs.badges.conditions import ConditionError, Facts, needs_of, parse


@pytest.mark.parametrize(("text", "facts", "holds"), [
    ("count(ugc_post) >= 10", Facts(counts={"ugc_post": 10}), True),
    ("count(ugc_post) >= 10", Facts(counts={"ugc_post": 9, "peer_help": 50}), False),
    ("points >= 500", Facts(points=499), False),
    ("points >= 2000 or purchases >= 3", Facts(points=10, purchases=3), True),
    ("points >= 2000 and purchases >= 3", Facts(points=10, purchases=3), False),
    ("post_reactors >= 25", Facts(best_post_reactors=25), True),
    ("streak(monday_wins) >= 4 weeks", Facts(streaks={"monday_wins": 4}), True),
    ("streak(monday_wins) >= 4", Facts(streaks={"monday_wins": 3}), False),
    ("seasons_won >= 1", Facts(seasons_won=1), True),
    ("tier(insider) reached", Facts(tiers_reached=frozenset({"member", "insider"})), True),
    ("tier(inner_circle)", Facts(tiers_reached=frozenset({"member", "insider"})), False),
    ("joined before 2026-03-01", Facts(joined_at=datetime(2026, 2, 28, 23, 59, tzinfo=UTC)), True),
    ("joined before 2026-03-01", Facts(joined_at=datetime(2026, 3, 1, tzinfo=UTC)), False),
    ("joined before 2026-03-01", Facts(), False),
    ("among first 100 members", Facts(first_n=frozenset({100})), True),
    ("joined among first 100", Facts(), False),
    ("(points >= 5 or purchases >= 1) AND count(ugc_post) >= 1", Facts(purchases=1, counts={"ugc_post": 1}), True),
])
def test_conditions_evaluate(text: str, facts: Facts, holds: bool) -> None:
    assert parse(text).holds(facts) is holds


def test_needs_say_what_to_query() -> None:
    needs = needs_of([parse("count(ugc_post) >= 1 or streak(office_hours) >= 2"), parse("among first 50"),
                      parse("points >= 1 and tier(insider) reached")])
    assert needs.rules == {"ugc_post"} and needs.rituals == {"office_hours"} and needs.first_n == {50}
    assert needs.points and needs.tiers == {"insider"}
    assert not (needs.purchases or needs.reactors or needs.seasons or needs.joined)


def test_descriptions_and_progress_read_as_english() -> None:
    inner = parse("points >= 2000 or purchases >= 3")
    assert inner.describe() == "2,000 points or 3 purchases"
    assert inner.progress(Facts(points=120, purchases=1)) == "120 / 2,000 points or 1 / 3 purchases"
    assert parse("points >= 500").progress(Facts(points=120)) == "120 / 500 points"
    assert parse("count(peer_help) >= 50").progress(Facts(counts={"peer_help": 12})) == "12 / 50 peer help awards"
    assert parse("seasons_won >= 1").describe() == "1 season won"
    assert parse("among first 100 members").progress(Facts()) is None
    assert parse("joined before 2026-03-01").describe() == "joined before 1 Mar 2026"
    # Past the target the count stops at it: "500 / 500", never "900 / 500".
    assert parse("points >= 500").progress(Facts(points=900)) == "500 / 500 points"


@pytest.mark.parametrize(("text", "says"), [
    ("count(ugc_post) > 10", "expected '>=' and a number, found '>' (thresholds are always >=, e.g. "
                             "count(ugc_post) >= 10)"),
    ("points", "expected '>=' and a number at the end"),
    ("pointz >= 4", "at character 1: expected a check, found 'pointz'"),
    ("", "the condition is empty"),
    ("points >= 5 and", "expected a check"),
    ("points >= 5 extra", "expected 'and' or 'or', found 'extra'"),
    ("joined before 2026-02-30", "2026-02-30 is not a real date"),
    ("tier(Insider) reached", "'Insider' must be lowercase letters, digits and _"),
    ("points >= -1", "at character 11: unexpected '-'"),
    ("(points >= 1", "expected ')'"),
    ("among 5", "expected 'among first N members'"),
])
def test_bad_conditions_say_where_and_show_the_syntax(text: str, says: str) -> None:
    with pytest.raises(ConditionError) as error:
        parse(text)
    assert says in str(error.value)
    assert "count(RULE) >= N, points >= N" in str(error.value)  # every error shows the right syntax
