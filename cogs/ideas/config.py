"""The ``[ideas]`` config section: the idea board, duplicate detection, shipping credit and the roadmap."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cogs.polls.places import check_place_keys


class IdeasConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where every new idea is also posted as a card; a reaction (vote_emoji) on a card is a vote. Empty: no cards.
    board_places: list[str] = Field(default_factory=list)
    vote_emoji: str = Field("👍", min_length=1, max_length=16)
    # How alike (0-1, shared words over all words) an existing idea must be to be suggested before filing.
    duplicate_threshold: float = Field(0.5, gt=0, le=1)
    # Where shipped ideas are announced; empty: the channel the status was set in.
    announce_places: list[str] = Field(default_factory=list)
    # Points when an idea ships: to the member who asked, and to each member who voted for it.
    requester_points: int = Field(50, ge=0, le=10_000)
    voter_points: int = Field(10, ge=0, le=10_000)
    # /roadmap and the roadmap page list ideas shipped within this many days.
    recent_days: int = Field(90, ge=1, le=3650)
    # The quarterly roadmap reveal: posted on the first day of each quarter at this local hour. Empty: off.
    reveal_places: list[str] = Field(default_factory=list)
    reveal_hour: int = Field(10, ge=0, le=23)

    @field_validator("board_places", "announce_places", "reveal_places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return check_place_keys(value)
