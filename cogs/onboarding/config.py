"""The ``[onboarding]`` config section: the welcome, the activation checklist and the welcome sequence."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.kit.platform import check_place_key
from cogs.lifecycle.config import RULE_NAME, check_fields

ITEM_KEY = re.compile(r"^[a-z0-9_]{1,40}$")


class _Section(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChecklistItem(_Section):
    """One activation step. ``kind`` says what ticks it off:

    - ``message``: a message in one of ``places`` (channel or topic keys; empty = anywhere);
    - ``rule``: an award of one of the points ``rules`` (``ritual_participation`` …);
    - ``purchase``: a store order linked to the member (``/claim``);
    - ``appreciation``: a reaction given or a ``/thanks``.
    """

    key: str
    label: str = Field(min_length=1, max_length=120)
    kind: Literal["message", "rule", "purchase", "appreciation"]
    places: list[str] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)

    @field_validator("key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not ITEM_KEY.match(value):
            raise ValueError(f"item key {value!r} must be 1-40 lowercase letters, digits and _")
        return value

    @field_validator("places")
    @classmethod
    def _places(cls, value: list[str]) -> list[str]:
        return [check_place_key(key) for key in value]

    @field_validator("rules")
    @classmethod
    def _rules(cls, value: list[str]) -> list[str]:
        for rule in value:
            if not RULE_NAME.match(rule):
                raise ValueError(f"rule name {rule!r} must match {RULE_NAME.pattern}")
        return value

    @model_validator(mode="after")
    def _rules_for_rule_kind(self) -> ChecklistItem:
        if self.kind == "rule" and not self.rules:
            raise ValueError(f"checklist item {self.key!r}: kind = \"rule\" needs rules = [\"…\"]")
        return self


class WelcomeStep(_Section):
    """A DM ``after_days`` after joining; skipped once ``skip_if_done`` (a checklist item) is done."""

    after_days: int = Field(ge=0, le=60)
    text: str = Field(min_length=1, max_length=1500)
    skip_if_done: str = ""

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return check_fields(value)


def _default_checklist() -> list[ChecklistItem]:
    return [
        ChecklistItem(key="introduce", label="Introduce yourself in the intro channel", kind="message"),
        ChecklistItem(key="ritual", label="Take part in one ritual", kind="rule", rules=["ritual_participation"]),
        ChecklistItem(key="claim", label="Link your purchase with /claim", kind="purchase"),
        ChecklistItem(key="appreciate", label="Give one reaction or /thanks", kind="appreciation"),
    ]


def _default_sequence() -> list[WelcomeStep]:
    return [
        WelcomeStep(after_days=0, skip_if_done="introduce",
                    text="First step, {member}: say hi in the intro channel — what brought you to {community}?"),
        WelcomeStep(after_days=2, skip_if_done="ritual",
                    text="This week's rituals are the easiest way in: answer one thread and you're part of it. "
                         "/rituals shows what's on."),
        WelcomeStep(after_days=5, skip_if_done="claim",
                    text="Bought from us? Link your order with /claim: it counts for your profile and opens the "
                         "buyers' perks."),
    ]


class OnboardingConfig(_Section):
    # The community's identity, the heart of the welcome: what being here means. {member}, {community} filled in.
    identity: str = Field(
        "Welcome to the inner circle — here's what that means: you're among the people who use, shape and "
        "talk about what we make. Share what you make, help each other, and you'll see things first.",
        min_length=1, max_length=1500)
    # Where the welcome mentions a member whose DMs are closed, one channel key per platform
    # ("discord:123…", "telegram:-100…"). No key for a platform: the place they joined.
    welcome_channels: list[str] = Field(default_factory=list)
    checklist: list[ChecklistItem] = Field(default_factory=_default_checklist, min_length=1, max_length=10)
    # Points for finishing the checklist (0 = none); finishing also publishes MemberActivated.
    completion_points: int = Field(50, ge=0, le=100_000)
    sequence: list[WelcomeStep] = Field(default_factory=_default_sequence, max_length=10)
    # How often (minutes) due welcome steps are sent.
    sequence_minutes: int = Field(15, ge=1, le=1440)
    # A step more than this many days overdue (Hearth was down) is skipped rather than sent late.
    late_days: int = Field(2, ge=0, le=30)

    @field_validator("identity")
    @classmethod
    def _identity(cls, value: str) -> str:
        return check_fields(value)

    @field_validator("welcome_channels")
    @classmethod
    def _channels(cls, value: list[str]) -> list[str]:
        platforms = [check_place_key(key).partition(":")[0] for key in value]
        if len(set(platforms)) != len(platforms):
            raise ValueError("one welcome channel per platform")
        return value

    @model_validator(mode="after")
    def _names(self) -> OnboardingConfig:
        keys = [item.key for item in self.checklist]
        if len(set(keys)) != len(keys):
            raise ValueError("checklist item keys must be unique")
        for step in self.sequence:
            if step.skip_if_done and step.skip_if_done not in keys:
                raise ValueError(f"sequence step skip_if_done = {step.skip_if_done!r} isn't a checklist item "
                                 f"({', '.join(keys)})")
        return self

    def channel_for(self, platform: str) -> str | None:
        return next((key for key in self.welcome_channels if key.startswith(f"{platform}:")), None)
