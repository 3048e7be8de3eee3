"""More than AGGREGATE_ABOVE events in view: the browser holds them and draws counts per grid cell.

bench/app.py (the map page on a synthetic dataset) with 120,000 events, nearly all in view: the map says
it draws counts per cell (on the map, in the caption and in the layer control), the cells count exactly
the events the server says are in view, and a filter change sends the filter, not the counts (issue 19:
under 10 KB at any size).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from bench.browser import bench_server
from bench.page import spec_for
from bench.synthetic import synthetic_dataset
from geo.filters import apply_filters
from geo.io import load_dataset
from geo.payload import AGGREGATE_ABOVE, drawable

from .conftest import MAP_FRAME, RequestLog, close_context, open_page, wait_for_map

EVENTS = 120_000
FRAME = "document.querySelector('iframe[title=\"streamlit_folium.st_folium\"]').contentWindow"
# The events the map's cells count: the sum of the counts of every cell drawn, and how many cells.
CELLS = f"""() => {{ const w = {FRAME}; let total = 0, cells = 0;
  w.feature_group.forEach(g => g._map && g.eachLayer(l => {{
    if (l._cxCount !== undefined) {{ total += l._cxCount; cells += 1; }} }}));
  return [total, cells]; }}"""
SETTLED = f"() => {{ const w = {FRAME}; return w && w.CrossingsMap && w.CrossingsMap.busy() === 0; }}"


@pytest.fixture(scope="module")
def bench_url() -> Iterator[str]:
    with bench_server() as base_url:  # bench/app.py with the app's static files (the map's data is served)
        yield base_url


def events_in_view(step: int) -> int:
    """What the server counts in view under the bench page's spec of this step (its dataset, rebuilt here)."""
    dataset = synthetic_dataset(EVENTS, base=load_dataset())
    return len(drawable(apply_filters(dataset.layers, spec_for(step))["events"]))


def test_more_than_the_limit_in_view_is_drawn_as_counts_per_cell_in_the_browser(
    browser: Browser, bench_url: str
) -> None:
    log = RequestLog()
    page: Page = open_page(browser, log)
    page.set_default_timeout(120_000)  # the server builds a 120,000-event dataset for the first page
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode("utf-8"))),
    )
    try:
        page.goto(f"{bench_url}/?n={EVENTS}")
        wait_for_map(page)
        page.wait_for_function(SETTLED)
        first = events_in_view(0)
        assert first > AGGREGATE_ABOVE  # the premise: more than the limit in view
        note = page.frame_locator(MAP_FRAME).locator(".cx-grid-note")
        expect(note).to_contain_text(f"{first:,} events in view")
        expect(note).to_contain_text("more than 100,000 points")
        expect(page.get_by_text("drawn as counts per 0.1° grid cell")).to_be_visible()
        total, cells = page.evaluate(CELLS)
        assert total == first and cells > 100, (total, cells)
        assert not page.frame_locator(MAP_FRAME).locator(".leaflet-marker-icon[data-fid^='syn-']").count()
        data_files = sorted(u for u in log.urls if "/app/static/crossings/data/" in u)
        assert sorted(u.rsplit(".", 1)[1] for u in data_files) == ["bin", "js", "json"], data_files

        sent_from = len(frames)
        page.get_by_role("button", name="Next filter").click()
        second = events_in_view(1)
        assert AGGREGATE_ABOVE < second < first
        expect(note).to_contain_text(f"{second:,} events in view")
        page.wait_for_function(SETTLED)
        page.wait_for_function(f"() => ({CELLS})()[0] === {second}")
        map_messages = [f for f in frames[sent_from:] if b"CrossingsMap.useData(" in f]
        assert map_messages, "the filter was not sent"
        assert sum(len(f) for f in map_messages) <= 10_000  # the filter, not the cells' counts
        assert sorted(u for u in log.urls if "/app/static/crossings/data/" in u) == data_files  # not fetched again
        assert not log.blocked
    finally:
        close_context(page.context)
