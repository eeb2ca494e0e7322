"""A load generator for the crash test: chat events through the real app, printing each durable award.

    python -m tests.support.points_load DATABASE_URL DATA_DIR [--start N] [--count N]

Prints ``ack <source key>`` once an award's transaction has committed; runs until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import Hearth
from bot.config import load_config
from bot.kit.clock import ManualClock
from bot.kit.events import MessagePosted
from bot.kit.platform import MessageRef, Place, PlatformUser
from bot.secrets import Secrets
from cogs.points.engine import Award

MEMBERS = 200


def event(index: int, start: datetime) -> tuple[PlatformUser, MessagePosted]:
    user = PlatformUser("discord", str(1000 + index % MEMBERS), f"m{index % MEMBERS}")
    message = MessageRef(Place("discord", "900", guild_id="1"), str(10**12 + index))
    words = f"post {index} about grind size {index * 7 % 101} and water {index * 13 % 97} degrees"
    return user, MessagePosted(message=message, author=user, text=words, at=start + timedelta(seconds=index))


async def run(url: str, data_dir: Path, first: int, count: int) -> None:
    config_file = data_dir / "load.toml"
    # writer = "process" on SQLite (the worker process, as in production); PostgreSQL always writes through Core.
    config_file.write_text(f'data_dir = "{data_dir}"\n[database]\nurl = "{url}"\n'
                           '[points]\nwriter = "process"\nduplicate_window = 0\n'
                           '[points.rules.message]\namount = 3\ncooldown_seconds = 0\ndaily_cap = 0\n')
    start = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    clock = ManualClock(start)
    app = Hearth(load_config(config_file, environ={}), Secrets(instance=b"crash-test"), clock=clock)
    await app.start(web=False)
    engine = app.points

    def acknowledge(source: str, future: asyncio.Future[bool]) -> None:
        if not future.cancelled() and future.exception() is None and future.result():
            sys.stdout.write(f"ack {source}\n")
            sys.stdout.flush()

    for index in range(first, first + count):
        user, posted = event(index, start)
        clock.set(posted.at)
        member_id = await app.members.resolve(user)
        source = f"discord:message:900:{posted.message.message_id}"
        future = engine.submit(Award(member_id, "message", 3, source, posted.at), acknowledge=True)
        assert future is not None
        future.add_done_callback(lambda done, key=source: acknowledge(key, done))
        if index % 50 == 0:
            await asyncio.sleep(0.005)
    await engine.flush()
    sys.stdout.write("done\n")
    sys.stdout.flush()
    await app.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--start", type=int, default=0)
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.data_dir, args.start, args.count))


if __name__ == "__main__":
    main()
