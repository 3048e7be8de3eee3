"""The map as a person sees it: layers, legend, details on click, URL views, no network, no remount."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from geo.io import load_dataset
from geo.schema import REGION_BBOX
from tests.browser.conftest import MAP_FRAME, close_context, open_page, screenshot, wait_for_map

pytestmark = pytest.mark.browser

USED_CROSSINGS = ["Dandong–Sinuiju", "Tumen–Namyang", "Changbai–Hyesan", "Nanping–Musan", "Hunchun–Kyongwon"]


def sentence(page: Page) -> str:
    return page.get_by_text("Showing ", exact=False).first.inner_text()


def test_default_view_shows_layers_legend_and_labels(page: Page, app_url: str, requests_log) -> None:
    page.goto(app_url)
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    for name in USED_CROSSINGS:
        expect(frame.locator(".cx-label", has_text=name)).to_be_visible()
    # Every place layer is drawn: squares (detention), diamonds (crossings), triangles (receiving).
    assert frame.locator(".cx-icon").count() >= 20
    expect(frame.locator(".cx-legend")).to_be_visible()
    expect(frame.locator(".leaflet-control-layers")).to_be_attached()
    total = load_dataset().total_features()  # the undated context layers are not counted
    expect(page.get_by_text(f"Showing {total} of {total} features")).to_be_visible()
    screenshot(page, "map-default-1440x900")
    assert requests_log.blocked == [], f"requests left localhost: {requests_log.blocked}"
    assert any("/app/static/vendor/leaflet/leaflet.js" in url for url in requests_log.urls)


IN_MAP = "const w = document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]').contentWindow;"

LABEL_GAPS = (
    IN_MAP
    + """
  const gaps = {};
  w.map.eachLayer((layer) => {
    const tooltip = layer.getTooltip && layer.getTooltip();
    if (!tooltip || !tooltip.options.permanent || !layer.isTooltipOpen() || !layer.getElement) return;
    const label = tooltip.getElement().getBoundingClientRect();
    const icon = layer.getElement().getBoundingClientRect();
    const dx = Math.max(0, label.left - icon.right, icon.left - label.right);
    const dy = Math.max(0, label.top - icon.bottom, icon.top - label.bottom);
    gaps[layer.options.title] = Math.round(dx + dy);
  });
  return gaps;"""
)


@contextlib.contextmanager
def map_at(browser, requests_log, app_url: str, size: tuple[int, int]) -> Iterator[Page]:
    """The default map in a window of `size`, drawn; the browser context is closed afterwards."""
    page = open_page(browser, requests_log, *size)
    try:
        page.goto(app_url)
        wait_for_map(page)
        yield page
    finally:
        close_context(page.context)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_crossing_labels_sit_beside_their_crossings(browser, app_url: str, requests_log, size) -> None:
    """A label laid out before the stylesheet arrived once landed hundreds of pixels away (or off the map)."""
    with map_at(browser, requests_log, app_url, size) as page:
        with contextlib.suppress(PlaywrightTimeoutError):  # the assertions below say what is wrong
            page.wait_for_function(
                f"() => {{ {LABEL_GAPS.replace('return gaps;', '')} "
                "return Object.keys(gaps).length === 5 && Object.values(gaps).every((gap) => gap <= 20); }",
                timeout=10_000,
            )
        gaps = page.evaluate(f"() => {{ {LABEL_GAPS} }}")
        assert len(gaps) == 5, gaps  # a permanent label for each crossing of 9 October
        assert all(gap <= 20 for gap in gaps.values()), gaps


LABELS_OUTSIDE = (
    IN_MAP
    + """
  const frame = w.map.getContainer().getBoundingClientRect();
  const out = [];
  w.map.eachLayer((layer) => {
    const tooltip = layer.getTooltip && layer.getTooltip();
    if (!tooltip || !tooltip.options.permanent || !layer.isTooltipOpen()) return;
    const box = tooltip.getElement().getBoundingClientRect();
    if (box.left < frame.left || box.right > frame.right) out.push(layer.options.title);
  });
  return out;"""
)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_crossing_labels_stay_whole_inside_the_map(browser, app_url: str, requests_log, size) -> None:
    """Hunchun–Kyongwon sits near the east edge of the mapped region: its label must not be cut off."""
    with map_at(browser, requests_log, app_url, size) as page:
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(f"() => {{ {LABELS_OUTSIDE.replace('return out;', 'return out.length === 0;')} }}")
        assert page.evaluate(f"() => {{ {LABELS_OUTSIDE} }}") == []


TOWNS_CUT = (
    IN_MAP
    + """
  const frame = w.map.getContainer().getBoundingClientRect();
  return Array.from(w.document.querySelectorAll('.cx-town')).filter((town) => {
    const name = town.querySelector('.cx-town-name').getBoundingClientRect();
    return name.left < frame.left || name.right > frame.right || name.top < frame.top || name.bottom > frame.bottom;
  }).map((town) => town.innerText);"""
)


@pytest.mark.parametrize("size", [(390, 844), (1440, 900)])
def test_town_names_are_whole_or_left_out(browser, app_url: str, requests_log, size) -> None:
    """On a phone, "Anshan 鞍山" at the map's west edge was drawn as "shan 鞍山"."""
    with map_at(browser, requests_log, app_url, size) as page:
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.locator(".cx-town").first).to_be_attached()
        assert page.evaluate(f"() => {{ {TOWNS_CUT} }}") == []
        frame.locator(".leaflet-container").focus()
        for _ in range(3):  # panned west: towns come in from the edge
            page.keyboard.press("ArrowLeft")
        page.wait_for_timeout(600)  # Leaflet's keyboard pan animates
        assert page.evaluate(f"() => {{ {TOWNS_CUT} }}") == []


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900), (1920, 1080)])
def test_the_view_stays_on_the_mapped_region(browser, app_url: str, requests_log, size) -> None:
    """No band of 'not mapped' veil around the default view: the map fills with the offline basemap."""
    with map_at(browser, requests_log, app_url, size) as page:
        bounds = page.evaluate(
            f"() => {{ {IN_MAP} const b = w.map.getBounds();"
            " return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }"
        )
        west, south, east, north = REGION_BBOX
        pixel = 0.02  # Leaflet places the view to the whole pixel: about 0.01° at these zooms
        assert bounds[0] >= west - pixel and bounds[1] >= south - pixel, bounds
        assert bounds[2] <= east + pixel and bounds[3] <= north + pixel, bounds


