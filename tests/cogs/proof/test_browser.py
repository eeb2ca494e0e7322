"""The proof page in a real browser: headless Chromium (Debian's ``chromium``) driven by Playwright loads it from
the running app, on a phone and a desktop viewport, checks what a visitor sees, and keeps screenshots.

CI installs Chromium (``.ci/run``), so there the test never skips; locally it skips when Chromium is missing.
Screenshots go to the test's temporary folder, or to ``$HEARTH_SCREENSHOTS`` when set (to look at them).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.web.server import WebServer
from tests.cogs.proof.conftest import Site, SiteFactory

CHROMIUM = os.environ.get("HEARTH_CHROMIUM", "/usr/bin/chromium")
# The flags this machine needs: no sandbox as root, no GPU, and no background calls to Google's hosts.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_or_skip() -> str:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail(f"Chromium is required in CI (.ci/run installs it): {CHROMIUM} is missing")
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")


@asynccontextmanager
async def chromium(profile: Path) -> AsyncIterator[Any]:
    """A browser context on a fresh, empty profile (Playwright passes it as --user-data-dir)."""
    executable = chromium_or_skip()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(str(profile), executable_path=executable,
                                                                      headless=True, args=FLAGS)
        try:
            yield context
        finally:
            await context.close()


def console_errors(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return errors


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("HEARTH_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_visitor_sees_the_figures_names_and_content(site: Site, tmp_path: Path, screenshots: Path) -> None:
    async with chromium(tmp_path / "chromium-profile") as browser:
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            page = await browser.new_page()
            await page.set_viewport_size(viewport)
            errors = console_errors(page)
            response = await page.goto(f"{site.url}/proof", wait_until="load")
            assert response is not None and response.status == 200
            assert await page.title() == "Acme Coffee — our community in numbers"
            assert await page.get_by_role("heading", level=1).inner_text() == "Acme Coffee"
            headings = await page.get_by_role("heading", level=2).all_inner_texts()
            assert headings == ["Our community in numbers", "This month's wins", "Made by our members",
                                "Top contributors", "Shipped because members asked"]
            stats = [" ".join(text.split()) for text in await page.locator(".stats li").all_inner_texts()]
            assert stats == ["43 members", "1,234 posts in March 2026", "6 orders by members",
                             "7 community rituals held"]
            body = await page.locator("main").inner_text()
            assert "Dialled in my espresso" in body and "— Ana, Monday Wins" in body
            assert "Bob" not in body and "A community member" in body
            # Member text shows as text: the <script> in a caption never became an element.
            assert "<script>alert(1)</script>" in body and await page.locator("main script").count() == 0
            # Laid out for the screen: nothing wider than the viewport (no sideways scrolling on a phone).
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"]
            assert await page.get_by_role("link", name="Visit the store").get_attribute("href") == \
                "https://shop.example.com"
            shot = screenshots / f"proof-{name}.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            # Only the remote images (logo, the photo) may fail offline; nothing else.
            assert all("Failed to load resource" in error for error in errors), errors
            await page.close()


async def test_the_widget_script_embeds_the_compact_page(make_site: SiteFactory, tmp_path: Path) -> None:
    site = await make_site()  # no embed_origins: any store page may show the widget
    product = (f'<!doctype html><html lang="en"><body><h1>Grinder</h1>'
               f'<script src="{site.url}/embed/proof.js" data-height="320"></script></body></html>')

    async def product_page(_request: web.Request) -> web.Response:
        return web.Response(text=product, content_type="text/html")

    store = web.Application()
    store.router.add_get("/grinder", product_page)
    server = WebServer(store, "127.0.0.1", 0)  # the store: another origin than Hearth's
    await server.start()
    try:
        async with chromium(tmp_path / "chromium-profile") as browser:
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{server.port}/grinder", wait_until="load")
            frame = page.locator("iframe")
            assert await frame.get_attribute("title") == "Acme Coffee community"
            assert (await frame.bounding_box() or {}).get("height") == 320
            heading = page.frame_locator("iframe").get_by_role("heading", level=2)
            assert await heading.inner_text() == "Join 43 members of the Acme Coffee community"
    finally:
        await server.stop()
