"""Issue 17's "done when", in Chromium: a Korean-speaking journalist opens `?lang=ko` on a phone (390×844,
touch), finds Tumen (도문) with the place search in the filter panel, reads what is reported there with its
sources in the details under the map, and shares the link, without meeting an English interface word.

What may stay in Latin letters (the allowlist, and why):
- data shown as it is (the rules of docs/glossary.md and /work/notes/I18N.md): names without a Korean name,
  the reported text, notes, source ids, outlets, titles and dates as the sources table writes them
  (`data_words`), the basemap's names without a Korean name (`basemap_words`);
- proper nouns and acronyms (TJWG, NKDB, MSS, Natural Earth, GeoNames, licence names, UTC; tests/
  test_map_korean.py ALLOWED), "English" (the language switch names each language in itself);
- Streamlit's and Leaflet's own chrome: the "Skip to main content" link, the attribution's "Leaflet" and the
  scale bar's units (tests/browser/test_map_korean.py BROWSER_ALLOWED).
Not allowed here, unlike on a desktop: "Tab" and "Enter" (a touch screen gets the tap hint, not the keys).

Screenshots (artifacts/screenshots/, copied to docs/screenshots/ by hand: a test leaves git clean):
ko-map-390x844, ko-details-390x844, ko-map-1440x900, ko-map-1280x720, ko-presenter-1280x720."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from geo.io import load_dataset
from geo.scenes import load_scenes
from geo.schema import as_id_list
from tests.browser.conftest import MAP_FRAME, RequestLog, close_context, open_page, screenshot, wait_for_map
from tests.browser.test_map_korean import BROWSER_ALLOWED, basemap_words
from tests.browser.test_phone import (
    MAP_GEOMETRY,
    inside,
    open_phone,
    sidebar_open,
    small_targets,
    wait_for_layout,
)
from tests.test_map_korean import ALLOWED, data_words, english_words

pytestmark = pytest.mark.browser

TUMEN = "x-tumen-namyang"
KEY_WORDS = {"Tab", "Enter"}  # the desktop's key hint; a touch screen must not show it

# What a person reads on the page: the text of a copy of the body without Material icon ligatures (icon
# names drawn as glyphs) and without the map's iframe (read on its own).
VISIBLE_TEXT = """() => { const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[data-testid*="Icon"], iframe').forEach((e) => e.remove());
  document.body.appendChild(copy); copy.style.position = 'absolute';
  const text = copy.innerText; copy.remove(); return text; }"""


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def allowed(dataset) -> set[str]:
    return ((ALLOWED | BROWSER_ALLOWED) - KEY_WORDS) | data_words(dataset) | basemap_words()


@pytest.fixture
def phone(browser: Browser, requests_log: RequestLog) -> Iterator[Page]:
    page = open_phone(browser, requests_log, 390, 844)
    yield page
    close_context(page.context)


def texts(page: Page) -> list[str]:
    return [page.evaluate(VISIBLE_TEXT), page.frame_locator(MAP_FRAME).locator("body").inner_text()]


def test_a_korean_reader_finds_tumen_on_a_phone(phone: Page, app_url: str, dataset, allowed, requests_log) -> None:
    phone.goto(f"{app_url}/?lang=ko")
    wait_for_layout(phone)
    frame = phone.frame_locator(MAP_FRAME)
    assert not sidebar_open(phone)

    # The first screen: the five crossings of 9 October and their Korean labels whole inside the map
    # (the counts of tests/browser/test_phone.py, here in Korean), controls big enough to tap.
    geometry = phone.evaluate(MAP_GEOMETRY, MAP_FRAME)
    assert len(geometry["crossings"]) == 5 and len(geometry["labels"]) == 5, geometry
    assert all(inside(box, geometry["visible"]) for box in geometry["crossings"] + geometry["labels"]), geometry
    labels = frame.locator(".cx-label").all_inner_texts()
    assert any("도문–남양" in label for label in labels), labels
    assert all("10월 9일" in label for label in labels), labels
    map_controls = ".leaflet-control-zoom a, .leaflet-control-layers-toggle, .cx-legend-toggle"
    assert small_targets(frame, map_controls) == []
    assert small_targets(phone, '[data-testid="stExpandSidebarButton"]') == []
    # The details panel says to tap, not to press keys.
    expect(phone.locator(".st-key-hint-touch-details")).to_contain_text("지도의 기호나 선을 누르면")
    expect(phone.locator(".st-key-hint-pointer-details")).to_be_hidden()
    screenshot(phone, "ko-map-390x844")
    closed = texts(phone)

    # The filter panel: Tumen through the place search, by its Korean name.
    phone.get_by_test_id("stExpandSidebarButton").tap()
    sidebar = phone.get_by_test_id("stSidebar")
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    search = sidebar.get_by_role("textbox", name="장소 찾기")
    search.tap()
    search.fill("도문")
    search.press("Enter")
    result = sidebar.get_by_role("button", name="도문–남양")
    expect(result).to_be_visible()
    opened = texts(phone)
    assert small_targets(phone, '[class*="st-key-sidebar-place-search-hit-"] button') == []
    result.tap()

    # The panel folds away; the map shows Tumen selected, the details come under it.
    expect(sidebar).to_have_attribute("data-collapsed", "true")
    details = phone.locator(".st-key-details-panel")
    expect(details.get_by_role("heading", name="도문–남양")).to_be_visible()
    expect(frame.locator(f'.cx-icon[data-fid="{TUMEN}"]')).to_be_visible()
    map_box = phone.locator(MAP_FRAME).bounding_box()
    assert details.bounding_box()["y"] >= map_box["y"] + map_box["height"] - 1
    crossing = dataset.layers["crossings"].set_index("id").loc[TUMEN]
    expect(details).to_contain_text("보도 내용")
    expect(details.get_by_text("출처", exact=True)).to_be_visible()
    for source in as_id_list(crossing["source_ids"]):  # every source of what is reported there
        expect(details).to_contain_text(source)
    assert small_targets(phone, ".st-key-clear-selection button") == []
    details.evaluate("(e) => e.scrollIntoView({block: 'start'})")  # its heading just under Streamlit's header
    expect(details.get_by_role("heading", name="도문–남양")).to_be_in_viewport()
    screenshot(phone, "ko-details-390x844")
    selected = texts(phone)

    # The link to share names the language and the crossing, and opens both for the next reader.
    query = parse_qs(urlsplit(phone.url).query)
    assert query.get("lang") == ["ko"] and query.get("feature") == [TUMEN], phone.url
    reader = open_phone(phone.context.browser, requests_log, 390, 844)
    try:
        reader.goto(phone.url)
        wait_for_map(reader)
        expect(reader.locator(".st-key-details-panel").get_by_role("heading", name="도문–남양")).to_be_visible()
        assert not sidebar_open(reader)
    finally:
        close_context(reader.context)

    leftover = english_words(closed + opened + selected, allowed)
    assert leftover == [], sorted(set(leftover))
    assert requests_log.blocked == []


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)], ids=lambda size: f"{size[0]}x{size[1]}")
def test_korean_screenshots_of_the_map(browser: Browser, app_url: str, requests_log, size) -> None:
    width, height = size
    page = open_page(browser, requests_log, width, height)
    try:
        page.goto(f"{app_url}/?lang=ko")
        wait_for_map(page)
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.locator(".cx-label", has_text="도문–남양")).to_be_visible()
        expect(page.get_by_role("heading", name="중국 내 탈북민 강제송환")).to_be_visible()
        screenshot(page, f"ko-map-{width}x{height}")
    finally:
        close_context(page.context)
    assert requests_log.blocked == []


def test_korean_screenshot_of_the_presenter(browser: Browser, app_url: str, requests_log, dataset) -> None:
    page = open_page(browser, requests_log, 1280, 720)
    try:
        first = load_scenes(dataset).scenes[0]
        page.goto(f"{app_url}/presenter?lang=ko")
        frame = page.frame_locator(MAP_FRAME)
        frame.locator(f'html[data-cx-scene="{first.id}"]').wait_for(state="attached")
        expect(frame.locator(".cx-pr-title")).to_have_text(first.translations["ko"][0])
        expect(frame.locator(".cx-legend")).to_have_attribute("aria-label", "지도 범례")
        screenshot(page, "ko-presenter-1280x720")
    finally:
        close_context(page.context)
    assert requests_log.blocked == []
