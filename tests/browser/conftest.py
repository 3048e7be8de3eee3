"""Real-browser fixtures: `streamlit run` on a free port, Playwright driving Debian's Chromium.

Nothing here skips: without Chromium the tests fail and say how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bench.server import streamlit_server

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CROSSINGS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    with streamlit_server(ROOT / "app.py", cwd=ROOT, log=log) as (base_url, _process):
        yield base_url


class RequestLog:
    """Every request the page makes; anything not on loopback is blocked and recorded."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.blocked: list[str] = []

    def handle(self, route) -> None:
        url = route.request.url
        self.urls.append(url)
        host = urlsplit(url).hostname or ""
        if url.startswith(("data:", "blob:", "about:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def requests_log() -> RequestLog:
    return RequestLog()


def close_context(context: BrowserContext) -> None:
    """Close a context whose route handlers may still be running: a request in flight when the test
    ends (a script the page was still fetching) must not fail the test with 'Request context disposed'."""
    context.unroute_all(behavior="ignoreErrors")
    context.close()


def open_page(browser: Browser, log: RequestLog, width: int = 1440, height: int = 900) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    context.route("**/*", log.handle)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


@pytest.fixture
def page(browser: Browser, requests_log: RequestLog) -> Iterator[Page]:
    page = open_page(browser, requests_log)
    yield page
    close_context(page.context)


def wait_for_map(page: Page) -> None:
    """The map iframe has drawn Leaflet, the offline basemap, the data and the legend."""
    frame = page.frame_locator(MAP_FRAME)
    frame.locator(".leaflet-container").wait_for(state="visible")
    frame.locator(".cx-legend").wait_for(state="visible")
    frame.locator(".cx-country").first.wait_for(state="attached")
    page.wait_for_function(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                  return f && f.contentWindow && f.contentWindow.map && f.contentWindow.feature_group
                         && f.contentWindow.feature_group.length > 0; }"""
    )
    # ... and has stopped moving (the first view zooms and pans into the mapped region).
    page.wait_for_function(
        """() => { const m = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow.map;
                  return !m._animatingZoom && !(m._panAnim && m._panAnim._inProgress); }"""
    )


SCENE_SHOWN = """(sceneId) => [...document.querySelectorAll('iframe[title="streamlit_folium.st_folium"]')].some((f) => {
  try { return f.contentDocument.documentElement.dataset.cxScene === sceneId; } catch (e) { return false; }
})"""


def wait_for_scene(page: Page, scene_id: str) -> None:
    """presenter.js marks the frame's root once a scene is drawn, framed and labelled.

    It looks in every map frame rather than one: a language switch mounts a new map frame, and under load
    the old and the new frame are both in the page for a moment."""
    page.wait_for_function(SCENE_SHOWN, arg=scene_id)


def wait_for_idle(page: Page) -> None:
    """Streamlit has finished its rerun (no 'Running…' status widget)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')"
    )


def open_expander(page: Page, title: str) -> None:
    """Opens the expander titled `title` and waits until it is open. A rerun still running when it is clicked
    can draw it again closed (seen on a loaded machine), so it is clicked again until it stays open."""
    wait_for_idle(page)
    expander = page.get_by_test_id("stExpander").filter(has=page.get_by_text(title, exact=True)).first
    details = expander.locator("details")
    for _attempt in range(3):
        if details.get_attribute("open") is None:
            expander.locator("summary").click()
        try:
            expect(details).to_have_attribute("open", "", timeout=5_000)
            page.wait_for_timeout(300)
            wait_for_idle(page)
            if details.get_attribute("open") is not None:
                return
        except AssertionError:
            continue
    raise AssertionError(f"the {title!r} expander does not stay open")


SETTLED = """() => {
  const status = document.querySelector('[data-testid="stStatusWidget"]');
  return !(status && status.innerText.includes('Running'))
    && !document.querySelector('[data-stale="true"]');
}"""


def wait_until_settled(page: Page, quiet_ms: int = 1000, timeout_ms: int = 30_000) -> None:
    """No rerun is running and no element is faded as stale, and it stays so for quiet_ms.

    wait_for_idle alone can pass between a page's first run and a rerun it triggers itself; an audit of
    colour contrast taken then sees the stale elements Streamlit draws at reduced opacity."""
    waited = 0
    quiet = 0
    while quiet < quiet_ms:
        if waited > timeout_ms:
            raise AssertionError(f"the page did not settle within {timeout_ms} ms")
        quiet = quiet + 100 if page.evaluate(SETTLED) else 0
        page.wait_for_timeout(100)
        waited += 100


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
