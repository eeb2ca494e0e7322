"""Platform-neutral messages: what a cog says, before an adapter renders it.

Discord renders a Reply as an embed with buttons, Telegram as HTML with an inline keyboard, the
console as plain text. Text here is plain: adapters escape it for their markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    inline: bool = False


@dataclass(frozen=True)
class Choice:
    """A button. ``action`` is routed back to the cog as a command-like callback (``"poll:vote:3:1"``)."""

    label: str
    action: str
    style: str = "secondary"  # primary | secondary | success | danger | link
    url: str | None = None


@dataclass(frozen=True)
class FileUpload:
    """A file sent with a reply (a data export, a chart)."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


@dataclass(frozen=True)
class Reply:
    """A message to show. ``private`` asks for an ephemeral reply (Discord) or a DM fallback."""

    text: str = ""
    title: str | None = None
    fields: tuple[Field, ...] = ()
    image_url: str | None = None
    choices: tuple[Choice, ...] = ()
    files: tuple[FileUpload, ...] = ()
    private: bool = False
    footer: str | None = None
    # "info" | "success" | "error" | "warning": adapters pick a colour/icon from it.
    tone: str = "info"

    @classmethod
    def error(cls, text: str, *, title: str | None = None) -> Reply:
        return cls(text=text, title=title, tone="error", private=True)

    @classmethod
    def success(cls, text: str, *, title: str | None = None, private: bool = False) -> Reply:
        return cls(text=text, title=title, tone="success", private=private)

    def plain_text(self) -> str:
        """Everything a person should read, as plain lines (console, logs, fallbacks)."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        if self.text:
            lines.append(self.text)
        for item in self.fields:
            if "\n" in item.value:
                lines.append(f"{item.name}:")
                lines.extend(f"  {line}" for line in item.value.splitlines())
            else:
                lines.append(f"{item.name}: {item.value}")
        if self.footer:
            lines.append(self.footer)
        return "\n".join(lines)


@dataclass(frozen=True)
class Poll:
    question: str
    options: tuple[str, ...]
    multiple: bool = False
    anonymous: bool = False
    duration_hours: int | None = None
    poll_key: str = ""
    extra: dict[str, str] = field(default_factory=dict)