# Leaflet draws (and holds the view inside the region) for the size it last measured; a container that has
# since changed size without Leaflet being told showed the "not mapped" veil as a band at its right edge.
SIZE_AND_VIEW = (
    IN_MAP
    + """
  const el = w.map.getContainer(), size = w.map.getSize(), b = w.map.getBounds();
  return {measured: [size.x, size.y], real: [el.clientWidth, el.clientHeight], east: b.getEast()};"""
)


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_the_map_draws_for_its_real_size_and_keeps_its_view(browser, app_url: str, requests_log, size) -> None:
    """The frame widens without a resize event once its page settles (a scrollbar goes): the map follows,
    and the default view still reaches the region's east edge (Hunchun with Russia beyond it)."""
    with map_at(browser, requests_log, app_url, size) as page:
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_function(
                f"() => {{ const v = (() => {{ {SIZE_AND_VIEW} }})(); return v.measured.join() === v.real.join(); }}"
            )
        view = page.evaluate(f"() => {{ {SIZE_AND_VIEW} }}")
        assert view["measured"] == view["real"], view
        assert view["east"] >= REGION_BBOX[2] - 0.05, view
        expect(page.frame_locator(MAP_FRAME).locator(".cx-country", has_text="RUSSIA")).to_be_visible()


def test_a_hover_tooltip_is_as_wide_as_its_text_needs(page: Page, app_url: str) -> None:
    """Leaflet's tooltip pane has no width: a tooltip that shrinks to fit it breaks after every word."""
    page.goto(app_url)
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    frame.locator('.cx-icon[data-fid="dc-tumen"]').focus()  # Leaflet opens the hover tooltip on focus too
    title = frame.locator(".cx-tooltip .cx-tt-title").first
    expect(title).to_be_visible()
    lines = title.evaluate(
        "(e) => Math.round(e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight))"
    )
    assert lines == 1, f"the title {title.inner_text()!r} takes {lines} lines"


EDGE_TOOLTIPS = (
    IN_MAP
    + """
  const frame = w.map.getContainer().getBoundingClientRect();
  const hovered = [];
  w.map.eachLayer((layer) => {
    const tooltip = layer.getTooltip && layer.getTooltip();
    if (tooltip && !tooltip.options.permanent && layer.getElement && layer.getElement()) hovered.push(layer);
  });
  const x = (layer) => layer.getElement().getBoundingClientRect().left;
  hovered.sort((a, b) => x(a) - x(b));
  return [hovered[0], hovered[hovered.length - 1]].map((layer) => {
    layer.openTooltip();
    const box = layer.getTooltip().getElement().getBoundingClientRect();
    layer.closeTooltip();
    return {name: layer.options.title, left: box.left - frame.left, right: frame.right - box.right};
  });"""
)


