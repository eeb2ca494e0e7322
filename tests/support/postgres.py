"""A throwaway PostgreSQL server on 127.0.0.1 for the suite (Debian's server binaries, initdb + pg_ctl).

The server refuses to run as root, so as root it runs through ``runuser -u postgres``. In CI
(``CI`` set) a missing server is an error, never a skip: the parity tests must run there.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

T = TypeVar("T")


class PostgresUnavailable(RuntimeError):
    pass


def _bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


class _AdminConnection:
    """One kept-open connection to the ``postgres`` database, on an event loop thread of its own.

    Why not ``createdb``: through ``runuser`` it costs ~160 ms per test, the statement ~40 ms. Why a thread:
    databases are also made from async fixtures, whose loop is already running. Statements run one at a time
    (one connection); ``submit`` doesn't wait, so a test's database is dropped while the next test starts.
    """

    def __init__(self, dsn: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hearth-pg-admin", daemon=True)
        self._thread.start()
        self._lock = asyncio.Lock()
        self._pending: list[concurrent.futures.Future[None]] = []
        self._connection: asyncpg.Connection = self._call(asyncpg.connect(dsn))

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=120)

    async def _execute(self, sql: str) -> None:
        async with self._lock:
            await self._connection.execute(sql)

    def execute(self, sql: str) -> None:
        self._call(self._execute(sql))

    def submit(self, sql: str) -> None:
        self._pending = [f for f in self._pending if not f.done() or f.exception() is not None]
        self._pending.append(asyncio.run_coroutine_threadsafe(self._execute(sql), self._loop))

    def close(self) -> None:
        try:
            # A statement that failed in the background fails the run here rather than going unnoticed.
            for future in self._pending:
                future.result(timeout=120)
            self._call(self._connection.close())
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    directory: Path
    port: int
    bin_dir: Path
    as_postgres: bool
    _admin: _AdminConnection | None = field(default=None, repr=False)

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://hearth@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://hearth@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def create_database(self, name: str, template: str | None = None) -> str:
        if self._admin is None:
            self._admin = _AdminConnection(f"postgresql://hearth@127.0.0.1:{self.port}/postgres")
        # FILE_COPY: for a small template a plain file copy beats WAL-logging every block (~25% faster).
        copy = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
        self._admin.execute(f'CREATE DATABASE "{name}"{copy}')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """In the background. Why drop at all: a 10 MB copy per test left ~6 GB for the run's end to delete.
        FORCE: a test's process killed on purpose may still hold a connection."""
        if self._admin is not None:
            self._admin.submit(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            if self._admin is not None:
                self._admin.close()
            self._run("pg_ctl", "-D", str(self.directory / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)


def _throwaway_parent() -> str | None:
    """RAM-backed ``/dev/shm`` when it has room. Why: on the shared disk each test's ``CREATE DATABASE`` waited
    ~300 ms for its 10 MB of writes, ~15 ms in RAM. (Each test's copy is dropped, so the cluster stays small.)"""
    try:
        free = shutil.disk_usage("/dev/shm").free
    except OSError:
        return None
    return "/dev/shm" if free > 2 * 1024**3 and os.access("/dev/shm", os.W_OK) else None


def start_postgres(durable: bool = False) -> PostgresServer:
    """``durable``: PostgreSQL's own flushing defaults (benchmarks measure what a deployment gets); the suite's
    server skips every flush instead."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable("PostgreSQL server binaries not found (apt-get install postgresql)")
    as_postgres = os.geteuid() == 0
    directory = Path(tempfile.mkdtemp(prefix="hearth-pg-", dir=None if durable else _throwaway_parent()))
    if as_postgres:
        shutil.chown(directory, "postgres", "postgres")
    server = PostgresServer(directory, _free_port(), bin_dir, as_postgres)
    try:
        server._run("initdb", "-A", "trust", "-U", "hearth", "-D", str(directory / "data"), "--no-sync")
        options = f"-p {server.port} -k {directory} -c listen_addresses=127.0.0.1"
        if not durable:
            # A throwaway cluster: no crash safety wanted, so no flushing (fsync, commit waits, full-page images);
            # and little WAL kept, since it may live in RAM.
            options += (" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                        " -c min_wal_size=32MB -c max_wal_size=128MB")
        server._run("pg_ctl", "-D", str(directory / "data"), "-o", options, "-l", str(directory / "log"),
                    "-w", "-t", "30", "start")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        log = (directory / "log").read_text() if (directory / "log").exists() else ""
        shutil.rmtree(directory, ignore_errors=True)
        detail = getattr(error, "stderr", b"") or b""
        raise PostgresUnavailable(f"could not start PostgreSQL: {detail.decode(errors='replace')} {log}") from None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", server.port)) == 0:
                return server
        time.sleep(0.05)
    server.stop()
    raise PostgresUnavailable("PostgreSQL did not start listening")
