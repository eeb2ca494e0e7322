"""Turning a batch of newly recorded ledger rows into aggregate deltas (pure: runs in the writer process).

Each aggregate row is written once per batch, however many awards in the batch touch it.
"""

from __future__ import annotations

from typing import Any

from storage.batch import CounterUpsert

LEDGER_COLUMNS = ("source_key", "member_id", "rule", "amount", "created_at", "season_id", "note", "actor_member_id")
CATEGORY_OF_RULE = {
    "peer_help": "helpers", "answer_accepted": "helpers", "mentoring": "helpers",
    "ugc_post": "creators", "tutorial": "creators", "product_review": "creators",
    "referral_converted": "referrers",
}
CATEGORY_COLUMNS = ("helpers", "creators", "referrers")

# What a ledger row needs for aggregation but doesn't store: (week key, post key, post author, reversal).
Extra = tuple[str, str | None, int | None, bool]


def points_totals(rows: list[tuple[Any, ...]], inserted: list[int], extras: list[Extra],
                  season_id: int) -> list[CounterUpsert]:
    points: dict[int, list[Any]] = {}  # member → [lifetime, week points, week, season points]
    categories: dict[int, list[int]] = {}
    rules: dict[tuple[int, str], list[int]] = {}
    posts: dict[str, list[Any]] = {}
    for index in inserted:
        _key, member_id, rule, amount = rows[index][:4]
        week, post_key, post_author, reversal = extras[index]
        step = -1 if reversal else 1
        row = points.get(member_id)
        if row is None:
            row = points[member_id] = [0, 0, week, 0]
        elif row[2] != week:
            # A batch spanning the week boundary keeps the later week's points only.
            row[1], row[2] = 0, week
        row[0] += amount
        row[1] += amount
        row[3] += amount
        category = CATEGORY_OF_RULE.get(rule)
        if category:
            counts = categories.setdefault(member_id, [0, 0, 0])
            counts[CATEGORY_COLUMNS.index(category)] += step
        rule_row = rules.setdefault((member_id, rule), [0, 0])
        rule_row[0] += step
        rule_row[1] += amount
        if post_key:
            post = posts.setdefault(post_key, [post_author, 0])
            post[1] += step
    if season_id:
        totals = CounterUpsert(
            "member_points", ("member_id", "lifetime", "week", "week_points", "season_id", "season_points"),
            ("member_id",), ("lifetime",), [(m, v[0], v[2], v[1], season_id, v[3]) for m, v in points.items()],
            resets=(("week_points", "week"), ("season_points", "season_id")))
    else:
        # No season running: leave the season columns (and their index) alone; a new season resets them.
        totals = CounterUpsert("member_points", ("member_id", "lifetime", "week", "week_points"), ("member_id",),
                               ("lifetime",), [(m, v[0], v[2], v[1]) for m, v in points.items()],
                               resets=(("week_points", "week"),))
    return [
        totals,
        # A separate statement touches the category columns (and their indexes) only when they change.
        CounterUpsert("member_points", ("member_id", *CATEGORY_COLUMNS), ("member_id",), CATEGORY_COLUMNS,
                      [(m, *v) for m, v in categories.items()]),
        CounterUpsert("rule_counts", ("member_id", "rule", "count", "points"), ("member_id", "rule"),
                      ("count", "points"), [(m, r, v[0], v[1]) for (m, r), v in rules.items()]),
        CounterUpsert("post_stats", ("post_key", "author_member_id", "reactors"), ("post_key",), ("reactors",),
                      [(k, v[0], v[1]) for k, v in posts.items()]),
    ]
