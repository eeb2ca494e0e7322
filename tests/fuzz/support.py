"""What the command fuzz tests share: argument strategies built from the real registry, an ERROR-record
trap that fails the example (so hypothesis can shrink it), and the checks every reply must pass."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from bot.kit.commands import Command, Param, ParamKind
from bot.kit.dispatch import INTERNAL_ERROR
from bot.kit.registry import CommandRegistry

# Few examples, one app per test function: the whole fuzz suite stays within seconds. HEARTH_FUZZ_EXAMPLES
# raises the count for a longer hunt (e.g. 2000 before a release).
FUZZ = settings(max_examples=int(os.environ.get("HEARTH_FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
WATCHED = ("telegram", "discord", "asyncio", "hearth")
# The leftovers of an unhandled exception or an unrendered object, in any reply.
BROKEN_MARKERS = ("Traceback", INTERNAL_ERROR[:30], "object at 0x", "<bot.", "<cogs.", "NoneType")

# Tokens that reach the interesting branches of the parsers and handlers (mentions, numbers at and past
# their limits, durations, quotes, markup, template braces, SQL and shell metacharacters).
SPECIAL_TOKENS = (
    "@bob_b", "@nobody", "<@2222222>", "<@>", "<@99999999999999999999>", "<#1>", "#general", "#-1001234567890",
    "0", "1", "-1", "10000", "10001", "2147483648", "99999999999999999999999", "1.5", "1e9", "NaN",
    "1h", "30m", "0m", "367d", "1w2d", "90", "mon 09:00", "first thu 18:00", "cron 0 9 * * 1", "cron * * *",
    "2026-01", "2026-13", "here", "yes", "confirm", "on", "off", '"', '"two words"', "“curly”", "'", "''",
    "https://example.com/x", "http://", "telegram:-1001234567890", "discord:1", "console:general",
    "<b>bold</b>", "</i>", "&amp;", "&", "<", "%s", "{name}", "{0}", "{", "\\", "$(id)", "'; DROP TABLE x; --",
    "🔥", "👍🏽", "\u200b", "\u202e", "ñ", "İ", "ß", "\t", "ﷺ",
)
MEMBER_TOKENS = ("@bob_b", "<@2222222>", "<@3333333>", "<@1111111>", "@nobody", "<@80351110224678912>")
safe_text = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


def command_words(registry: CommandRegistry) -> list[str]:
    """Every command path, plus the bare group words (``mod``, ``mod points``) a member may type."""
    paths = {command.path for command in registry.all()}
    groups = {" ".join(command.words[:n]) for command in registry.all() for n in range(1, len(command.words))}
    return sorted(paths | groups)


def choice_tokens(registry: CommandRegistry) -> list[str]:
    return sorted({choice for command in registry.all() for param in command.params for choice in param.choices})


def argument_text(registry: CommandRegistry) -> st.SearchStrategy[str]:
    """Text after a command: special and real choice tokens mixed with random text, sometimes huge."""
    token = st.sampled_from(SPECIAL_TOKENS + tuple(choice_tokens(registry))) | safe_text
    words = st.lists(token, max_size=8).map(" ".join)
    huge = st.tuples(st.sampled_from(["a", "é", "🔥", "word "]), st.integers(1000, 4000)).map(lambda t: t[0] * t[1])
    return st.one_of(words, words, safe_text, huge)


def _value(param: Param) -> st.SearchStrategy[str]:
    """Text for one parameter: usually well-formed (so the handler runs), sometimes at or past a limit."""
    if param.kind is ParamKind.CHOICE:
        valid = st.sampled_from(param.choices)
    elif param.kind is ParamKind.INT:
        low = param.min_value if param.min_value is not None else -(2**40)
        high = param.max_value if param.max_value is not None else 2**40
        valid = st.integers(low - 1, high + 1).map(str)
    elif param.kind is ParamKind.MEMBER:
        valid = st.sampled_from(MEMBER_TOKENS)
    elif param.kind is ParamKind.DURATION:
        valid = st.sampled_from(("1m", "45m", "2h", "1d", "1w", "366d", "367d", "0m"))
    elif param.kind is ParamKind.CHANNEL:
        valid = st.sampled_from(("#general", "#-1001234567890", "<#290926798999357250>"))
    else:
        limit = param.max_length or 300
        valid = st.one_of(safe_text.filter(lambda t: t.strip()).map(lambda t: f'"{t}"'),
                          st.integers(limit - 1, limit + 1).map(lambda n: "x" * n))
    return valid | st.sampled_from(SPECIAL_TOKENS)


def param_arguments(command: Command) -> st.SearchStrategy[str]:
    """One value per parameter (optional ones sometimes left out), sometimes with extra words after."""
    values = [_value(param) if param.required else st.one_of(st.just(""), _value(param))
              for param in command.params]
    extra = st.one_of(st.just(""), st.sampled_from(SPECIAL_TOKENS))
    return st.tuples(*values, extra).map(lambda parts: " ".join(part for part in parts if part))


class ErrorTrap(logging.Handler):
    """Collects ERROR records of the watched loggers while one example runs."""

    def __init__(self, watched: tuple[str, ...], tolerate: Callable[[logging.LogRecord], bool]) -> None:
        super().__init__(logging.ERROR)
        self.watched = watched
        self.tolerate = tolerate
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".")[0] in self.watched and not self.tolerate(record):
            self.records.append(record)

    def check(self) -> None:
        found, self.records = self.records, []
        assert not found, "error logged: " + "; ".join(f"{r.name}: {r.getMessage()[:300]}" for r in found[:3])


@contextmanager
def error_trap(watched: tuple[str, ...] = WATCHED,
               tolerate: Callable[[logging.LogRecord], bool] = lambda _record: False) -> Iterator[ErrorTrap]:
    trap = ErrorTrap(watched, tolerate)
    root = logging.getLogger()
    root.addHandler(trap)
    try:
        yield trap
    finally:
        root.removeHandler(trap)


def check_reply(text: str, context: str) -> None:
    assert text.strip(), f"an empty reply to {context!r}"
    for marker in BROKEN_MARKERS:
        assert marker not in text, f"{marker!r} in the reply to {context!r}: {text[:500]!r}"
