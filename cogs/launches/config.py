"""The ``[launches]`` config section: where launch phases post, the early-access window and the recap."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.kit.platform import check_place_key
from cogs.rituals.config import duration


class LaunchesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where every phase posts ("discord:CHANNEL_ID", "telegram:CHAT_ID"); empty = where /mod launch create ran.
    places: list[str] = Field(default_factory=list)
    # Waitlisted members get early access this many hours before the public launch (24-48), unless
    # /mod launch create says otherwise.
    early_access_hours: int = Field(24, ge=24, le=48)
    # The recap (waitlist → buyers, the launch's community posts) is posted this long after the launch.
    recap_after: str = "7d"
    # How often due phases are looked for, in seconds.
    check_seconds: float = Field(60.0, ge=5, le=3600)

    @field_validator("places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("recap_after")
    @classmethod
    def _duration(cls, value: str) -> str:
        duration(value)
        return value
