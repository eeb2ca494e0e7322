"""Hypothesis: TOML documents (random tables, keys and values of every TOML type; mutations of
config.example.toml, structured and as text; random HEARTH_* overrides) through ``load_config`` and
``hearth config check``. Either a valid config — which the app must then accept — or a ConfigError whose every
line names where the problem is; never another exception, never a traceback."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.app import Hearth
from bot.cli import main
from bot.config import ENV_OVERRIDES, ConfigError, HearthConfig, load_config
from bot.secrets import Secrets
from storage.database import create_engine
from tests.fuzz.support import FUZZ

CONFIG_FUZZ = settings(FUZZ, max_examples=max(FUZZ.max_examples * 2 // 3, 1))

EXAMPLE_TEXT = (Path(__file__).resolve().parents[2] / "config.example.toml").read_text(encoding="utf-8")
EXAMPLE = tomllib.loads(EXAMPLE_TEXT)
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
KNOWN_KEYS = sorted({key for table in (EXAMPLE, *[v for v in EXAMPLE.values() if isinstance(v, dict)])
                     for key in table} | {"token", "api_key", "password", "ritual", "rules", "products"})


# --- a small TOML writer (the standard library only reads TOML) ------------------------------------------


def _string(value: str) -> str:
    # JSON's escapes are TOML's, except that TOML also wants DEL escaped.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007F")


def _key(key: str) -> str:
    return key if BARE_KEY.match(key) else _string(key)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)  # inf, nan, 1e+16: TOML spells them the same
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def to_toml(document: dict[str, Any], prefix: str = "") -> str:
    scalars = {k: v for k, v in document.items() if not isinstance(v, dict)
               and not (isinstance(v, list) and v and all(isinstance(i, dict) for i in v))}
    lines = [f"{_key(k)} = {_value(v)}" for k, v in scalars.items()]
    for key, value in document.items():
        name = f"{prefix}{_key(key)}"
        if isinstance(value, dict):
            lines += [f"[{name}]", to_toml(value, name + ".")]
        elif key not in scalars:
            for item in value:
                lines += [f"[[{name}]]", to_toml(item, name + ".")]
    return "\n".join(line for line in lines if line)


# --- strategies ------------------------------------------------------------------------------------------

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)  # a file can't hold lone surrogates
key = st.one_of(st.sampled_from(KNOWN_KEYS), text.filter(bool).map(lambda k: k[:12]))
scalar = st.one_of(
    st.booleans(), st.integers(-(2**63), 2**63 - 1), st.integers(), st.floats(), text,
    st.sampled_from(["UTC", "Mars/Olympus", "mon 09:00", "cron 0 9 * * 1", "1h", "-1d", "https://", "#zz",
                     "discord:1", "telegram:x", "", " ", "sqlite+aiosqlite:///x.db", "postgresql+asyncpg://h/d"]),
    st.datetimes(), st.dates(), st.times())
toml_value = st.recursive(scalar, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(key, inner, max_size=3), max_leaves=8)
random_document = st.dictionaries(key, st.one_of(toml_value, st.dictionaries(key, toml_value, max_size=4)),
                                  max_size=5)
# Accepted by the old prefix check, yet each made building the app raise (found by this test).
DATABASE_URLS = ("sqlite+aiosqlite:///", "sqlite+aiosqlite://", "sqlite+aiosqlite:///:memory:", "sqlite+aiosqlite://x",
                 "postgresql+asyncpg://h:port/d", "postgresql+asyncpg://[::1/d", "postgresql+asyncpg://u:p@h:5432/d")
# The environment can't hold a NUL byte (the OS refuses it), so no value has one.
environment = st.dictionaries(
    st.sampled_from(sorted(ENV_OVERRIDES)),
    st.one_of(text.map(lambda v: v.replace("\x00", "")),
              st.sampled_from(["80", "-1", "99999", "debug", "inline", "ftp://x", *DATABASE_URLS])),
    max_size=2)


def leaf_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for name, value in node.items():
            found += leaf_paths(value, (*prefix, name))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += leaf_paths(value, (*prefix, index))
    return found


@st.composite
def mutated_example(draw: st.DrawFn) -> dict[str, Any]:
    document = copy.deepcopy(EXAMPLE)
    for _ in range(draw(st.integers(1, 3))):
        paths = leaf_paths(document)
        path = draw(st.sampled_from(paths))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete":
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(key)] = draw(toml_value)
        else:
            parent[path[-1]] = draw(toml_value)
    return document


@st.composite
def mutated_example_text(draw: st.DrawFn) -> str:
    lines = EXAMPLE_TEXT.splitlines()
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        edit = draw(st.sampled_from(["drop", "duplicate", "insert", "truncate"]))
        if edit == "drop":
            del lines[index]
        elif edit == "duplicate":
            lines.insert(index, lines[index])
        elif edit == "insert":
            lines.insert(index, draw(text))
        else:
            lines[index] = lines[index][: draw(st.integers(0, max(len(lines[index]) - 1, 0)))]
    return "\n".join(lines)


# --- the checks ------------------------------------------------------------------------------------------


def check_loading(text: str, environ: dict[str, str], tmp_path: Path, *, build_app: bool = False) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    env = dict(environ)
    try:
        config = load_config(path, environ=env)
    except ConfigError as error:
        assert error.problems, "a ConfigError without problems"
        for problem in error.problems:
            assert problem.strip() and "Traceback" not in problem
            # Every line says where: the file (and key) or the environment variable.
            assert problem.startswith(str(path)) or problem.startswith("HEARTH_"), problem
        valid = False
    else:
        assert isinstance(config, HearthConfig)
        # A valid config is one the app can be built from (the whole app costs ~0.15 s: only where asked).
        if build_app:
            Hearth(config, Secrets(instance=b"fuzz-instance-secret"))
        else:
            create_engine(config.database.url)
        valid = True
    cli_env: dict[str, str | None] = {name: None for name in ENV_OVERRIDES} | env | {"HEARTH_CONFIG": None}
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"], env=cli_env)
    assert "Traceback" not in result.output
    assert result.exit_code == (0 if valid else 2), (result.exit_code, result.output, result.exception)
    assert ("Configuration OK" if valid else "Invalid configuration:") in result.output


@pytest.fixture(autouse=True)
def in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Relative data_dir and SQLite paths (the defaults among them) land here, not in the repository.
    monkeypatch.chdir(tmp_path)


@CONFIG_FUZZ
@given(document=random_document, environ=environment)
@example(document={"web": {"port": "80"}, "points": 3}, environ={"HEARTH_POINTS_WRITER": "inline"})
@example(document={}, environ={"HEARTH_DATABASE_URL": "sqlite+aiosqlite:///"})
@example(document={"database": {"url": "postgresql+asyncpg://h:port/d"}}, environ={})
def test_random_toml_documents(document: dict[str, Any], environ: dict[str, str], tmp_path: Path) -> None:
    check_loading(to_toml(document), environ, tmp_path)


@CONFIG_FUZZ
@given(document=mutated_example(), environ=environment)
def test_mutations_of_the_example_config(document: dict[str, Any], environ: dict[str, str], tmp_path: Path) -> None:
    check_loading(to_toml(document), environ, tmp_path, build_app=True)


@CONFIG_FUZZ
@given(document=mutated_example_text() | text | st.binary(max_size=100).map(lambda b: b.decode("latin-1")))
def test_text_edits_of_the_example_config(document: str, tmp_path: Path) -> None:
    check_loading(document, {}, tmp_path)


def test_the_writer_round_trips_the_example() -> None:
    # The fuzz documents reach load_config as written: the writer must be faithful.
    assert tomllib.loads(to_toml(EXAMPLE)) == EXAMPLE
