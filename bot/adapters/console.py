"""The local console chat: type as a member, see the bot's replies as text. Same cogs, same database.

Console-only commands (handled here, not by cogs): ``/as NAME`` switches member, ``/mod on|off``
toggles moderator rights for the current member, ``/press N`` clicks button N of the last message,
``/quit`` leaves. Everything else goes through the kit exactly as on Discord or Telegram.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import threading
from collections.abc import Callable
from typing import TextIO

from bot.kit.bus import EventBus
from bot.kit.clock import Clock
from bot.kit.commands import Permission
from bot.kit.context import Invocation
from bot.kit.dispatch import Dispatcher
from bot.kit.events import MessagePosted
from bot.kit.platform import (
    Capabilities,
    MessageRef,
    Place,
    PlatformUser,
    Role,
    RoleChange,
)
from bot.kit.reply import Choice, Poll, Reply

PLATFORM = "console"
_NAME = re.compile(r"^[A-Za-z0-9_]{1,32}$")
_MENTION = re.compile(r"@([A-Za-z0-9_]{1,32})")
BANNER = (
    "Hearth console — you are '{name}' in #{channel}. Type /help for commands.\n"
    "Console extras: /as NAME (switch member), /mod on|off (moderator rights), /press N (click a button), /quit"
)


def console_user(name: str) -> PlatformUser:
    return PlatformUser(platform=PLATFORM, user_id=name.lower(), display_name=name, username=name.lower())


class ConsolePlatform:
    """Prints what cogs send. DMs, threads and roles are shown as text so a demo shows everything."""

    name = PLATFORM
    capabilities = Capabilities(threads=True, native_polls=False, buttons=True, roles=True)

    def __init__(self, output: TextIO) -> None:
        self._output = output
        self._ids = itertools.count(1)
        self.last_choices: tuple[Choice, ...] = ()

    def new_ref(self, place: Place) -> MessageRef:
        return MessageRef(place=place, message_id=str(next(self._ids)))

    def show(self, reply: Reply, *, heading: str = "hearth") -> None:
        marker = {"error": "✗ ", "success": "✓ ", "warning": "! "}.get(reply.tone, "")
        lines = reply.plain_text().splitlines() or [""]
        private = " (only you)" if reply.private else ""
        out = [f"{heading}{private}: {marker}{lines[0]}", *(f"  {line}" for line in lines[1:])]
        if reply.image_url:
            out.append(f"  [image] {reply.image_url}")
        out.extend(f"  [file] {upload.filename} ({len(upload.data)} bytes)" for upload in reply.files)
        for number, choice in enumerate(reply.choices, start=1):
            target = f" → {choice.url}" if choice.url else f" — /press {number}"
            out.append(f"  [{number}] {choice.label}{target}")
        if reply.choices:
            self.last_choices = reply.choices
        self._output.write("\n".join(out) + "\n")
        self._output.flush()

    async def send(self, place: Place, reply: Reply) -> MessageRef:
        where = f"#{place.chat_id}" + (f" › {place.thread_id}" if place.thread_id else "")
        self.show(reply, heading=f"hearth in {where}")
        return self.new_ref(place)

    async def reply(self, to: MessageRef, reply: Reply) -> MessageRef:
        self.show(reply)
        return self.new_ref(to.place)

    async def edit(self, message: MessageRef, reply: Reply) -> None:
        self.show(reply, heading=f"hearth (edited #{message.message_id})")

    async def delete(self, message: MessageRef) -> None:
        self._output.write(f"hearth: (deleted message #{message.message_id})\n")

    async def create_thread(self, message: MessageRef, title: str) -> Place:
        self._output.write(f"hearth: (opened thread '{title}')\n")
        return Place(platform=PLATFORM, chat_id=message.place.chat_id, thread_id=title)

    async def send_poll(self, place: Place, poll: Poll) -> MessageRef:
        options = "\n".join(f"{n}. {text}" for n, text in enumerate(poll.options, start=1))
        self.show(Reply(title=f"Poll: {poll.question}", text=options))
        return self.new_ref(place)

    async def send_direct(self, user_id: str, reply: Reply) -> MessageRef:
        self.show(reply, heading=f"hearth → DM to {user_id}")
        return self.new_ref(Place(platform=PLATFORM, chat_id=f"dm-{user_id}", is_private=True))

    async def grant_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        self._output.write(f"hearth: (gave {user_id} the role {role.name or role.role_id}: {reason})\n")
        return RoleChange(applied=True)

    async def revoke_role(self, user_id: str, role: Role, reason: str) -> RoleChange:
        self._output.write(f"hearth: (took the role {role.name or role.role_id} from {user_id}: {reason})\n")
        return RoleChange(applied=True)

    async def fetch_user(self, user_id: str) -> PlatformUser:
        return console_user(user_id)

    async def create_invite_link(self, place: Place, name: str) -> str | None:
        return None  # the console is one local chat: nobody joins it


def _start_reader(stream: TextIO, interactive: bool, prompt: Callable[[], str],
                  loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    """Blocking reads in a daemon thread, so a waiting ``input()`` never holds the process at exit."""

    def read() -> None:
        while True:
            try:
                line: str | None = input(prompt()) if interactive else stream.readline()
            except (EOFError, KeyboardInterrupt):
                line = None
            if line == "" and not interactive:
                line = None  # readline() gives "" only at end of input
            loop.call_soon_threadsafe(queue.put_nowait, None if line is None else line.rstrip("\n"))
            if line is None:
                return

    threading.Thread(target=read, name="console-input", daemon=True).start()


class ConsoleAdapter:
    def __init__(self, dispatcher: Dispatcher, bus: EventBus, clock: Clock, *, member: str, channel: str,
                 input_stream: TextIO | None = None, output: TextIO | None = None) -> None:
        self.dispatcher = dispatcher
        self.bus = bus
        self.clock = clock
        self.input = input_stream or sys.stdin
        self.output = output or sys.stdout
        self.platform = ConsolePlatform(self.output)
        self.place = Place(platform=PLATFORM, chat_id=channel, guild_id="console")
        self.member = member
        self.moderators: set[str] = set()
        self.interactive = self.input.isatty()

    async def start(self) -> None:
        """Nothing to connect to; the console is ready at once."""

    async def stop(self) -> None:
        """Nothing to disconnect."""

    @property
    def actor(self) -> PlatformUser:
        return console_user(self.member)

    @property
    def role(self) -> Permission:
        return Permission.MODERATOR if self.member.lower() in self.moderators else Permission.MEMBER

    async def run(self) -> None:
        """Read lines until EOF or /quit."""
        if self.interactive:
            self.output.write(BANNER.format(name=self.member, channel=self.place.chat_id) + "\n")
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        _start_reader(self.input, self.interactive, lambda: f"{self.member}> ",
                      asyncio.get_running_loop(), queue)
        while (line := await queue.get()) is not None:
            if not self.interactive and line.strip():
                self.output.write(f"{self.member}> {line}\n")
            if not await self.handle_line(line):
                return

    async def handle_line(self, line: str) -> bool:
        """Handle one typed line; ``False`` means the user asked to leave."""
        text = line.strip()
        if not text:
            return True
        if not text.startswith("/"):
            await self._post_message(text)
            return True
        words = text[1:].split()
        head = words[0].lower() if words else ""
        if head == "quit" and len(words) == 1:
            return False
        if head == "as":
            self._switch_member(words[1:])
        elif head == "mod" and len(words) == 2 and words[1].lower() in {"on", "off"}:
            self._toggle_moderator(words[1].lower() == "on")
        elif head == "press":
            await self._press(words[1:])
        else:
            await self._dispatch(text[1:])
        return True

    def _say(self, text: str) -> None:
        self.output.write(f"console: {text}\n")
        self.output.flush()

    def _switch_member(self, args: list[str]) -> None:
        if len(args) != 1 or not _NAME.match(args[0]):
            self._say("usage: /as NAME (letters, digits and _ only, up to 32)")
            return
        self.member = args[0]
        rights = " (moderator)" if self.role >= Permission.MODERATOR else ""
        self._say(f"you are now {self.member}{rights}")

    def _toggle_moderator(self, on: bool) -> None:
        if on:
            self.moderators.add(self.member.lower())
        else:
            self.moderators.discard(self.member.lower())
        self._say(f"{self.member} is {'now' if on else 'no longer'} a moderator")

    async def _press(self, args: list[str]) -> None:
        choices = self.platform.last_choices
        if len(args) != 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= len(choices):
            self._say(f"usage: /press N, with N from 1 to {len(choices)}" if choices else "there's no button to press")
            return
        choice = choices[int(args[0]) - 1]
        if choice.url:
            self._say(f"that button opens {choice.url}")
            return
        outcome = await self.dispatcher.dispatch_action(
            self.platform, self.actor, self.place, self.role, choice.action)
        for reply in outcome.replies:
            self.platform.show(reply)

    async def _dispatch(self, text: str) -> None:
        mentions = tuple(console_user(name) for name in dict.fromkeys(_MENTION.findall(text)))
        message = self.platform.new_ref(self.place)
        invocation = Invocation(platform=self.platform, actor=self.actor, place=self.place, role=self.role,
                                text=text, message=message, mentions=mentions)
        outcome = await self.dispatcher.dispatch(invocation)
        for reply in outcome.replies:
            self.platform.show(reply)

    async def _post_message(self, text: str) -> None:
        message = self.platform.new_ref(self.place)
        mentions = tuple(console_user(name) for name in dict.fromkeys(_MENTION.findall(text)))
        await self.bus.publish(MessagePosted(message=message, author=self.actor, text=text,
                                             at=self.clock.now(), mentions=mentions))
