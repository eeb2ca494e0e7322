"""The ``[rituals]`` config section: global settings and the rituals defined in the file.

The four shipped rituals are ready but disabled: a brand sets ``enabled = true`` and ``channels`` on the
ones it wants. Rituals created with ``/mod ritual create`` live in the database, not here.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.kit.arguments import ArgumentError, parse_duration
from bot.kit.platform import check_place_key
from cogs.rituals.schedule import ScheduleError, parse_schedule
from cogs.rituals.templates import TemplateError, check_template

KEY_PATTERN = r"^[a-z0-9_]{1,32}$"
# A place key as Place.key writes it: platform, chat id, optionally "/thread".


def duration(text: str, *, allow_zero: bool = False) -> timedelta:
    """``"1d"`` → timedelta; ``""`` or ``"0"`` means none where ``allow_zero``."""
    if allow_zero and text.strip() in {"", "0", "0m", "none", "off"}:
        return timedelta()
    try:
        return parse_duration(text)
    except ArgumentError as problem:
        raise ValueError(str(problem)) from None


class RitualDefinition(BaseModel):
    """One ritual. Durations are like ``30m``, ``2h``, ``1d``; ``""`` means none."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=KEY_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    enabled: bool = False
    schedule: str
    # Empty: the community timezone. A timezone at the end of ``schedule`` wins over this.
    timezone: str = ""
    channels: list[str] = Field(default_factory=list)
    prompt: str = Field(min_length=1, max_length=1500)
    open_for: str = "1d"
    announce_before: str = ""
    remind_before: str = ""
    # Points for taking part; unset: the ``ritual_participation`` points rule decides.
    points: int | None = Field(None, ge=0, le=10_000)
    rsvp: bool = False

    @field_validator("channels")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("prompt")
    @classmethod
    def _template(cls, value: str) -> str:
        try:
            return check_template(value)
        except TemplateError as problem:
            raise ValueError(str(problem)) from None

    @field_validator("open_for")
    @classmethod
    def _open(cls, value: str) -> str:
        duration(value)
        return value

    @field_validator("announce_before", "remind_before")
    @classmethod
    def _optional_duration(cls, value: str) -> str:
        duration(value, allow_zero=True)
        return value

    @model_validator(mode="after")
    def _schedule_and_channels(self) -> RitualDefinition:
        try:
            # The community timezone isn't known here; the format doesn't depend on it.
            parse_schedule(self.schedule, self.timezone or "UTC")
        except ScheduleError as problem:
            raise ValueError(str(problem)) from None
        if self.enabled and not self.channels:
            raise ValueError(f"ritual {self.key!r} is enabled but has no channels: add e.g. "
                             'channels = ["discord:123456789"]')
        return self


def _default_rituals() -> list[RitualDefinition]:
    return [
        RitualDefinition(
            key="monday_wins", name="Monday Wins", schedule="mon 09:00", open_for="2d", remind_before="15m",
            prompt="🏆 {name}, week {week}: share one win from last week, big or small! Co-host: {cohost}.\n"
                   "Last time's favourites:\n{top_posts}"),
        RitualDefinition(
            key="feedback_friday", name="Feedback Friday", schedule="fri 15:00", open_for="1d",
            remind_before="15m",
            prompt="🔍 {name}, week {week}: post what you're working on, then give feedback on two others' work. "
                   "Co-host: {cohost}."),
        RitualDefinition(
            key="office_hours", name="Office Hours", schedule="wed 17:00", open_for="1h", announce_before="1d",
            remind_before="15m", rsvp=True,
            prompt="☕ {name}: ask the team anything, live on {date} at {time}. Tap “I'll be there” and I'll "
                   "remind you 15 minutes before."),
        RitualDefinition(
            key="community_drop", name="Monthly Community Drop", schedule="first thu 18:00", open_for="3d",
            remind_before="1h",
            prompt="📦 {name}: this month's drop is here! Show what you made, bought or brewed.\n"
                   "Last drop's favourites:\n{top_posts}"),
    ]


class RitualsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # A post missed while Hearth was down goes out on start if it's at most this late; else it's recorded missed.
    misfire_grace: str = "1h"
    # Where to tell moderators a ritual can't post (a place key); empty: DM the ritual's creator.
    moderator_channel: str = ""
    # Where the monthly "community wins" roundup goes (place keys); empty: no roundup.
    roundup_channels: list[str] = Field(default_factory=list)
    # How many top posts a recap and a roundup show.
    top_posts: int = Field(3, ge=1, le=10)
    ritual: list[RitualDefinition] = Field(default_factory=_default_rituals)

    @field_validator("misfire_grace")
    @classmethod
    def _grace(cls, value: str) -> str:
        duration(value)
        return value

    @field_validator("moderator_channel")
    @classmethod
    def _moderator_place(cls, value: str) -> str:
        return check_place_key(value) if value else value

    @field_validator("roundup_channels")
    @classmethod
    def _roundup_places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("ritual")
    @classmethod
    def _unique_keys(cls, value: list[RitualDefinition]) -> list[RitualDefinition]:
        keys = [r.key for r in value]
        duplicates = sorted({k for k in keys if keys.count(k) > 1})
        if duplicates:
            raise ValueError(f"ritual key {duplicates[0]!r} is used twice")
        return value
