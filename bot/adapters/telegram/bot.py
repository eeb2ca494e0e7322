"""The PTB bot Hearth runs: updates are parsed one by one, so one malformed update can't stall polling.

PTB's own ``get_updates`` parses a whole batch at once; if one update doesn't parse (a field from a
newer Bot API, a broken self-hosted server) the batch is dropped *without advancing the offset*, so
the same batch comes back forever. Here each update is parsed alone; one that fails becomes an
empty placeholder (so the offset still moves past it) and is counted.
"""

from __future__ import annotations

import datetime as dtm
import logging
import ssl
from collections.abc import Callable, Sequence
from typing import Any

import httpx
from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

log = logging.getLogger("hearth.telegram")

MALFORMED = "hearth_malformed"
OnMalformed = Callable[[Any], None]


def parse_update(data: Any, bot: ExtBot[Any], on_malformed: OnMalformed) -> Update | None:
    """One raw update as a PTB Update; a malformed one becomes a placeholder marked ``MALFORMED``.

    ``None`` only when not even an ``update_id`` can be read.
    """
    try:
        update = Update.de_json(data, bot)
        if update is not None:
            return update
        raise ValueError("empty update")
    except Exception as problem:
        on_malformed(data)
        update_id = data.get("update_id") if isinstance(data, dict) else None
        log.warning("ignored a malformed Telegram update %s: %s: %s", update_id, type(problem).__name__, problem)
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            return Update(update_id=update_id, api_kwargs={MALFORMED: True})
        return None


class HearthBot(ExtBot[None]):
    """ExtBot whose ``get_updates`` survives updates it can't parse (see the module docstring)."""

    def __init__(self, token: str, *, base_url: str, request: HTTPXRequest, get_updates_request: HTTPXRequest,
                 on_malformed: OnMalformed) -> None:
        super().__init__(token, base_url=base_url, request=request, get_updates_request=get_updates_request)
        with self._unfrozen():
            self.on_malformed = on_malformed

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dtm.timedelta | None = None,
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        data: JSONDict = {"timeout": timeout, "offset": offset, "limit": limit, "allowed_updates": allowed_updates}
        # As in PTB: the HTTP read may take the long-poll timeout on top of the normal read timeout.
        base = self._request[0].read_timeout if read_timeout is DEFAULT_NONE else read_timeout
        seconds = timeout.total_seconds() if isinstance(timeout, dtm.timedelta) else float(timeout or 0)
        result = await self._post("getUpdates", data, read_timeout=float(base or 0) + seconds,
                                  write_timeout=write_timeout, connect_timeout=connect_timeout,
                                  pool_timeout=pool_timeout, api_kwargs=api_kwargs)
        if not isinstance(result, list):
            self.on_malformed(result)
            log.warning("getUpdates answered %s, not a list: ignored", type(result).__name__)
            return ()
        updates = (parse_update(item, self, self.on_malformed) for item in result)
        return tuple(update for update in updates if update is not None)


    async def member_status(self, chat_id: int, user_id: int) -> str | None:
        """Just the ``status`` from getChatMember. Permission checks need nothing else, and reading only it
        keeps them working whichever other fields a ChatMember variant gains (PTB requires them all)."""
        result = await self._post("getChatMember", {"chat_id": chat_id, "user_id": user_id})
        status = result.get("status") if isinstance(result, dict) else None
        return status if isinstance(status, str) else None

    async def one_time_invite(self, chat_id: int, *, name: str, expire_date: dtm.datetime) -> str | None:
        """A createChatInviteLink for one person (``member_limit=1``); only the link itself is read."""
        result = await self._post("createChatInviteLink", {"chat_id": chat_id, "member_limit": 1, "name": name,
                                                           "expire_date": int(expire_date.timestamp())})
        link = result.get("invite_link") if isinstance(result, dict) else None
        return link if isinstance(link, str) else None

    async def named_invite(self, chat_id: int, *, name: str) -> str | None:
        """A reusable createChatInviteLink with a name: Telegram reports it (link and name) with every join it
        brings, which is what referral attribution needs. Only the link is read, as in ``one_time_invite``."""
        result = await self._post("createChatInviteLink", {"chat_id": chat_id, "name": name})
        link = result.get("invite_link") if isinstance(result, dict) else None
        return link if isinstance(link, str) else None


def is_malformed(update: Update) -> bool:
    return bool(update.api_kwargs.get(MALFORMED))


def build_bot(token: str, base_url: str, ssl_context: ssl.SSLContext, on_malformed: OnMalformed) -> HearthBot:
    """One bot with two HTTP clients (calls, long polls) sharing one TLS context: loading CA certificates
    twice is the slowest part of starting."""
    kwargs: dict[str, Any] = {"httpx_kwargs": {"verify": ssl_context}}
    request = HTTPXRequest(connection_pool_size=32, read_timeout=15.0, write_timeout=20.0, **kwargs)
    polling = HTTPXRequest(connection_pool_size=2, read_timeout=10.0, **kwargs)
    return HearthBot(token, base_url=base_url or "https://api.telegram.org/bot", request=request,
                     get_updates_request=polling, on_malformed=on_malformed)


def default_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()
