"""The ``[metrics]`` config section: the weekly report, the money figures' currency and costs, refresh rates."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.kit.platform import check_place_key

HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class MetricsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The moderators' channel the weekly report goes to ("discord:CHANNEL_ID", "telegram:CHAT_ID"); "" = no
    # scheduled post (moderators still have /mod report).
    report_place: str = ""
    # When the weekly report is posted, in the community timezone. It covers the 7 days before that day.
    report_day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    report_time: str = "09:00"
    # The currency of the money figures (ISO code, e.g. "EUR"); "" = the one most orders use. Orders in other
    # currencies are left out of money figures (they still count in the repeat-purchase rate).
    currency: str = Field("", pattern=r"^([A-Z]{3})?$")
    # What running the community costs per month, in whole units of `currency` (tools, moderation, rewards…):
    # the community ROI is (community revenue × margin − costs) ÷ costs. Empty: no ROI figure.
    monthly_costs: dict[str, float] = Field(default_factory=dict)
    # Gross margin on revenue, in percent: ROI counts the margin, not the revenue (100 = revenue as is).
    gross_margin_percent: float = Field(100.0, gt=0, le=100)
    # How often the figures behind /metrics (Prometheus) and the proof page are recomputed, in minutes.
    refresh_minutes: int = Field(15, ge=1, le=1440)
    # Chat activity is counted in memory and written in one batch this often, in seconds.
    flush_seconds: float = Field(10.0, ge=0.5, le=600)
    # A member is churned when they were active in the churn_days before and not in the last churn_days.
    churn_days: int = Field(30, ge=7, le=365)

    @field_validator("report_place")
    @classmethod
    def _place(cls, value: str) -> str:
        return check_place_key(value) if value else value

    @field_validator("report_time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not HHMM.match(value):
            raise ValueError(f"'{value}' isn't a time: write HH:MM on the 24-hour clock, e.g. 09:00")
        return value

    @field_validator("monthly_costs")
    @classmethod
    def _costs(cls, value: dict[str, float]) -> dict[str, float]:
        for label, amount in value.items():
            if amount < 0:
                raise ValueError(f"cost {label!r} can't be negative")
        return value
