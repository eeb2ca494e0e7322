"""What polls look like: the native poll or the message with buttons, and the results."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, tzinfo

from bot.kit.platform import Platform
from bot.kit.reply import Choice, Reply
from bot.kit.reply import Poll as KitPoll
from cogs.polls.store import PollView

# Native polls the platforms can show without cutting anything: (longest option, longest question, longest
# duration or None). Discord's polls also show who voted, so anonymous polls always use buttons there.
NATIVE_LIMITS: dict[str, tuple[int, int, timedelta | None]] = {
    "discord": (55, 300, timedelta(hours=768)),
    "telegram": (100, 300, None),
}
DEFAULT_LIMITS = (100, 300, None)
BAR_WIDTH = 12
ACTION_PREFIX = "poll"


def poll_key(poll_id: int, post_id: int) -> str:
    """The key a native poll carries (Telegram answers come back with it): poll and post."""
    return f"poll:{poll_id}:{post_id}"


def when(at: datetime, timezone: tzinfo) -> str:
    return at.astimezone(timezone).strftime("%a %d %b %H:%M %Z").strip()


def fits_natively(platform: Platform, poll: PollView, now: datetime) -> bool:
    """A native poll where it shows everything and keeps votes private where asked; otherwise buttons.

    Telegram's native polls are sent non-anonymous (or answers wouldn't reach the bot), so they show voters
    just like Discord's: an anonymous poll uses buttons on both.
    """
    if not platform.capabilities.native_polls or poll.anonymous:
        return False
    option_limit, question_limit, longest = NATIVE_LIMITS.get(platform.name, DEFAULT_LIMITS)
    if len(poll.question) > question_limit or any(len(option) > option_limit for option in poll.options):
        return False
    return longest is None or poll.closes_at - now <= longest


def native_poll(poll: PollView, post_id: int, now: datetime) -> KitPoll:
    hours = max(1, math.ceil((poll.closes_at - now).total_seconds() / 3600))
    return KitPoll(question=poll.question, options=poll.options, multiple=poll.multiple, anonymous=False,
                   duration_hours=hours, poll_key=poll_key(poll.id, post_id))


def how_to_vote(poll: PollView) -> str:
    parts = ["Choose any options; press one again to take it back." if poll.multiple
             else "Choose one; pressing another changes your vote."]
    if poll.anonymous:
        parts.append("Votes are anonymous: nobody sees who chose what.")
    return " ".join(parts)


def button_message(poll: PollView, post_id: int, timezone: tzinfo, audience: str | None) -> Reply:
    lines = [poll.question, f"Closes {when(poll.closes_at, timezone)}."]
    if audience:
        lines.append(f"For {audience} only.")
    choices = tuple(Choice(label=option, action=f"{ACTION_PREFIX}:vote:{poll.id}:{post_id}:{n}")
                    for n, option in enumerate(poll.options))
    results = Choice(label="📈 Results", action=f"{ACTION_PREFIX}:results:{poll.id}", style="primary")
    return Reply(title=f"📊 Poll #{poll.id}", text="\n".join(lines), choices=(*choices, results),
                 footer=how_to_vote(poll))


def closed_message(poll: PollView) -> Reply:
    """What a button message becomes when the poll closes: no buttons, a pointer to the results."""
    return Reply(title=f"📊 Poll #{poll.id} (closed)", text=poll.question,
                 footer=f"Voting has ended. Results: /poll results {poll.id}")


def tally_lines(poll: PollView) -> list[str]:
    total_marks = sum(poll.counts)
    best = max(poll.counts) if poll.counts else 0
    lines = []
    for option, count in zip(poll.options, poll.counts, strict=True):
        share = count / total_marks if total_marks else 0.0
        bar = "█" * round(share * BAR_WIDTH) or "·"
        lead = " 🏆" if best and count == best else ""
        lines.append(f"{option}{lead}\n{bar} {count} ({share:.0%})")
    return lines


def results_message(poll: PollView, now: datetime, timezone: tzinfo) -> Reply:
    closed = poll.is_closed(now)
    status = (f"Closed {when(poll.closed_at or poll.closes_at, timezone)}" if closed
              else f"Open until {when(poll.closes_at, timezone)}")
    voters = f"{poll.voters} voter{'s' if poll.voters != 1 else ''}"
    title = f"📊 {'Results' if closed else 'Results so far'} — Poll #{poll.id}"
    text = "\n".join([poll.question, "", *tally_lines(poll)])
    if poll.multiple:
        voters += " (several choices each)"
    return Reply(title=title, text=text, footer=f"{voters} · {status}")


def vote_note(poll: PollView, chosen: frozenset[int]) -> str:
    if not chosen:
        return f"Your vote on poll #{poll.id} is withdrawn."
    names = ", ".join(poll.options[n] for n in sorted(chosen))
    return f"Your vote on poll #{poll.id}: {names}."
