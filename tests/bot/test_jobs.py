"""Stopping Hearth while a scheduled job runs: the job finishes (not cancelled halfway, no error logged)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.app import Hearth
from bot.config import HearthConfig
from bot.secrets import Secrets


async def test_stop_lets_a_running_job_finish(make_config: Callable[..., HearthConfig], secrets: Secrets,
                                              caplog: pytest.LogCaptureFixture) -> None:
    hearth = Hearth(make_config('[cogs]\nenabled = ["help"]\n'), secrets)
    await hearth.start(web=False)
    started, release, finished = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def posting() -> None:
        started.set()
        await release.wait()
        finished.set()

    hearth.scheduler.add_job(posting, "date", run_date=datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=10)
    stopping = asyncio.create_task(hearth.stop())
    for _ in range(20):
        await asyncio.sleep(0)
    assert not stopping.done() and hearth.jobs.running == 1
    release.set()
    await stopping
    assert finished.is_set()
    assert "raised an exception" not in caplog.text


async def test_a_job_that_outlasts_the_wait_is_stopped_with_a_warning(
        make_config: Callable[..., HearthConfig], secrets: Secrets, caplog: pytest.LogCaptureFixture) -> None:
    hearth = Hearth(make_config('[cogs]\nenabled = ["help"]\n'), secrets)
    await hearth.start(web=False)
    started = asyncio.Event()

    async def stuck() -> None:
        started.set()
        await asyncio.Event().wait()

    hearth.scheduler.add_job(stuck, "date", run_date=datetime.now(UTC))
    await asyncio.wait_for(started.wait(), timeout=10)
    with caplog.at_level(logging.WARNING):
        await hearth.stop(job_wait=0.05)
    assert "1 scheduled job(s) still running after 0 s: stopping them" in caplog.text
