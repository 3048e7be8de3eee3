"""The app on a phone (issue 17): a touch screen of 390×844 and 360×740 CSS pixels at 3× density, and the
presenter on a landscape phone (844×390). What a person sees first, whole, and can tap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import (
    MAP_FRAME,
    RequestLog,
    close_context,
    open_page,
    screenshot,
    wait_for_map,
    wait_for_scene,
)
from tests.browser.test_presenter import scenes  # noqa: F401  (a fixture)

TAP = 44  # px: WCAG 2.5.5 (AAA) target size, Apple's and Google's guidance for touch
PHONES = [(390, 844), (360, 740)]
REPLAY_FRAME = f".st-key-replay-map-oct9 {MAP_FRAME}"


def open_phone(browser: Browser, log: RequestLog, width: int, height: int) -> Page:
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=3, is_mobile=True, has_touch=True
    )
    context.route("**/*", log.handle)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


@pytest.fixture(params=PHONES, ids=lambda size: f"{size[0]}x{size[1]}")
def phone(request, browser: Browser, requests_log: RequestLog) -> Iterator[Page]:
    page = open_phone(browser, requests_log, *request.param)
    yield page
    close_context(page.context)


# The map's rectangle as seen (the iframe's map clipped to the window), the icons of the crossings of
# 9 Oct (map.js gives them rank 0) and their permanent labels, all in the page's coordinates.
MAP_GEOMETRY = """(selector) => {
  const frame = document.querySelector(selector);
  const at = frame.getBoundingClientRect();
  const win = frame.contentWindow;
  const box = (r) => ({left: r.left + at.left, top: r.top + at.top,
                       right: r.right + at.left, bottom: r.bottom + at.top});
  const map = box(win.map.getContainer().getBoundingClientRect());
  const visible = {left: Math.max(map.left, 0), top: Math.max(map.top, 0),
                   right: Math.min(map.right, innerWidth), bottom: Math.min(map.bottom, innerHeight)};
  const crossings = [], labels = [];
  win.map.eachLayer((layer) => {
    const symbol = layer.options && layer.options.cxSymbol;
    if (!symbol || symbol.rank !== 0 || !layer.getElement || !layer.getElement()) return;
    crossings.push(box(layer.getElement().getBoundingClientRect()));
    const tooltip = layer.getTooltip && layer.getTooltip();
    if (tooltip && tooltip.options.permanent && tooltip.getElement())
      labels.push(box(tooltip.getElement().getBoundingClientRect()));
  });
  return {map, visible, crossings, labels};
}"""


def inside(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def overlaps(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def assert_scale_and_attribution_apart(frame) -> None:
    """The scale bar and the attribution, both in the map's bottom corners, do not cover each other."""
    boxes = [
        frame.locator(selector).evaluate(
            "(e) => { const r = e.getBoundingClientRect(); "
            "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; }"
        )
        for selector in (".leaflet-control-scale", ".leaflet-control-attribution")
    ]
    assert not overlaps(*boxes), boxes


def sidebar_open(page: Page) -> bool:
    return page.get_by_test_id("stSidebar").get_attribute("data-collapsed") == "false"


def small_targets(page_or_frame, selector: str) -> list[tuple[str, float, float]]:
    """Every visible element matching `selector` smaller than TAP px either way."""
    return page_or_frame.locator(selector).evaluate_all(
        """(els, tap) => els.filter((e) => e.offsetParent !== null).map((e) => {
             const r = e.getBoundingClientRect();
             return [e.outerHTML.slice(0, 80), r.width, r.height];
           }).filter(([, w, h]) => w < tap - 0.5 || h < tap - 0.5)""",
        TAP,
    )


def wait_for_layout(page: Page) -> None:
    """map.js has fitted the narrow map (fitNarrow) and laid the labels out after that move."""
    wait_for_map(page)
    page.wait_for_function(
        f"""() => {{ const w = document.querySelector('{MAP_FRAME}').contentWindow;
                    return w.map && w.map._cxNarrowFitted && !w.map._animatingZoom; }}"""
    )
    # The labels are laid out on a timer after moveend: wait until two reads agree.
    page.wait_for_function(
        f"""() => {{ const w = document.querySelector('{MAP_FRAME}').contentWindow;
          const now = JSON.stringify([...w.document.querySelectorAll('.cx-label')].map((e) => {{
            const r = e.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top)]; }}));
          const same = w.__cxLastLabels === now; w.__cxLastLabels = now; return same; }}""",
        polling=200,
    )


