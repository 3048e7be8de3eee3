"""The URL is the view: after every way the UI changes the view (a filter, a preset, the timeline
brush, a search result, a table row), the address opened in a fresh browser gives the same view.
Crossings, kinds and confidence are ids in the address; links with their names still work; a value
that names nothing is said on the page."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import RequestLog, close_context, open_page, wait_for_idle, wait_for_map

pytestmark = pytest.mark.browser

TUMEN = "Tumen–Namyang (Onsong County)"


def sentence(page: Page) -> str:
    return page.get_by_text("Showing ", exact=False).first.inner_text()


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def settled_url(page: Page) -> str:
    """The address once Streamlit has finished the rerun that writes it."""
    wait_for_idle(page)
    page.wait_for_timeout(300)
    wait_for_idle(page)
    return page.url


def assert_same_view(browser: Browser, requests_log: RequestLog, url: str, view: str, heading: str | None = None):
    fresh = open_page(browser, requests_log)
    try:
        fresh.goto(url)
        expect(fresh.get_by_text("Showing ", exact=False).first).to_have_text(view, timeout=20_000)
        if heading:
            expect(fresh.get_by_role("heading", name=heading)).to_be_visible(timeout=20_000)
    finally:
        close_context(fresh.context)


def test_filters_and_presets_keep_the_address_the_view(page: Page, browser: Browser, app_url: str, requests_log):
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("button", name="Aug–Dec 2023").click()
    expect(page.get_by_text("1 Aug – 31 Dec 2023", exact=False).first).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stMultiSelect").first.click()
    page.get_by_role("option", name=TUMEN).click()
    page.keyboard.press("Escape")
    expect(page.get_by_text(f"crossing {TUMEN}", exact=False).first).to_be_visible()
    url = settled_url(page)
    assert query(page)["crossing"] == ["x-tumen-namyang"]
    assert query(page)["dates"] == ["2023-08-01", "2023-12-31"]
    assert_same_view(browser, requests_log, url, sentence(page))


def test_a_search_result_keeps_the_filters_in_the_address(page: Page, browser: Browser, app_url: str, requests_log):
    page.goto(f"{app_url}/?crossing=x-tumen-namyang&dates=2023-08-01&dates=2023-12-31")
    wait_for_map(page)
    view = sentence(page)
    assert TUMEN in view
    search = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Find a place")
    search.fill("Onsong")
    search.press("Enter")
    page.get_by_test_id("stSidebar").get_by_role("button", name=re.compile("MSS holding centre, Onsong")).click()
    expect(page.get_by_role("heading", name="MSS holding centre, Onsong")).to_be_visible(timeout=20_000)
    url = settled_url(page)
    assert query(page)["crossing"] == ["x-tumen-namyang"]
    assert query(page)["dates"] == ["2023-08-01", "2023-12-31"]
    assert query(page)["feature"] == ["rf-onsong"]
    assert sentence(page) == view
    assert_same_view(browser, requests_log, url, view, heading="MSS holding centre, Onsong")


def test_the_timeline_brush_keeps_the_address_the_view(page: Page, browser: Browser, app_url: str, requests_log):
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("link", name="Timeline", exact=True).first.click()
    plot = page.locator(".st-key-timeline-chart .vega-embed canvas, .st-key-timeline-chart .vega-embed svg.marks")
    plot.first.wait_for(state="visible")
    box = plot.first.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * 0.60, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.72, y, steps=6)
    page.mouse.up()
    expect(page).to_have_url(re.compile(r"dates=.*dates="))
    url = settled_url(page)
    assert "1986" not in sentence(page)
    assert_same_view(browser, requests_log, url, sentence(page))


def test_a_table_row_keeps_the_address_the_view(page: Page, browser: Browser, app_url: str, requests_log):
    page.goto(app_url)
    wait_for_map(page)
    page.goto(f"{app_url}/data?crossing=x-tumen-namyang&dates=2023-10-09&dates=2023-10-09")
    grid = page.get_by_test_id("stDataFrame")
    page.wait_for_function(
        "() => { const g = document.querySelector('[data-testid=\"stDataFrame\"] canvas');"
        " return g && g.getBoundingClientRect().height > 100; }"
    )
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 36 + 17)  # the first row's selection box
    expect(page).to_have_url(re.compile(r"feature="))
    url = settled_url(page)
    fid = query(page)["feature"][0]
    details = page.locator(".st-key-data-details")
    expect(details).to_be_visible()
    heading = details.inner_text().strip().splitlines()[0]
    assert query(page)["crossing"] == ["x-tumen-namyang"]
    fresh = open_page(browser, requests_log)
    try:
        fresh.goto(url)
        expect(fresh.get_by_text("Showing ", exact=False).first).to_have_text(sentence(page))
        expect(fresh.locator(".st-key-data-details")).to_contain_text(heading)
        assert parse_qs(urlsplit(fresh.url).query)["feature"] == [fid]
    finally:
        close_context(fresh.context)


def test_old_links_with_names_work_and_unknown_values_are_said(page: Page, app_url: str) -> None:
    page.goto(
        f"{app_url}/?crossing={TUMEN}&confidence=Confirmed by two or more sources&dates=2023-10-09&dates=2023-10-09"
    )
    wait_for_map(page)
    expect(page.get_by_text(f"crossing {TUMEN}, confidence at least confirmed", exact=False).first).to_be_visible()
    settled_url(page)
    assert query(page)["crossing"] == ["x-tumen-namyang"]
    assert query(page)["confidence"] == ["confirmed"]

    page.goto(f"{app_url}/?crossing=x-tumen-namyang&crossing=Nowhere&confidence=bogus")
    wait_for_map(page)
    expect(page.get_by_text("names a crossing that is not in the data: “Nowhere”", exact=False)).to_be_visible()
    expect(page.get_by_text("names a confidence level that is not in the data: “bogus”", exact=False)).to_be_visible()
    expect(page.get_by_text(f"crossing {TUMEN}", exact=False).first).to_be_visible()
