"""Where discord.py sends its requests: Discord itself, or a local emulator named in the environment.

``HEARTH_DISCORD_API_BASE`` (e.g. ``http://127.0.0.1:8099/api/v10``) and ``HEARTH_DISCORD_GATEWAY_URL``
(e.g. ``ws://127.0.0.1:8099/gateway/``) exist for local emulators and offline tests only; production
leaves both unset. discord.py reads them from two class attributes, so they are set before the client
makes its first request and restored when the adapter stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import discord.gateway
import discord.http
import yarl

API_BASE_ENV = "HEARTH_DISCORD_API_BASE"
GATEWAY_ENV = "HEARTH_DISCORD_GATEWAY_URL"

log = logging.getLogger("hearth.discord")


class EndpointError(ValueError):
    """An override is not a usable URL; the message names the variable and the expected form."""


@dataclass(frozen=True)
class Endpoints:
    api_base: str | None = None
    gateway_url: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Endpoints:
        api_base = environ.get(API_BASE_ENV, "").strip().rstrip("/") or None
        gateway_url = environ.get(GATEWAY_ENV, "").strip() or None
        if api_base and not api_base.startswith(("http://", "https://")):
            raise EndpointError(f"{API_BASE_ENV} must look like http://127.0.0.1:PORT/api/v10 (got {api_base!r})")
        if gateway_url and not gateway_url.startswith(("ws://", "wss://")):
            raise EndpointError(f"{GATEWAY_ENV} must look like ws://127.0.0.1:PORT/gateway/ (got {gateway_url!r})")
        return cls(api_base, gateway_url)

    @property
    def overridden(self) -> bool:
        return bool(self.api_base or self.gateway_url)

    def apply(self) -> Callable[[], None]:
        """Point discord.py at these endpoints; returns a function that puts the previous ones back."""
        previous_base = discord.http.Route.BASE
        previous_gateway = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        if self.api_base:
            discord.http.Route.BASE = self.api_base
        if self.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        if self.overridden:
            log.warning("Discord endpoints overridden for a local emulator: REST %s, gateway %s",
                        self.api_base or "(Discord)", self.gateway_url or "(Discord)")

        def restore() -> None:
            discord.http.Route.BASE = previous_base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = previous_gateway

        return restore
