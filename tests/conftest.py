"""Shared fixtures: a migrated SQLite per test (copied from one template), the app, and log guards."""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from bot.app import Hearth
from bot.config import HearthConfig, load_config
from bot.kit.clock import ManualClock
from bot.kit.platform import Place
from bot.secrets import Secrets
from storage.migrate import upgrade
from tests.support.harness import Chat
from tests.support.memory_platform import MemoryPlatform
from tests.support.postgres import PostgresServer, PostgresUnavailable, start_postgres
from tests.support.sql import DatabaseFactory

WATCHED_LOGGERS = ("telegram", "discord", "asyncio", "hearth")


@pytest.fixture(autouse=True)
def fail_on_logged_errors(request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Libraries only log handler exceptions: any ERROR from them (or from Hearth) fails the test.

    A test that provokes an error on purpose says so with ``@pytest.mark.allow_errors``.
    """
    caplog.set_level(logging.INFO)
    yield
    if request.node.get_closest_marker("allow_errors"):
        return
    errors = [r for r in caplog.get_records("call")
              if r.levelno >= logging.ERROR and r.name.split(".")[0] in WATCHED_LOGGERS]
    if errors:
        pytest.fail("error logged: " + "; ".join(f"{r.name}: {r.getMessage()}" for r in errors[:3]))


@pytest.fixture(scope="session")
def template_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrations run once per session; every test gets a copy of the result."""
    path = tmp_path_factory.mktemp("template") / "hearth.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


# HEARTH_TEST_DATABASE=postgresql runs the whole suite on PostgreSQL (parity: the same tests, both backends).
ON_POSTGRES = os.environ.get("HEARTH_TEST_DATABASE", "sqlite").lower().startswith("postgres")
# The fixtures through which a test's database follows HEARTH_TEST_DATABASE.
SWITCHED = frozenset({"database_url", "new_database"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend-tests-only", action="store_true",
                     help="only the tests whose database follows HEARTH_TEST_DATABASE (CI's second pass: the others "
                          "use no database or name their backend, so the first pass already ran them as they are)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--backend-tests-only"):
        return
    kept = [item for item in items if SWITCHED & set(getattr(item, "fixturenames", ()))]
    dropped = [item for item in items if not SWITCHED & set(getattr(item, "fixturenames", ()))]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> DatabaseFactory:
    """As many fresh databases as a test needs (several bots, a reference run), each a copy of the template."""
    made = itertools.count()
    # The selected backend's session fixtures now, while this fixture is being set up.
    if ON_POSTGRES:
        template: str = request.getfixturevalue("postgres_template")
        server: PostgresServer = request.getfixturevalue("postgres_server")

    def make(backend: str | None = None) -> str:
        number = next(made)
        if backend is None and ON_POSTGRES:
            name = "t_" + uuid.uuid4().hex[:12]
            url = server.create_database(name, template=template)
            request.addfinalizer(lambda: server.drop_database(name))
            return url
        path = tmp_path / ("hearth.db" if number == 0 else f"hearth{number}.db")
        shutil.copy(request.getfixturevalue("template_database"), path)
        return f"sqlite+aiosqlite:///{path}"

    return make


@pytest.fixture
def database_url(new_database: DatabaseFactory) -> str:
    return new_database()


@pytest.fixture
def make_config(database_url: str, tmp_path: Path) -> Callable[..., HearthConfig]:
    def build(toml: str = "") -> HearthConfig:
        path = tmp_path / "config.toml"
        path.write_text(f'data_dir = "{tmp_path}"\n{toml}')
        # The inline points writer: no worker process per test (the process writer has its own tests).
        return load_config(path, environ={"HEARTH_DATABASE_URL": database_url, "HEARTH_POINTS_WRITER": "inline"})

    return build


@pytest.fixture
def secrets() -> Secrets:
    return Secrets(instance=b"test-instance-secret")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def hearth(make_config: Callable[..., HearthConfig], secrets: Secrets,
                 clock: ManualClock) -> AsyncIterator[Hearth]:
    app = Hearth(make_config(), secrets, clock=clock)
    await app.start(web=False)
    yield app
    await app.stop()


@pytest.fixture
def memory_platform() -> MemoryPlatform:
    return MemoryPlatform()


@pytest.fixture
def chat(hearth: Hearth, memory_platform: MemoryPlatform) -> Chat:
    return Chat(hearth, memory_platform, Place(platform="memory", chat_id="general", guild_id="g1"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        server = start_postgres()
    except PostgresUnavailable as problem:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {problem}")
        pytest.skip(str(problem))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: PostgresServer) -> str:
    """Migrated once; each test's database is a copy (CREATE DATABASE … TEMPLATE is a file copy)."""
    name = "hearth_template"
    upgrade(postgres_server.create_database(name))
    return name


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on the suite's PostgreSQL server."""
    name = "t_" + uuid.uuid4().hex[:12]
    url = postgres_server.create_database(name)
    request.addfinalizer(lambda: postgres_server.drop_database(name))
    return url
