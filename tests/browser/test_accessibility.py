"""An automated WCAG 2.2 AA audit with axe-core (npm, node_modules/axe-core) in Chromium: no serious or
critical violation on any page, inside the map frames, or in the standalone briefing file."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Frame, Page

from geo.briefing import basemap_json, build_briefing_html
from geo.io import load_dataset
from geo.scenes import load_scenes
from tests.browser.conftest import ROOT, RequestLog, close_context, open_page, wait_for_idle, wait_until_settled

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, iframes: false});
  return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 5).map((n) => n.target.join(' ')).join(' | '));
}"""
PAGES = {
    "map": ("", ".leaflet-container"),
    "timeline": ("timeline", ".st-key-timeline-chart"),
    "data": ("data", '[data-testid="stDataFrame"]'),
    "crossing profiles": ("crossing", ".leaflet-container"),
    "sources": ("sources", '[data-testid="stDataFrame"]'),
    "import": ("import", '[data-testid="stFileUploader"]'),
    "presenter": ("presenter", ".cx-pr-bar"),
    "about": ("about", "h1, h2"),
}


def audit(frame: Frame) -> list[str]:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `npm ci` (scripts/test does)", pytrace=False)
    frame.add_script_tag(path=str(AXE))
    return frame.evaluate(RUN, WCAG_AA)


def audited_frames(page: Page) -> list[Frame]:
    """The page and every map frame in it (the component frames Streamlit loads from this server)."""
    return [page.main_frame] + [f for f in page.frames if "/component/" in f.url]


@pytest.fixture(scope="module")
def audit_page(browser: Browser):
    page = open_page(browser, RequestLog())
    yield page
    close_context(page.context)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_serious_wcag_violation_on_the_page_or_in_its_map(audit_page: Page, app_url: str, name: str) -> None:
    path, ready = PAGES[name]
    if audit_page.url == "about:blank":
        audit_page.goto(app_url)  # the entrypoint first: it knows every page
        wait_for_idle(audit_page)
    audit_page.goto(f"{app_url}/{path}")
    wait_for_idle(audit_page)
    target = audit_page
    if ready in (".leaflet-container", ".cx-pr-bar"):
        audit_page.frame_locator('iframe[title="streamlit_folium.st_folium"]').first.locator(ready).wait_for()
    else:
        target.locator(ready).first.wait_for()
    audit_page.wait_for_timeout(800)  # the map's symbol layout and the charts' first draw
    wait_until_settled(audit_page)
    found = {frame.url.split("?")[0]: audit(frame) for frame in audited_frames(audit_page)}
    assert len(found) >= (2 if ready in (".leaflet-container", ".cx-pr-bar") else 1)
    assert {url: problems for url, problems in found.items() if problems} == {}


def test_no_serious_wcag_violation_in_the_briefing_file(browser: Browser, tmp_path: Path) -> None:
    dataset = load_dataset()
    html = build_briefing_html(dataset, load_scenes(dataset).scenes, basemap_json())
    path = tmp_path / "briefing.html"
    path.write_text(html, encoding="utf-8")
    # The briefing's own CSP forbids every script but its own; the audit's script is let in.
    context = browser.new_context(viewport={"width": 1280, "height": 720}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.locator("html[data-cx-scene]").wait_for(state="attached")
        assert audit(page.main_frame) == []
    finally:
        close_context(context)
