"""The ``[qa]`` config section: who counts as staff, and surfacing unanswered questions to moderators."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.kit.platform import check_place_key

ACCOUNT_KEY = re.compile(r"^[a-z]{2,20}:-?[A-Za-z0-9_.-]{1,64}$")


class QaConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Where unanswered questions are shown to the moderators (a channel key); empty: not surfaced.
    moderator_place: str = ""
    # A question with no answer after this many hours is surfaced (once).
    unanswered_hours: int = Field(24, ge=1, le=24 * 30)
    # How often to look for unanswered questions.
    check_minutes: int = Field(30, ge=1, le=1440)
    # Staff accounts ("discord:USER_ID", "telegram:USER_ID"): their answers are not community answers.
    staff: list[str] = Field(default_factory=list)

    @field_validator("moderator_place")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place_key(value) if value else value

    @field_validator("staff")
    @classmethod
    def _accounts(cls, value: list[str]) -> list[str]:
        for key in value:
            if not ACCOUNT_KEY.match(key):
                raise ValueError(f"'{key}' isn't an account key: write platform:user_id, e.g. discord:123456789")
        return value
