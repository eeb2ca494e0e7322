"""The declarative condition language of badges and tiers: parsed once at config load, evaluated purely.

A condition is one or more checks joined with ``and`` / ``or`` (parentheses group them)::

    count(ugc_post) >= 10            awards of a points rule, net of reversals
    points >= 500                    lifetime points
    purchases >= 3                   counted store orders
    post_reactors >= 25              distinct reactors on the member's best post
    streak(monday_wins) >= 4 weeks   longest streak on a ritual (consecutive occurrences)
    seasons_won >= 1                 seasons finished first
    tier(inner_circle) reached       the member meets that tier's condition
    joined before 2026-03-01         first seen by Hearth before that day (UTC)
    among first 100 members          one of the first N members Hearth saw

Only ``>=`` thresholds exist on purpose: every condition is "reach something", so re-evaluating after
more activity never takes a badge away by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NoReturn, Protocol

SYNTAX = ("count(RULE) >= N, points >= N, purchases >= N, post_reactors >= N, streak(RITUAL) >= N weeks, "
          "seasons_won >= N, tier(TIER) reached, joined before YYYY-MM-DD, among first N members — "
          "joined with and/or, e.g. \"count(ugc_post) >= 10 or points >= 5000\"")
NAME = re.compile(r"^[a-z0-9_]{1,40}$")
TOKEN = re.compile(r"\s*(?:(?P<date>\d{4}-\d{2}-\d{2})|(?P<number>\d+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)"
                   r"|(?P<op>>=|<=|==|!=|[()<>=,]))")
MAX_THRESHOLD = 10**9


class ConditionError(ValueError):
    """A condition that can't be read; the message says where and shows the right syntax."""


@dataclass(frozen=True)
class Facts:
    """What is known about one member, gathered in bulk before conditions are checked."""

    points: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    purchases: int = 0
    best_post_reactors: int = 0
    streaks: Mapping[str, int] = field(default_factory=dict)
    seasons_won: int = 0
    tiers_reached: frozenset[str] = frozenset()
    joined_at: datetime | None = None
    # The N of every "among first N members" check this member passes.
    first_n: frozenset[int] = frozenset()


@dataclass
class Needs:
    """Which facts a set of conditions reads, so the gatherer queries only those."""

    rules: set[str] = field(default_factory=set)
    rituals: set[str] = field(default_factory=set)
    first_n: set[int] = field(default_factory=set)
    tiers: set[str] = field(default_factory=set)
    points: bool = False
    purchases: bool = False
    reactors: bool = False
    seasons: bool = False
    joined: bool = False

    def union(self, other: Needs) -> Needs:
        return Needs(self.rules | other.rules, self.rituals | other.rituals, self.first_n | other.first_n,
                     self.tiers | other.tiers, self.points or other.points, self.purchases or other.purchases,
                     self.reactors or other.reactors, self.seasons or other.seasons, self.joined or other.joined)


class Condition(Protocol):
    def holds(self, facts: Facts) -> bool: ...

    def need(self, needs: Needs) -> None: ...

    def describe(self) -> str:
        """Plain English, for /badges and /tiers."""

    def progress(self, facts: Facts) -> str | None:
        """How far the member is ("120 / 500 points"), or None when there's nothing to count."""


@dataclass(frozen=True)
class Threshold:
    """``<fact> >= n`` for the numeric facts; ``arg`` is the rule or ritual for count() and streak()."""

    fact: str
    n: int
    arg: str = ""

    def value(self, facts: Facts) -> int:
        if self.fact == "count":
            return facts.counts.get(self.arg, 0)
        if self.fact == "streak":
            return facts.streaks.get(self.arg, 0)
        return int(getattr(facts, FACT_FIELDS[self.fact]))

    def holds(self, facts: Facts) -> bool:
        return self.value(facts) >= self.n

    def need(self, needs: Needs) -> None:
        if self.fact == "count":
            needs.rules.add(self.arg)
        elif self.fact == "streak":
            needs.rituals.add(self.arg)
        else:
            setattr(needs, FACT_NEEDS[self.fact], True)

    def _unit(self) -> str:
        if self.fact == "count":
            return f"{self.arg.replace('_', ' ')} awards"
        if self.fact == "streak":
            return f"week streak in {self.arg.replace('_', ' ')}"
        return UNITS[self.fact] if self.n != 1 else UNIT[self.fact]

    def describe(self) -> str:
        return f"{self.n:,} {self._unit()}" if self.n else "everyone"

    def progress(self, facts: Facts) -> str:
        return f"{min(self.value(facts), self.n):,} / {self.n:,} {self._unit()}"


