"""What rituals say: the prompt template and its variables, recaps, reminders and the monthly roundup.

Pure text building: every function takes plain values and returns a ``Reply`` or a string, so the
wording is tested without a database or a platform.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from bot.kit.reply import Choice, Field, Reply

VARIABLES = ("name", "week", "number", "date", "time", "top_posts", "cohost", "community")
NAME_LIST_LIMIT = 20


class TemplateError(ValueError):
    """A prompt template uses an unknown variable or has an unmatched brace."""


def check_template(template: str) -> str:
    """Refuse a template that would fail at posting time, naming the variables it may use."""
    try:
        fields = [name for _, name, spec, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as error:
        raise TemplateError(f"the prompt has a stray brace ({error}); write {{{{ and }}}} for literal braces") from None
    for name in fields:
        if name not in VARIABLES:
            shown = "{" + name + "}" if name else "{}"
            raise TemplateError(f"the prompt uses {shown}; the variables are "
                                + ", ".join("{" + v + "}" for v in VARIABLES))
    return template


@dataclass(frozen=True)
class TopPost:
    author: str
    excerpt: str
    reactors: int


@dataclass(frozen=True)
class PromptValues:
    name: str
    week: int
    number: int
    at: datetime  # the occurrence time, in the ritual's timezone
    top_posts: tuple[TopPost, ...]
    cohost: str | None
    community: str


def format_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    for size, unit in ((10080, "week"), (1440, "day"), (60, "hour"), (1, "minute")):
        if minutes >= size and minutes % size == 0:
            count = minutes // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{minutes} minutes"


def when(at: datetime, tz: tzinfo) -> str:
    """``Mon 12 Jan, 09:00`` in a timezone."""
    return at.astimezone(tz).strftime("%a %-d %b, %H:%M")


def top_post_lines(posts: Sequence[TopPost]) -> str:
    if not posts:
        return "(none yet — be the first!)"
    return "\n".join(f"{n}. {p.author}: “{p.excerpt}” ({p.reactors} reaction{'s' if p.reactors != 1 else ''})"
                     for n, p in enumerate(posts, start=1))


def render_prompt(template: str, values: PromptValues) -> str:
    return template.format_map({
        "name": values.name, "week": values.week, "number": values.number,
        "date": values.at.strftime("%a %-d %b"), "time": values.at.strftime("%H:%M"),
        "top_posts": top_post_lines(values.top_posts), "cohost": values.cohost or "the team",
        "community": values.community,
    })


def prompt_reply(name: str, text: str, *, points: int, open_for: timedelta, rsvp_action: str | None,
                 cohost: str | None) -> Reply:
    footer = f"Open for {format_duration(open_for)}. Reply in the thread to take part"
    footer += f" (+{points} points)." if points else "."
    choices = (Choice("I'll be there", rsvp_action, style="primary"),) if rsvp_action else ()
    fields = (Field("Co-host", cohost, inline=True),) if cohost else ()
    return Reply(title=name, text=text, fields=fields, choices=choices, footer=footer)


def opener_reply(name: str, points: int) -> Reply:
    earn = f" Your first answer earns {points} points." if points else ""
    return Reply(text=f"Answer {name} here 👇{earn}")


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' if count != 1 else ''}"


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(names[:NAME_LIST_LIMIT])
    more = len(names) - NAME_LIST_LIMIT
    return shown + (f" and {more} more" if more > 0 else "")


def recap_reply(name: str, week: int, *, participants: Sequence[str], posts: int, top_posts: Sequence[TopPost],
                streaks: Sequence[tuple[str, int]]) -> Reply:
    title = f"{name} — recap, week {week}"
    if not participants:
        return Reply(title=title, text="Nobody took part this time. See you at the next one!")
    count = len(participants)
    fields = [Field("Top posts", top_post_lines(top_posts)), Field("Taking part", _names(participants))]
    if streaks:
        fields.append(Field("Streaks", ", ".join(f"{who} 🔥{length}" for who, length in streaks)))
    text = f"{_plural(count, 'member')} took part with {_plural(posts, 'post')}. Thank you!"
    return Reply(title=title, text=text, fields=tuple(fields), tone="success")


def reminder_reply(name: str, starts_at: datetime, tz: tzinfo, zone_name: str, lead: timedelta) -> Reply:
    return Reply(title=f"⏰ {name} starts in {format_duration(lead)}",
                 text=f"{when(starts_at, tz)} ({zone_name}). Stop these with /remindme ritual.",
                 private=True)


@dataclass(frozen=True)
class RecapSummary:
    """One closed occurrence in a monthly roundup."""

    ritual: str
    week: int
    participants: int
    posts: int


def roundup_reply(month_title: str, recaps: Sequence[RecapSummary], top_posts: Sequence[TopPost]) -> Reply:
    lines = [f"{r.ritual} (week {r.week}) — {r.participants} members, {r.posts} posts" for r in recaps]
    fields = (Field("Best-attended rituals", "\n".join(lines)), Field("Top posts", top_post_lines(top_posts)))
    return Reply(title=f"🏅 Community wins — {month_title}",
                 text="What we shared and celebrated together this month. Thank you all!", fields=fields,
                 tone="success")


def failure_reply(name: str, problems: Sequence[str]) -> Reply:
    return Reply(title=f"Ritual “{name}” can't post everywhere",
                 text="\n".join(problems) + "\nFix the bot's permissions or change the channels with "
                 "/mod ritual edit; I'll retry with growing pauses until this round closes.",
                 tone="warning")