def test_map_first_with_the_five_crossings_and_whole_labels(phone: Page, app_url: str, requests_log) -> None:
    width, height = phone.viewport_size["width"], phone.viewport_size["height"]
    phone.goto(app_url)
    wait_for_layout(phone)
    geometry = phone.evaluate(MAP_GEOMETRY, MAP_FRAME)
    visible = geometry["visible"]
    # The map is the first thing on the page after the title, as wide as the page's column, and whole
    # on the first screen.
    assert geometry["map"]["top"] < height / 4, geometry["map"]
    assert geometry["map"]["bottom"] <= height, geometry["map"]
    assert geometry["map"]["right"] - geometry["map"]["left"] >= width - 40, geometry["map"]
    assert len(geometry["crossings"]) == 5, geometry["crossings"]
    assert all(inside(c, visible) for c in geometry["crossings"]), (visible, geometry["crossings"])
    assert len(geometry["labels"]) == 5, geometry["labels"]
    assert all(inside(label, visible) for label in geometry["labels"]), (visible, geometry["labels"])
    assert_scale_and_attribution_apart(phone.frame_locator(MAP_FRAME))
    assert not requests_log.blocked
    screenshot(phone, f"phone-map-{width}x{height}")


def test_tap_targets_and_a_sidebar_that_stays_closed(phone: Page, app_url: str) -> None:
    width, height = phone.viewport_size["width"], phone.viewport_size["height"]
    phone.goto(app_url)
    wait_for_map(phone)
    assert not sidebar_open(phone)
    frame = phone.frame_locator(MAP_FRAME)
    map_controls = ".leaflet-control-zoom a, .leaflet-control-layers-toggle, .cx-legend-toggle"
    assert frame.locator(map_controls).count() == 4
    assert small_targets(frame, map_controls) == []
    assert small_targets(phone, '[data-testid="stExpandSidebarButton"]') == []

    phone.get_by_test_id("stExpandSidebarButton").tap()
    expect(phone.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    sidebar = phone.get_by_test_id("stSidebar")
    expect(sidebar.locator(".st-key-preset-0 button")).to_be_visible()
    screenshot(phone, f"phone-sidebar-{width}x{height}")
    assert small_targets(phone, '[data-testid="stSidebarCollapseButton"] button') == []
    assert small_targets(phone, '[data-testid="stSidebarNavLink"]') == []
    assert small_targets(phone, '[class*="st-key-preset-"] button') == []

    # Reloaded with the panel open, the page starts with the map again, the filters folded away
    # (static/crossings/sidebar.js: Streamlit does not remember the open panel on a narrow screen).
    phone.reload()
    wait_for_map(phone)
    assert not sidebar_open(phone)
    assert phone.evaluate("() => Object.keys(localStorage).filter((k) => k.startsWith('stSidebarCollapsed-'))") == []
    # ... and the panel opens and closes with its own buttons.
    phone.get_by_test_id("stExpandSidebarButton").tap()
    expect(phone.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
    phone.get_by_test_id("stSidebarCollapseButton").locator("button").tap()
    expect(phone.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")


def test_a_panel_remembered_open_elsewhere_closes_on_a_phone(phone: Page, app_url: str) -> None:
    """An open panel Streamlit remembered before the page's script ran (a wide window, or before the fix)
    is closed once on a narrow screen, and forgotten."""
    phone.goto(app_url)
    wait_for_map(phone)
    phone.evaluate("() => localStorage.setItem('stSidebarCollapsed-', 'false')")  # as Streamlit writes it
    phone.reload()
    wait_for_map(phone)
    expect(phone.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
    assert phone.evaluate("() => localStorage.getItem('stSidebarCollapsed-')") is None


def test_a_desktop_still_remembers_the_panel(browser: Browser, app_url: str, requests_log) -> None:
    """Wider than Streamlit's 768-px breakpoint nothing changes: a closed panel stays closed on reload."""
    page = open_page(browser, requests_log, 1280, 720)
    try:
        page.goto(app_url)
        wait_for_map(page)
        assert sidebar_open(page)  # Streamlit's default on a wide screen
        page.get_by_test_id("stSidebar").hover()  # its close button shows on hover
        page.get_by_test_id("stSidebarCollapseButton").locator("button").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")
        page.reload()
        wait_for_map(page)
        assert not sidebar_open(page)
        page.get_by_test_id("stExpandSidebarButton").click()
        expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "false")
        page.reload()
        wait_for_map(page)
        assert sidebar_open(page)
    finally:
        close_context(page.context)


def test_details_come_under_the_map(phone: Page, app_url: str) -> None:
    width, height = phone.viewport_size["width"], phone.viewport_size["height"]
    phone.goto(app_url)
    wait_for_layout(phone)
    frame = phone.frame_locator(MAP_FRAME)
    frame.locator(".cx-label").first.tap()
    expect(phone.locator(".st-key-clear-selection button")).to_be_visible()
    map_box = phone.locator(MAP_FRAME).bounding_box()
    details = phone.locator(".st-key-details-panel").bounding_box()
    assert details["y"] >= map_box["y"] + map_box["height"] - 1, (map_box, details)
    assert small_targets(phone, ".st-key-clear-selection button") == []
    phone.locator(".st-key-details-panel").scroll_into_view_if_needed()
    screenshot(phone, f"phone-details-{width}x{height}")


def test_replay_caption_is_under_the_map_not_on_it(phone: Page, app_url: str) -> None:
    width, height = phone.viewport_size["width"], phone.viewport_size["height"]
    phone.goto(f"{app_url}/timeline")
    phone.wait_for_function(
        """(selector) => { const f = document.querySelector(selector);
             return f && f.contentDocument
               && f.contentDocument.querySelector('.cx-rp.cx-rp-docked[data-stage-index="0"]'); }""",
        arg=REPLAY_FRAME,
    )
    phone.locator(REPLAY_FRAME).scroll_into_view_if_needed()
    frame = phone.frame_locator(REPLAY_FRAME)
    caption = frame.locator(".cx-rp").bounding_box()
    leaflet = frame.locator(".leaflet-container").bounding_box()
    iframe = phone.locator(REPLAY_FRAME).bounding_box()
    assert caption["y"] >= leaflet["y"] + leaflet["height"] - 1, (caption, leaflet)
    assert caption["y"] + caption["height"] <= iframe["y"] + iframe["height"] + 1, (caption, iframe)
    assert small_targets(frame, ".cx-rp button") == []
    expect(frame.locator(".cx-rp-keys")).to_be_hidden()  # no keyboard hint on a touch screen
    frame.locator(".cx-rp-next").tap()
    expect(frame.locator(".cx-rp")).to_have_attribute("data-stage-index", "1")
    screenshot(phone, f"phone-replay-{width}x{height}")


def test_presenter_on_a_landscape_phone(browser: Browser, app_url: str, requests_log, scenes) -> None:  # noqa: F811
    page = open_phone(browser, requests_log, 844, 390)
    try:
        page.goto(f"{app_url}/presenter")
        wait_for_scene(page, scenes[0].id)
        frame = page.frame_locator(MAP_FRAME)
        bar = frame.locator(".cx-pr-bar")
        expect(bar).to_be_visible()
        size = bar.evaluate("(e) => [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]")
        assert size[0] <= size[1] + 1 and size[2] <= size[3] + 1, size  # the slide's text fits its panel
        iframe = page.locator(MAP_FRAME).bounding_box()
        assert iframe["x"] >= 0 and iframe["x"] + iframe["width"] <= 844 + 0.5, iframe
        for button in (".cx-pr-prev", ".cx-pr-next"):
            box = frame.locator(button).bounding_box()
            assert box["width"] >= TAP - 0.5 and box["height"] >= TAP - 0.5, (button, box)
            assert box["y"] >= 0 and box["y"] + box["height"] <= 390, (button, box)
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        assert_scale_and_attribution_apart(frame)
        frame.locator(".cx-pr-next").tap()
        wait_for_scene(page, scenes[1].id)
        screenshot(page, "phone-presenter-844x390")
    finally:
        close_context(page.context)