FACT_FIELDS = {"points": "points", "purchases": "purchases", "post_reactors": "best_post_reactors",
               "seasons_won": "seasons_won"}
FACT_NEEDS = {"points": "points", "purchases": "purchases", "post_reactors": "reactors", "seasons_won": "seasons"}
UNITS = {"points": "points", "purchases": "purchases", "post_reactors": "distinct reactors on one post",
         "seasons_won": "seasons won"}
UNIT = {**UNITS, "purchases": "purchase", "post_reactors": "distinct reactor on one post", "seasons_won": "season won"}


@dataclass(frozen=True)
class TierReached:
    tier: str

    def holds(self, facts: Facts) -> bool:
        return self.tier in facts.tiers_reached

    def need(self, needs: Needs) -> None:
        needs.tiers.add(self.tier)

    def describe(self) -> str:
        return f"reach the {self.tier.replace('_', ' ')} tier"

    def progress(self, facts: Facts) -> str | None:
        return None


@dataclass(frozen=True)
class JoinedBefore:
    day: date

    def holds(self, facts: Facts) -> bool:
        return facts.joined_at is not None and facts.joined_at < datetime.combine(self.day, datetime.min.time(), UTC)

    def need(self, needs: Needs) -> None:
        needs.joined = True

    def describe(self) -> str:
        return f"joined before {self.day:%-d %b %Y}"

    def progress(self, facts: Facts) -> str | None:
        return None


@dataclass(frozen=True)
class AmongFirst:
    n: int

    def holds(self, facts: Facts) -> bool:
        return self.n in facts.first_n

    def need(self, needs: Needs) -> None:
        needs.first_n.add(self.n)

    def describe(self) -> str:
        return f"one of the first {self.n:,} members"

    def progress(self, facts: Facts) -> str | None:
        return None


@dataclass(frozen=True)
class Joined:
    """``and`` (all parts) or ``or`` (any part)."""

    word: str
    parts: tuple[Condition, ...]

    def holds(self, facts: Facts) -> bool:
        check = all if self.word == "and" else any
        return check(part.holds(facts) for part in self.parts)

    def need(self, needs: Needs) -> None:
        for part in self.parts:
            part.need(needs)

    def describe(self) -> str:
        return f" {self.word} ".join(_grouped(part, part.describe()) for part in self.parts)

    def progress(self, facts: Facts) -> str | None:
        shown = [(part, part.progress(facts)) for part in self.parts]
        if not any(text for _, text in shown):
            return None
        return f" {self.word} ".join(_grouped(part, text or part.describe()) for part, text in shown)


def _grouped(part: Condition, text: str) -> str:
    return f"({text})" if isinstance(part, Joined) else text


def needs_of(conditions: Sequence[Condition]) -> Needs:
    needs = Needs()
    for condition in conditions:
        condition.need(needs)
    return needs


def walk(condition: Condition) -> list[Condition]:
    """Every check inside a condition (for name checks against the rest of the config)."""
    if isinstance(condition, Joined):
        return [inner for part in condition.parts for inner in walk(part)]
    return [condition]


