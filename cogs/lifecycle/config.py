"""The ``[lifecycle]`` config section: stage rules, demotion, each stage's DM sequence and ask, the CRM webhook."""

from __future__ import annotations

import re
import string
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STAGES = ("new", "activated", "power_user", "advocate")
Stage = Literal["new", "activated", "power_user", "advocate"]
TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
RULE_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
TEXT_FIELDS = frozenset({"member", "community"})


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_fields(value: str) -> str:
    """Message text may use {member} and {community}; anything else is a mistake caught at load."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as problem:
        raise ValueError(f"{problem} (write {{{{ and }}}} for literal braces)") from None
    unknown = names - TEXT_FIELDS
    if unknown:
        raise ValueError(f"unknown field {{{sorted(unknown)[0]}}}: use {{member}} or {{community}}")
    return value


def _rule_names(value: list[str]) -> list[str]:
    for rule in value:
        if not RULE_NAME.match(rule):
            raise ValueError(f"rule name {rule!r} must match {RULE_NAME.pattern}")
    return value


class ActivatedRule(_Section):
    # Activated: the onboarding checklist is done, or one of these points rules was first earned within
    # ``within_days`` of joining.
    within_days: int = Field(14, ge=1, le=365)
    meaningful_rules: list[str] = Field(default_factory=lambda: [
        "comment", "ritual_participation", "peer_help", "ugc_post", "product_review", "answer_accepted", "purchase"])

    @field_validator("meaningful_rules")
    @classmethod
    def _rules(cls, value: list[str]) -> list[str]:
        return _rule_names(value)


class PowerUserRule(_Section):
    # Power User: active (posted, reacted or earned points) in at least ``active_weeks`` of the last
    # ``of_last_weeks`` weeks, this week included.
    active_weeks: int = Field(3, ge=1, le=52)
    of_last_weeks: int = Field(4, ge=1, le=52)

    @model_validator(mode="after")
    def _window(self) -> PowerUserRule:
        if self.active_weeks > self.of_last_weeks:
            raise ValueError("active_weeks can't be more than of_last_weeks")
        return self


class AdvocateRule(_Section):
    # Advocate: any of these points rules reached its count (a converted referral, an approved UGC post).
    rules: dict[str, int] = Field(default_factory=lambda: {"referral_converted": 1, "ugc_post": 1}, min_length=1)

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: dict[str, int]) -> dict[str, int]:
        _rule_names(list(value))
        if any(count < 1 for count in value.values()):
            raise ValueError("each advocate rule needs a count of at least 1")
        return value


class DemotionRule(_Section):
    # After this many days without activity a member drops to ``to`` (0 = never demote).
    inactive_days: int = Field(60, ge=0, le=3650)
    to: Literal["new", "activated", "power_user"] = "activated"


class StageStep(_Section):
    after_days: int = Field(ge=0, le=365)
    text: str = Field(min_length=1, max_length=1500)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_fields(value)


class StagePlan(_Section):
    """What a stage is called, what we ask of members in it, and the DMs they get (days after entering it)."""

    name: str = Field(min_length=1, max_length=40)
    ask: str = Field(min_length=1, max_length=200)
    steps: list[StageStep] = Field(default_factory=list, max_length=10)


def _default_stages() -> dict[str, StagePlan]:
    return {
        # New members hear from the onboarding welcome sequence: no second sequence on top of it.
        "new": StagePlan(name="New", ask="Activate: finish the first steps (/checklist)"),
        "activated": StagePlan(name="Activated", ask="Deepen: make it a habit (rituals, helping others)", steps=[
            StageStep(after_days=3, text="Good to have you with us, {member}! Keep a ritual streak going — the "
                                         "weekly threads are where regulars meet."),
            StageStep(after_days=10, text="Someone helped you lately? /thanks them: generosity is how "
                                          "{community} works."),
        ]),
        "power_user": StagePlan(name="Power User", ask="Recognise and equip: thank them, give them tools", steps=[
            StageStep(after_days=0, text="You've been here week after week, {member} — thank you. You have a say "
                                         "in what we make next: /ideas. And /tiers shows what's opened up for you."),
        ]),
        "advocate": StagePlan(name="Advocate", ask="Reward and amplify: spotlight them, make sharing easy", steps=[
            StageStep(after_days=0, text="You're bringing people to {community}, {member}: thank you! Keep sharing "
                                         "what you make with us — we love featuring our members."),
        ]),
    }


class CrmWebhook(_Section):
    # Where StageChanged webhooks go (FluentCRM incoming webhook, Klaviyo, Zapier, n8n …). Empty: off.
    # Signed with HEARTH_CRM_WEBHOOK_SECRET (a whsec_ base64 secret), as Standard Webhooks specifies.
    url: str = ""
    # Attempts before a message moves to the dead letters (`hearth outbox list` / `retry`).
    max_attempts: int = Field(8, ge=1, le=50)
    # The wait before the first retry; it doubles after each failure, up to max_retry_seconds.
    first_retry_seconds: int = Field(30, ge=1, le=86_400)
    max_retry_seconds: int = Field(21_600, ge=1, le=7 * 86_400)
    timeout_seconds: float = Field(10.0, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be empty or a URL starting with https:// (http:// only on a private network)")
        return value


class LifecycleConfig(_Section):
    # How often (seconds) members whose activity changed are re-staged, all in one batch.
    evaluate_seconds: float = Field(10.0, ge=0.5, le=3600)
    # When every member is re-staged (demotions, the weekly window), HH:MM in the community timezone.
    nightly_at: str = "03:30"
    # How often (minutes) due stage messages are sent; a step more than late_days overdue is skipped.
    sequence_minutes: int = Field(15, ge=1, le=1440)
    late_days: int = Field(2, ge=0, le=30)
    activated: ActivatedRule = ActivatedRule()
    power_user: PowerUserRule = PowerUserRule()
    advocate: AdvocateRule = AdvocateRule()
    demotion: DemotionRule = DemotionRule()
    stages: dict[str, StagePlan] = Field(default_factory=_default_stages)
    crm: CrmWebhook = CrmWebhook()

    @field_validator("nightly_at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not TIME_OF_DAY.match(value):
            raise ValueError(f"'{value}' isn't a time of day: write HH:MM, e.g. 03:30")
        return value

    @field_validator("stages")
    @classmethod
    def _stages(cls, value: dict[str, StagePlan]) -> dict[str, StagePlan]:
        unknown = sorted(set(value) - set(STAGES))
        if unknown:
            raise ValueError(f"unknown stage {unknown[0]!r}; stages: {', '.join(STAGES)}")
        # A brand overriding one stage keeps the defaults of the others.
        return {**_default_stages(), **value}

    def name_of(self, stage: str) -> str:
        plan = self.stages.get(stage)
        return plan.name if plan else stage
