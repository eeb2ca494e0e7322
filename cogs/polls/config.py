"""The ``[polls]`` config section: where polls go, how long they may run, and the beta groups."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cogs.polls.places import check_place_keys

GROUP_KEY = re.compile(r"^[a-z0-9_]{1,32}$")


class BetaGroup(BaseModel):
    """Who may vote in a beta-group poll: members of these tiers, and/or people in these places.

    ``places`` are channels only a role can see (a role-gated Discord channel, a gated Telegram chat):
    the poll is posted only there, and only votes cast there count. Give both and a vote needs both.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=60)
    tiers: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)

    @field_validator("places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return check_place_keys(value)

    @model_validator(mode="after")
    def _restricts(self) -> BetaGroup:
        if not self.tiers and not self.places:
            raise ValueError("a beta group needs tiers, places or both (otherwise it is everyone)")
        return self


class PollsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where /mod poll create posts ("discord:123", "telegram:-100…"); empty: the channel it was run in.
    places: list[str] = Field(default_factory=list)
    # The longest a poll may stay open.
    max_open_days: int = Field(90, ge=1, le=366)
    # How often polls that reached their closing time are closed and their results posted.
    close_check_seconds: int = Field(60, ge=5, le=3600)
    # Post a bar chart image with the results (off: text only).
    chart: bool = True
    groups: dict[str, BetaGroup] = Field(default_factory=dict)

    @field_validator("places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return check_place_keys(value)

    @field_validator("groups")
    @classmethod
    def _group_keys(cls, value: dict[str, BetaGroup]) -> dict[str, BetaGroup]:
        for key in value:
            if not GROUP_KEY.match(key):
                raise ValueError(f"group key {key!r} must be 1-32 lowercase letters, digits and _")
        return value