# --- parsing -----------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        position = 0
        stripped = text.rstrip()
        while position < len(stripped):
            match = TOKEN.match(stripped, position)
            if match is None or match.end() == position:
                rest = stripped[position:]
                self.fail(f"unexpected {rest.strip()[:1]!r}", position + len(rest) - len(rest.lstrip()))
            assert match.lastgroup is not None
            self.tokens.append((match.lastgroup, match.group(match.lastgroup), match.start(match.lastgroup)))
            position = match.end()
        self.index = 0

    def fail(self, problem: str, position: int | None = None) -> NoReturn:
        where = len(self.text) if position is None else position
        raise ConditionError(f"can't read {self.text!r} at character {where + 1}: {problem}. Write {SYNTAX}")

    def peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self, kind: str, what: str) -> str:
        token = self.peek()
        if token is None or token[0] != kind:
            self.fail(f"expected {what}" + (f", found {token[1]!r}" if token else " at the end"),
                      token[2] if token else None)
        self.index += 1
        return token[1]

    def word(self, *accepted: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() in accepted:
            self.index += 1
            return token[1].lower()
        return None

    def parse(self) -> Condition:
        if not self.tokens:
            self.fail("the condition is empty", 0)
        condition = self.expression()
        token = self.peek()
        if token is not None:
            self.fail(f"expected 'and' or 'or', found {token[1]!r}", token[2])
        return condition

    def expression(self) -> Condition:
        return self._joined("or", self.term)

    def term(self) -> Condition:
        return self._joined("and", self.factor)

    def _joined(self, word: str, inner: Callable[[], Condition]) -> Condition:
        parts = [inner()]
        while self.word(word):
            parts.append(inner())
        return parts[0] if len(parts) == 1 else Joined(word, tuple(parts))

    def factor(self) -> Condition:
        token = self.peek()
        if token is not None and token[1] == "(":
            self.index += 1
            inner = self.expression()
            self.take("op", "')'")
            return inner
        return self.check()

    def _name(self, what: str) -> str:
        self.take("op", f"'(' after {what}")
        name = self.take("word", f"a name inside {what}(…)")
        if not NAME.match(name):
            self.fail(f"{name!r} must be lowercase letters, digits and _")
        self.take("op", "')'")
        return name

    def _at_least(self, example: str) -> int:
        token = self.peek()
        if token is None or token[1] != ">=":
            found = f", found {token[1]!r}" if token else " at the end"
            self.fail(f"expected '>=' and a number{found} (thresholds are always >=, e.g. {example})",
                      token[2] if token else None)
        self.index += 1
        number = int(self.take("number", f"a whole number after '>=' (e.g. {example})"))
        if number > MAX_THRESHOLD:
            self.fail(f"{number} is more than {MAX_THRESHOLD:,}")
        return number

    def check(self) -> Condition:
        token = self.peek()
        start = token[2] if token else None
        name = self.word("count", "points", "purchases", "post_reactors", "streak", "seasons_won", "tier",
                         "joined", "among")
        if name is None:
            self.fail("expected a check" + (f", found {token[1]!r}" if token else ""), start)
        if name == "count":
            rule = self._name("count")
            return Threshold("count", self._at_least(f"count({rule}) >= 10"), rule)
        if name == "streak":
            ritual = self._name("streak")
            n = self._at_least(f"streak({ritual}) >= 4 weeks")
            self.word("weeks", "week", "times", "occurrences")
            return Threshold("streak", n, ritual)
        if name == "tier":
            tier = self._name("tier")
            self.word("reached")
            return TierReached(tier)
        if name == "joined":
            if self.word("among"):
                return self._first()
            if not self.word("before"):
                self.fail("expected 'before YYYY-MM-DD' or 'among first N members' after 'joined'")
            text = self.take("date", "a date like 2026-03-01 after 'before'")
            try:
                return JoinedBefore(date.fromisoformat(text))
            except ValueError:
                self.fail(f"{text} is not a real date")
        if name == "among":
            return self._first()
        return Threshold(name, self._at_least(f"{name} >= 500"))

    def _first(self) -> Condition:
        if not self.word("first"):
            self.fail("expected 'among first N members'")
        n = int(self.take("number", "a number, e.g. among first 100 members"))
        if n < 1:
            self.fail("N must be at least 1")
        self.word("members", "member")
        return AmongFirst(n)


def parse(text: str) -> Condition:
    """Read a condition; ``ConditionError`` explains what's wrong with an example of the right syntax."""
    return _Parser(text).parse()
