"""The ``[ugc]`` config section: where content is captured and shown, moderation, and milestone requests."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.kit.platform import check_place_key

DEFAULT_MILESTONE_MESSAGE = ("You've had your order for a couple of weeks now — how are you using it? "
                             "Show us with /share (a photo, a video or a link): the best ones get featured "
                             "in the Community Spotlight.")


class UgcConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Channels or topics whose posts with a photo, a video or a link are captured as submissions
    # ("discord:CHANNEL_ID", "telegram:CHAT_ID/TOPIC_ID"), as if the author had used /share.
    showcase_places: list[str] = Field(default_factory=list)
    # Where moderators are told of new submissions; "" = they look with /mod ugc queue.
    review_place: str = ""
    # Where featured items are posted as the Community Spotlight; "" = where /mod ugc feature ran.
    spotlight_place: str = ""
    # The badge key a featured member gets (shown by /badges and /profile).
    spotlight_badge: str = Field("community_spotlight", pattern=r"^[a-z0-9_]{1,40}$")
    # Largest photo or video accepted, in megabytes.
    max_attachment_mb: int = Field(50, ge=1, le=2000)
    # Buyers get one DM this many days after their first order asking them to share; 0 = never.
    milestone_days: int = Field(14, ge=0, le=365)
    # Orders older than milestone_days + this are not asked about (turning the feature on doesn't DM
    # every past buyer).
    milestone_window_days: int = Field(7, ge=1, le=365)
    milestone_message: str = Field(DEFAULT_MILESTONE_MESSAGE, min_length=1, max_length=1000)
    # How often the milestone requests are looked for, in minutes.
    milestone_check_minutes: int = Field(60, ge=1, le=1440)
    # Items in the public feed (GET /ugc.json), newest first.
    feed_size: int = Field(50, ge=1, le=500)

    @field_validator("showcase_places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("review_place", "spotlight_place")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place_key(value) if value else value
