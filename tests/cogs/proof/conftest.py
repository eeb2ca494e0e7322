"""A running Hearth with its web server on a free port, and a community worth showing on the proof page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from bot.app import Hearth
from bot.config import HearthConfig
from bot.kit.clock import ManualClock
from bot.kit.platform import Place
from bot.secrets import Secrets
from storage.models import Idea, PostStats, Ritual, RitualEntry
from tests.support import insights as seed
from tests.support.harness import Chat, user
from tests.support.memory_platform import MemoryPlatform

NOW = seed.at("2026-03-20 12:00")
BRANDING = """
[community]
name = "Acme Coffee"
[web]
port = 0
[proof]
tagline = "Home baristas sharing what works."
logo_url = "https://cdn.example.com/acme-logo.png"
store_url = "https://shop.example.com"
accent_colour = "#8a3b12"
"""
ANA, BOB, CAT = user("ana"), user("bob"), user("cat")


@dataclass
class Site:
    hearth: Hearth
    chat: Chat
    url: str
    ana: int
    bob: int
    cat: int


async def seed_community(hearth: Hearth, ana: int, bob: int, cat: int) -> None:
    """Ana and Cat said yes to the proof page (Cat hides from leaderboards); Bob never did."""
    async with hearth.database.session() as session, session.begin():
        for n in range(100, 140):
            seed.member(session, n)
        await session.flush()
        seed.preference(session, ana, proof=True)
        seed.preference(session, cat, proof=True, leaderboard=False)
        for member_id, points in ((ana, 1_250), (bob, 4_000), (cat, 9_000), (100, 300)):
            seed.points(session, member_id, points)
        seed.day(session, ana, "2026-03-02", posts=700)
        seed.day(session, bob, "2026-03-19", posts=534)
        seed.day(session, bob, "2026-02-27", posts=99)  # last month: not "this month"
        for n in range(6):
            seed.order(session, "2026-03-05 10:00", 2_500, member_id=ana if n % 2 else bob)
        seed.order(session, "2026-03-05 10:00", 2_500, customer="not-a-member")
        seed.order(session, "2026-03-05 10:00", 2_500, member_id=bob, status="refunded", refunded=2_500)
        seed.ugc(session, ana, "2026-03-10 10:00", featured=True, text="My first rosetta with the new jug!",
                 media_url="https://cdn.example.com/rosetta.png")
        seed.ugc(session, bob, "2026-03-11 10:00", text="My <script>alert(1)</script> grinder setup")
        seed.ugc(session, bob, "2026-03-12 10:00", consent="no", text="Bob's private kitchen")
        seed.ugc(session, ana, "2026-03-13 10:00", status="pending", text="Not reviewed yet")
        seed.ritual(session, 60, "proof_wins", "Monday Wins")
        await session.flush()
        seed.occurrence(session, 61, 60, "2026-03-16 09:00", "w2026-12", 7, 2)
        seed.occurrence(session, 62, 60, "2026-02-23 09:00", "w2026-09", 6, 1)
        await session.flush()
        session.add_all([
            RitualEntry(post_key="memory:general:w1", occurrence_id=61, member_id=ana, at=NOW,
                        excerpt="Dialled in my espresso at 18 g in, 36 g out"),
            RitualEntry(post_key="memory:general:w2", occurrence_id=61, member_id=bob, at=NOW,
                        excerpt="A win nobody may see"),
            RitualEntry(post_key="memory:general:w3", occurrence_id=62, member_id=ana, at=NOW,
                        excerpt="Last month's win"),
            PostStats(post_key="memory:general:w1", author_member_id=ana, reactors=12),
        ])
    async with hearth.database.session() as session, session.begin():
        ritual = await session.get(Ritual, 60)
        assert ritual is not None
        ritual.held_count = 7
        for title, author, votes in (("Oat milk recipes", ana, 41), ("Descaling reminders", bob, 17)):
            session.add(Idea(title=title, author_member_id=author, created_at=seed.EPOCH, status="shipped",
                             status_changed_at=NOW, shipped_at=NOW, votes=votes))


SiteFactory = Callable[..., Awaitable[Site]]


@pytest.fixture
async def make_site(make_config: Callable[..., HearthConfig], secrets: Secrets, clock: ManualClock
                    ) -> AsyncIterator[SiteFactory]:
    """``await make_site(embed_origins='["https://shop.example.com"]')``: the app, seeded, serving on a free port."""
    started: list[Hearth] = []

    async def build(embed_origins: str = "[]") -> Site:
        clock.set(NOW)
        hearth = Hearth(make_config(BRANDING + f"embed_origins = {embed_origins}\n"), secrets, clock=clock)
        await hearth.start(web=True)
        started.append(hearth)
        platform = MemoryPlatform()
        hearth.platforms.add(platform)
        chat = Chat(hearth, platform, Place("memory", "general", guild_id="g1"))
        ids = [await hearth.members.resolve(who) for who in (ANA, BOB, CAT)]
        await seed_community(hearth, *ids)
        assert hearth.web_server is not None
        return Site(hearth, chat, f"http://127.0.0.1:{hearth.web_server.port}", *ids)

    yield build
    for hearth in started:
        await hearth.stop()


@pytest.fixture
async def site(make_site: SiteFactory) -> Site:
    """The store at https://shop.example.com is the only site allowed to frame the pages."""
    return await make_site('["https://shop.example.com"]')
