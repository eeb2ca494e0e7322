"""What each launch phase says: the preview, the waitlist call, the early-access DM, launch day, the recap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from bot.kit.reply import Choice, Field, Reply
from cogs.launches.store import LaunchView
from cogs.ugc.store import Submission


def when(at: datetime, tz: tzinfo) -> str:
    local = at.astimezone(tz)
    return f"{local:%a %d %b, %H:%M} ({local.tzname()})"


def join_choice(launch: LaunchView) -> Choice:
    return Choice("Join the waitlist", f"launch:join:{launch.id}", style="primary")


def preview(launch: LaunchView, tz: tzinfo) -> Reply:
    timeline = launch.timeline
    return Reply(title=f"👀 Sneak peek: {launch.name}", text=(
        f"Something new is coming on {when(timeline.public_at, tz)}. The waitlist opens "
        f"{when(timeline.waitlist_at, tz)} — waitlisted members get early access."))


def waitlist(launch: LaunchView, tz: tzinfo, early_hours: int) -> Reply:
    gate = f" (for {launch.tier} members and above)" if launch.tier else ""
    return Reply(title=f"📝 The {launch.name} waitlist is open", choices=(join_choice(launch),), text=(
        f"Join{gate} with /waitlist join {launch.key} or the button: waitlisted members get early access "
        f"{early_hours} hours before everyone else. Public launch: {when(launch.timeline.public_at, tz)}."))


def early_access(launch: LaunchView, tz: tzinfo, early_hours: int) -> Reply:
    choices = (Choice(f"Get {launch.name}", "", style="link", url=launch.link),) if launch.link else ()
    return Reply(title=f"⏰ Early access: {launch.name}", tone="success", choices=choices, text=(
        f"You're on the waitlist, so you're first: {launch.name} is yours to get now, {early_hours} hours before "
        f"everyone else (public launch {when(launch.timeline.public_at, tz)})."))


def launch_day(launch: LaunchView) -> Reply:
    choices = (Choice(f"Get {launch.name}", "", style="link", url=launch.link),) if launch.link else ()
    return Reply(title=f"🚀 {launch.name} is live!", choices=choices, tone="success", text=(
        f"{launch.name} is out for everyone today. Questions, first impressions, unboxings — the thread is "
        "open. Share photos and videos with /share: they go into the launch recap."))


def thread_opener(launch: LaunchView) -> Reply:
    return Reply(text=f"Launch day thread for {launch.name}: ask, share, celebrate. 🎉")


@dataclass(frozen=True)
class RecapFigures:
    waitlist: int
    waitlist_buyers: int
    orders: int
    buyers: int
    content: list[Submission]


def recap(launch: LaunchView, figures: RecapFigures) -> Reply:
    fields = [Field("Waitlist", f"{figures.waitlist:,} members", inline=True)]
    if launch.product_ids:
        share = f" ({figures.waitlist_buyers / figures.waitlist:.0%})" if figures.waitlist else ""
        fields += [Field("Waitlist → buyers", f"{figures.waitlist_buyers:,}{share}", inline=True),
                   Field("Orders", f"{figures.orders:,} from {figures.buyers:,} buyers", inline=True)]
    fields.append(Field("Community posts", f"{len(figures.content):,}", inline=True))
    top = [f"• {s.author}: {s.link_url or s.text[:80] or 'a photo'}" for s in figures.content[:5]]
    if top:
        fields.append(Field("From the community", "\n".join(top)))
    return Reply(title=f"📊 {launch.name} — launch recap", fields=tuple(fields),
                 text=f"Thank you to everyone who joined the {launch.name} launch!")