def test_hover_tooltips_at_the_map_edges_stay_whole(page: Page, app_url: str) -> None:
    """The westmost and eastmost symbols' tooltips slide inside the map instead of being cut by its edge."""
    page.goto(app_url)
    wait_for_map(page)
    for edge in page.evaluate(f"() => {{ {EDGE_TOOLTIPS} }}"):
        assert edge["left"] >= 0 and edge["right"] >= 0, edge


def test_legend_explains_symbols_and_line_styles(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    legend = page.frame_locator(MAP_FRAME).locator(".cx-legend")
    if legend.locator(".cx-legend-toggle").get_attribute("aria-expanded") == "false":
        legend.locator(".cx-legend-toggle").click()
    text = legend.inner_text()
    for phrase in (
        "Crossing used on 9 Oct 2023",
        "Detention centre",
        "Receiving facility",
        "Inferred",
        "Single source",
        "Confirmed (two or more independent outlets, or a primary document)",  # the README's and About's words
    ):
        assert phrase in text


REGULAR_LINE = 'path[stroke="#8a8a8a"][stroke-dasharray="2 6"]'


def test_regular_routes_are_a_legend_row_and_a_layer_off_until_switched_on(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    legend = frame.locator(".cx-legend")
    if legend.locator(".cx-legend-toggle").get_attribute("aria-expanded") == "false":
        legend.locator(".cx-legend-toggle").click()
    expect(legend.locator(".cx-legend-regular")).to_have_text("Regular routes (NKDB), not 9 October")
    expect(legend).to_contain_text("Context, not dated")
    expect(page.get_by_text("6 regular routes (NKDB), not 9 October")).to_be_visible()  # the filter sentence
    expect(frame.locator(".cx-icon").first).to_be_visible()
    assert frame.locator(REGULAR_LINE).count() == 0  # off by default: no 9 October view shows them unasked
    frame.locator(".leaflet-control-layers").hover()
    overlays = frame.locator(".leaflet-control-layers-overlays label")
    toggle = overlays.filter(has_text="Regular routes (NKDB), not 9 October (6)")
    checkbox = toggle.locator("input")
    expect(checkbox).not_to_be_checked()
    checkbox.check()
    expect(frame.locator(REGULAR_LINE)).to_have_count(6)


def test_clicking_a_crossing_shows_its_details_and_sources(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    page.frame_locator(MAP_FRAME).locator('.cx-icon[title="Tumen–Namyang (Onsong County)"]').click()
    expect(page.get_by_role("heading", name="Tumen–Namyang (Onsong County)")).to_be_visible()
    details = page.locator(".st-key-details-panel")
    expect(details).to_contain_text("about 300")
    expect(details).to_contain_text("The Economist")
    assert "feature=x-tumen-namyang" in page.url
    screenshot(page, "map-crossing-selected-1440x900")


def test_clicking_a_label_selects_the_crossing(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    page.frame_locator(MAP_FRAME).locator(".cx-label", has_text="Changbai–Hyesan").click()
    expect(page.get_by_role("heading", name="Changbai–Hyesan")).to_be_visible()
    expect(page.locator(".st-key-details-panel")).to_contain_text("People: unknown")


def test_url_with_a_crossing_filter_reproduces_the_view(page: Page, app_url: str) -> None:
    query = urlencode({"crossing": "Tumen–Namyang (Onsong County)", "dates": ["2023-10-09", "2023-10-09"]}, doseq=True)
    page.goto(f"{app_url}/?{query}")
    wait_for_map(page)
    expect(page.get_by_text("9 Oct 2023, crossing Tumen–Namyang (Onsong County)")).to_be_visible()
    frame = page.frame_locator(MAP_FRAME)
    expect(frame.locator(".cx-label", has_text="Tumen–Namyang")).to_be_visible()
    expect(frame.locator(".cx-label", has_text="Dandong–Sinuiju")).to_have_count(0)


def test_filter_change_updates_the_map_in_place(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    page.evaluate(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                   f.contentWindow.__cxMarker = 'still-here'; }"""
    )
    page.get_by_role("button", name="9 Oct 2023").click()
    expect(page.get_by_text("features: 9 Oct 2023")).to_be_visible()
    marker = page.evaluate(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                   return f.contentWindow.__cxMarker; }"""
    )
    assert marker == "still-here", "the map iframe was remounted by a filter change"
    screenshot(page, "map-9-october-1440x900")


@pytest.mark.parametrize("size", [(1280, 720), (1440, 900)])
def test_screenshots_of_the_main_views(browser, app_url: str, requests_log, size) -> None:
    width, height = size
    page = open_page(browser, requests_log, width, height)
    try:
        page.goto(f"{app_url}/?feature=x-dandong-sinuiju")
        wait_for_map(page)
        expect(page.get_by_role("heading", name="Dandong–Sinuiju")).to_be_visible()
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.locator("path.cx-selected")).to_have_count(1)  # the ring round the selected crossing
        expect(frame.locator(".leaflet-container.cx-has-selection")).to_have_count(1)  # the legend explains it
        screenshot(page, f"map-dandong-selected-{width}x{height}")
        query = urlencode({"dates": ["2023-10-09", "2023-10-09"]}, doseq=True)
        page.goto(f"{app_url}/?{query}")
        wait_for_map(page)
        expect(frame.locator("path.cx-selected")).to_have_count(0)  # nothing selected, no ring
        expect(frame.locator(".cx-legend-ring")).to_be_hidden()
        screenshot(page, f"map-9-october-{width}x{height}")
    finally:
        close_context(page.context)
    assert requests_log.blocked == []


def test_a_basemap_that_cannot_be_fetched_is_said_and_the_data_still_drawn(browser, app_url: str) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.route("**/crossings/basemap.json*", lambda route: route.fulfill(status=503, body="unavailable"))
    page = context.new_page()
    try:
        page.goto(app_url)
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.get_by_role("alert")).to_contain_text(
            "The offline basemap could not be loaded (HTTP 503)", timeout=60_000
        )
        expect(frame.locator(".cx-label", has_text="Tumen–Namyang")).to_be_visible()  # the data layers are there
        assert frame.locator(".cx-country").count() == 0
    finally:
        close_context(context)


def test_a_filter_change_sends_the_filter_not_the_features(page: Page, app_url: str, requests_log) -> None:
    """The browser fetches the map's data once (a content-addressed file); a filter change sends the filter
    and the counts over the websocket, never the features, and the map draws the new selection."""
    page.set_default_timeout(90_000)  # the server's first page (a shared machine) may be slow
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived",
            lambda payload: frames.append(payload if isinstance(payload, str) else payload.decode("utf-8", "replace")),
        ),
    )
    page.goto(app_url)
    wait_for_map(page)
    page.wait_for_function(
        """() => { const w = document.querySelector('iframe[title="streamlit_folium.st_folium"]').contentWindow;
                  return w.CrossingsMap && w.CrossingsMap.busy() === 0 && w.document.querySelector('[data-fid]'); }"""
    )
    drawn = page.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon[data-fid]")
    before = drawn.count()
    # Three content-addressed files: the data (a document and its binary columns) and the base map's
    # constant code (geo.mapview.thin_map).
    data_files = sorted(u for u in requests_log.urls if "/app/static/crossings/data/" in u)
    kinds = sorted(u.rsplit(".", 1)[1] for u in data_files)
    assert kinds == ["bin", "js", "json"] and sum("/data/base-" in u for u in data_files) == 1, data_files
    first = len(frames)
    page.get_by_role("button", name="9 Oct 2023").click()
    expect(page.get_by_text("features: 9 Oct 2023")).to_be_visible()
    expect(drawn).not_to_have_count(before)  # the browser drew the narrower selection
    sent = frames[first:]
    # (The timeline strip under the map is another component: its chart data does change with the filter.)
    # The server's payloads are CrossingsMap.draw(group, layer, <features>) calls (JSON inside JSON here).
    assert sent and not any("FeatureCollection" in f or "CrossingsMap.draw(" in f for f in sent)
    assert "CrossingsMap.useData(" in "".join(sent)  # ... the filter did come
    assert sorted(u for u in requests_log.urls if "/app/static/crossings/data/" in u) == data_files
    # ... without the base map's code (it is in the static file), in under 10 KB (issue 19).
    map_messages = [f for f in sent if "CrossingsMap.useData(" in f]
    assert not any("L.tileLayer(" in f or "CrossingsMap.settings(" in f for f in map_messages)
    assert sum(len(f.encode("utf-8")) for f in map_messages) <= 10_000
