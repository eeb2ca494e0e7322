"""What every ``hearth`` command shares: loading config and secrets, preparing the database, running async code."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from bot.config import ConfigError, HearthConfig, load_config
from bot.logging_setup import configure_logging
from bot.secrets import Secrets, load_secrets
from storage.database import Database, is_sqlite
from storage.migrate import DatabaseProblem, SchemaState, SchemaStatus, newer_schema_message, schema_status, upgrade

EXIT_CONFIG = 2
EXIT_DATABASE = 3


@dataclass(frozen=True)
class Setup:
    config: HearthConfig
    secrets: Secrets


def fail(message: str, code: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(code)


def load_setup(config_path: Path | None) -> Setup:
    try:
        config = load_config(config_path)
    except ConfigError as error:
        fail("Invalid configuration:\n" + "\n".join(f"  - {p}" for p in error.problems), EXIT_CONFIG)
    secrets = load_secrets(os.environ, Path(config.data_dir))
    configure_logging(config.log.level, secrets.values())
    return Setup(config, secrets)


def run_async(main: Callable[[], Awaitable[Any]]) -> Any:
    try:
        return asyncio.run(main())
    except DatabaseProblem as problem:
        fail(f"Database problem: {problem}", EXIT_DATABASE)


def upgrade_checked(url: str) -> None:
    """Bring the schema to head; refuse (and change nothing) if it is newer or the file is corrupt."""

    async def status() -> SchemaStatus:
        database = Database(url)
        try:
            return await schema_status(database)
        finally:
            await database.close()

    try:
        current = asyncio.run(status())
        if current.state is SchemaState.NEWER:
            fail(f"Database problem: {newer_schema_message(current)}", EXIT_DATABASE)
        if current.state is not SchemaState.CURRENT:
            upgrade(url)
    except DatabaseProblem as problem:
        fail(f"Database problem: {problem}", EXIT_DATABASE)


def prepare_database(config: HearthConfig) -> None:
    """SQLite (one embedded process) is upgraded on start; PostgreSQL waits for `hearth db upgrade`."""
    if is_sqlite(config.database.url):
        upgrade_checked(config.database.url)
