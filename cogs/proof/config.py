"""The ``[proof]`` config section: the public proof page's branding, what it lists, and how often it refreshes."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
# WCAG 2.2 AA for body text: the page must stay readable whatever colours the brand picks.
MIN_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """The WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


class ProofConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # The page's heading; "" = the community name.
    title: str = Field("", max_length=80)
    tagline: str = Field("Real people, real results: what our community has been up to.", max_length=200)
    # Your logo (an https:// address; shown at most 64 px high), "" = none.
    logo_url: str = ""
    # Where "Visit the store" links to; "" = no link.
    store_url: str = ""
    # Brand colours (#rrggbb). text_colour on background_colour must be readable (contrast 4.5:1 or more);
    # the accent colours headings and numbers when it is readable on the background too, borders otherwise.
    accent_colour: str = "#b5471b"
    background_colour: str = "#ffffff"
    text_colour: str = "#1f1f1f"
    # The figures and lists are recomputed at most this often (seconds); every request in between is served
    # from memory.
    cache_seconds: int = Field(300, ge=5, le=86_400)
    # How many of each list the page shows.
    highlights: int = Field(6, ge=0, le=24)
    wins: int = Field(5, ge=0, le=20)
    contributors: int = Field(10, ge=0, le=50)
    ideas: int = Field(5, ge=0, le=20)
    # Rituals whose answers are the month's "wins" (ritual keys, e.g. ["monday_wins"]); [] = every ritual.
    wins_rituals: list[str] = Field(default_factory=list)
    # Sites that may show the page or the widget in a frame ("https://shop.example.com"); [] = any site.
    embed_origins: list[str] = Field(default_factory=list)

    @field_validator("accent_colour", "background_colour", "text_colour")
    @classmethod
    def _colour(cls, value: str) -> str:
        if not HEX_COLOUR.match(value):
            raise ValueError(f"'{value}' isn't a colour: write #rrggbb, e.g. #e07a2f")
        return value.lower()

    @field_validator("logo_url", "store_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be empty or an address starting with https://")
        return value

    @field_validator("embed_origins")
    @classmethod
    def _origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            if not re.match(r"^https?://[A-Za-z0-9.-]+(:\d+)?$", origin):
                raise ValueError(f"'{origin}' isn't an origin: write scheme and host only, e.g. https://shop.example.com")
        return value

    @model_validator(mode="after")
    def _readable(self) -> ProofConfig:
        ratio = contrast(self.text_colour, self.background_colour)
        if ratio < MIN_CONTRAST:
            raise ValueError(f"text_colour {self.text_colour} on background_colour {self.background_colour} has "
                             f"contrast {ratio:.1f}:1; readable text needs {MIN_CONTRAST}:1 or more")
        return self

    @property
    def accent_text(self) -> str:
        """The accent where it is readable as text on the background, else the text colour."""
        readable = contrast(self.accent_colour, self.background_colour) >= MIN_CONTRAST
        return self.accent_colour if readable else self.text_colour
