"""The published site in Chromium: served by a plain static file server on loopback (and from file://),
every other request blocked. The map draws, every filter works and selects what geo.filters selects,
the URL fragment restores the view, the embed fits 320 px and 1200 px, and hostile data stays text."""

from __future__ import annotations

import functools
import http.server
import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from geo.basemap import basemap_json
from geo.filters import FilterSpec, apply_filters, count_features, describe_view
from geo.io import load_dataset
from geo.site import build_site_files, public_dataset, write_site
from tests.browser.conftest import RequestLog, close_context, open_page, screenshot
from tests.browser.test_xss import CAMP, LABEL, NAME_ZH, NOTES, OUTLET, REPORTED, TITLE, TRAP, Watch, make_hostile_data

pytestmark = pytest.mark.browser


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def serve() -> Iterator:
    """serve(folder) -> base URL of a plain static file server (python's http.server) on 127.0.0.1."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def dataset():
    return public_dataset(load_dataset())  # what the site carries: its selections are compared with this


@pytest.fixture(scope="module")
def site_dir(tmp_path_factory: pytest.TempPathFactory, dataset) -> Path:
    out = tmp_path_factory.mktemp("site")
    files = build_site_files(dataset, FilterSpec(), basemap_json(), preview=b"\x89PNG\r\n\x1a\n")
    write_site(files, out)
    return out


@pytest.fixture(scope="module")
def site_url(site_dir: Path, serve) -> str:
    return serve(site_dir)


@pytest.fixture
def site_page(browser: Browser) -> Iterator[tuple[Page, RequestLog]]:
    log = RequestLog()
    page = open_page(browser, log)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, log
    close_context(page.context)
    assert log.blocked == [], f"requests left the folder: {log.blocked}"
    assert errors == []


def wait_for_site(page: Page) -> None:
    page.wait_for_function("() => document.documentElement.classList.contains('cx-ready')")
    page.locator(".cx-legend").wait_for(state="visible")
    page.locator(".cx-country").first.wait_for(state="attached")


def markers(page: Page) -> int:
    return page.locator(".leaflet-marker-pane .cx-icon").count()


def python_ids(dataset, spec: FilterSpec) -> dict[str, list[str]]:
    return {name: sorted(gdf["id"]) for name, gdf in apply_filters(dataset.layers, spec).items()}


def sentence(dataset, spec: FilterSpec) -> str:
    return describe_view(spec, count_features(apply_filters(dataset.layers, spec)), dataset.layers)


def js_spec(spec: FilterSpec) -> dict:
    return {
        "from": spec.date_from.isoformat() if spec.date_from else None,
        "to": spec.date_to.isoformat() if spec.date_to else None,
        "crossings": list(spec.crossings),
        "kinds": list(spec.kinds),
        "confidence": spec.min_confidence,
    }


def random_specs(dataset, count: int, seed: int = 18) -> list[FilterSpec]:
    """Filters that probe the edges: days at and next to the features' own first and last days,
    crossings with and without legs, every kind and confidence level."""
    rng = random.Random(seed)
    edges: list[date] = []
    for gdf in dataset.layers.values():
        for stamp in [*gdf["span_start"].dropna(), *gdf["span_end"].dropna()]:
            day = stamp.date()
            edges += [day - timedelta(days=1), day, day + timedelta(days=1)]
    crossings = sorted(dataset.layers["crossings"]["id"])
    kinds = sorted({k for gdf in dataset.layers.values() for k in gdf["kind"]})
    levels = ["unknown", "inferred", "single-source", "confirmed"]

    def day() -> date | None:
        roll = rng.random()
        if roll < 0.2:
            return None
        return rng.choice(edges) if roll < 0.8 else date(1985, 1, 1) + timedelta(days=rng.randrange(15000))

    specs = []
    while len(specs) < count:
        a, b = day(), day()
        if a and b and b < a:
            a, b = b, a
        specs.append(
            FilterSpec(
                date_from=a,
                date_to=b,
                crossings=tuple(rng.sample(crossings, rng.choice([0, 0, 1, 1, 2, 3]))),
                kinds=tuple(rng.sample(kinds, rng.choice([0, 0, 0, 1, 2, 4]))),
                min_confidence=rng.choice(levels),
            )
        )
    return specs


def test_map_draws_from_the_static_server(site_page, site_url: str, dataset) -> None:
    page, log = site_page
    page.goto(f"{site_url}/index.html")
    wait_for_site(page)
    shown = count_features(apply_filters(dataset.layers, FilterSpec()))
    expect(page.locator(".cx-sentence")).to_have_text(sentence(dataset, FilterSpec()))
    assert markers(page) > 20
    assert page.locator(".leaflet-overlay-pane path").count() > 0  # basemap and legs
    assert shown == dataset.total_features()
    assert all(url.startswith(site_url) or url.startswith("data:") for url in log.urls)
    # The sources list, the dataset version and the citation line are on the page.
    expect(page.locator("#cx-sources li")).to_have_count(len(dataset.sources))
    expect(page.locator("#cx-cite")).to_contain_text(f"dataset version {dataset.version}")


def test_browser_selection_is_geo_filters_selection(site_page, site_url: str, dataset) -> None:
    page, _ = site_page
    page.goto(f"{site_url}/index.html")
    wait_for_site(page)
    specs = [FilterSpec(), *random_specs(dataset, 300)]
    results = page.evaluate(
        "specs => specs.map(s => [CrossingsSite.select(s), CrossingsSite.describe(s)])", [js_spec(s) for s in specs]
    )
    differences = []
    for spec, (ids, text) in zip(specs, results, strict=True):
        expected = python_ids(dataset, spec)
        got = {layer: sorted(ids.get(layer, [])) for layer in expected}
        if got != expected or text != sentence(dataset, spec):
            differences.append((spec, got, expected, text))
    assert differences == [], differences[:2]
    # The probe is not trivial: the filters chose many different selections, empty and full among them.
    sizes = {sum(len(v) for v in python_ids(dataset, s).values()) for s in specs}
    assert len(sizes) > 15 and 0 in sizes and dataset.total_features() in sizes


def test_every_filter_control_works(site_page, site_url: str, dataset) -> None:
    page, _ = site_page
    page.goto(f"{site_url}/index.html")
    wait_for_site(page)
    head = page.locator(".cx-sentence")
    all_markers = markers(page)

    page.locator("input[data-cx-key=crossings][value=x-tumen-namyang]").check()
    spec = FilterSpec(crossings=("x-tumen-namyang",))
    expect(head).to_have_text(sentence(dataset, spec))
    assert markers(page) < all_markers

    page.fill("#cx-from", "2023-10-01")
    page.fill("#cx-to", "2023-10-31")
    page.locator("#cx-to").dispatch_event("change")
    spec = spec.with_dates(date(2023, 10, 1), date(2023, 10, 31))
    expect(head).to_have_text(sentence(dataset, spec))

    page.locator("input[data-cx-key=kinds][value=crossing]").check()
    spec = FilterSpec(spec.date_from, spec.date_to, spec.crossings, ("crossing",))
    expect(head).to_have_text(sentence(dataset, spec))
    assert markers(page) == 1

    page.select_option("#cx-confidence", "confirmed")
    spec = FilterSpec(spec.date_from, spec.date_to, spec.crossings, spec.kinds, "confirmed")
    expect(head).to_have_text(sentence(dataset, spec))

    page.get_by_role("button", name="9 Oct 2023").click()
    spec = spec.with_dates(date(2023, 10, 9), date(2023, 10, 9))
    expect(head).to_have_text(sentence(dataset, spec))
    assert "from=2023-10-09&to=2023-10-09" in page.evaluate("location.hash")

    page.click("#cx-reset")
    expect(head).to_have_text(sentence(dataset, FilterSpec()))
    assert markers(page) == all_markers

    # Dragging across the timeline strip chooses a period.
    box = page.locator(".cx-strip-svg").bounding_box()
    y = box["y"] + 16
    page.mouse.move(box["x"] + box["width"] * 0.55, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=5)
    page.mouse.up()
    state = page.evaluate("CrossingsSite.state().spec")
    assert state["from"] and state["to"] and state["from"] < state["to"]
    spec = FilterSpec(date.fromisoformat(state["from"]), date.fromisoformat(state["to"]))
    expect(head).to_have_text(sentence(dataset, spec))

    # A click on a symbol opens the details with every source.
    page.click("#cx-reset")
    page.locator(".cx-label", has_text="Tumen").first.click()
    expect(page.locator("#cx-details h3")).to_have_text("Tumen–Namyang (Onsong County)")
    assert page.locator("#cx-details .cx-d-sources li").count() >= 2
    assert "feature=x-tumen-namyang" in page.evaluate("location.hash")
    page.keyboard.press("Escape")
    expect(page.locator("#cx-details h3")).to_have_count(0)
    assert "feature=" not in page.evaluate("location.hash")


def test_fragment_restores_the_view(site_page, site_url: str, dataset) -> None:
    page, _ = site_page
    fragment = "from=2023-10-09&to=2023-10-09&crossing=x-dandong-sinuiju&feature=x-dandong-sinuiju&view=40.1,124.4,9"
    page.goto(f"{site_url}/index.html#{fragment}")
    wait_for_site(page)
    spec = FilterSpec(date(2023, 10, 9), date(2023, 10, 9), ("x-dandong-sinuiju",))
    expect(page.locator(".cx-sentence")).to_have_text(sentence(dataset, spec))
    expect(page.locator("input[value=x-dandong-sinuiju]")).to_be_checked()
    assert page.input_value("#cx-from") == "2023-10-09"
    expect(page.locator("#cx-details h3")).to_contain_text("Dandong")
    view = page.evaluate(
        "(() => { const m = CrossingsSite.map(); return [m.getCenter().lat, m.getCenter().lng, m.getZoom()]; })()"
    )
    assert view == pytest.approx([40.1, 124.4, 9], abs=1e-3)
    # Editing the fragment (or going back) applies it too.
    page.evaluate("location.hash = 'all'")
    expect(page.locator(".cx-sentence")).to_have_text(sentence(dataset, FilterSpec()))


@pytest.mark.parametrize("width", [320, 1200])
def test_embed_fits(browser: Browser, site_url: str, width: int) -> None:
    log = RequestLog()
    page = open_page(browser, log, width=width, height=560)
    try:
        page.goto(f"{site_url}/embed.html#crossing=x-tumen-namyang")
        wait_for_site(page)
        sizes = page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
            " document.documentElement.scrollHeight, document.documentElement.clientHeight]"
        )
        assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes  # no scrolling in either direction
        box = page.locator("#map").bounding_box()
        assert box["width"] == width and box["height"] >= 300
        assert page.locator(".cx-panel, #cx-filters").count() == 0
        link = page.locator("#cx-open-full")
        expect(link).to_be_visible()
        assert "crossing=x-tumen-namyang" in link.get_attribute("href")
        assert markers(page) >= 3
        screenshot(page, f"site-embed-{width}x560")
    finally:
        close_context(page.context)
    assert log.blocked == []


class FolderLog(RequestLog):
    """Requests from a page opened from disk: files of the site folder pass, everything else is blocked."""

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.prefix = folder.as_uri() + "/"

    def handle(self, route) -> None:
        url = route.request.url
        if url.startswith(self.prefix):
            self.urls.append(url)
            route.continue_()
        else:
            super().handle(route)


def test_site_works_from_file_url(browser: Browser, site_dir: Path) -> None:
    log = FolderLog(site_dir)
    page = open_page(browser, log)
    try:
        page.goto((site_dir / "index.html").as_uri() + "#crossing=x-tumen-namyang")
        wait_for_site(page)
        assert markers(page) >= 3
        page.locator("input[data-cx-key=crossings][value=x-dandong-sinuiju]").check()
        assert "crossing=x-tumen-namyang,x-dandong-sinuiju" in page.evaluate("location.hash")
    finally:
        close_context(page.context)
    assert log.blocked == []
    assert any(url.endswith(".js") for url in log.urls)


def test_hostile_corpus_renders_as_text(browser: Browser, tmp_path: Path, serve) -> None:
    data_dir = make_hostile_data(tmp_path / "data")
    hostile = load_dataset(data_dir)
    out = tmp_path / "site"
    write_site(build_site_files(hostile, FilterSpec(), basemap_json(data_dir)), out)
    url = serve(out)
    log = RequestLog()
    page = open_page(browser, log)
    page.context.add_init_script(TRAP)
    watch = Watch(page)
    try:
        for target in ("index.html", "embed.html"):
            page.goto(f"{url}/{target}#feature=x-dandong-sinuiju")
            wait_for_site(page)
            details = page.locator("#cx-details")
            expect(details.locator("h3")).to_have_text(LABEL)
            expect(details).to_contain_text(NAME_ZH)
            expect(details).to_contain_text(REPORTED)
            expect(details).to_contain_text(NOTES)
            expect(details).to_contain_text(CAMP)
            assert details.locator("img, script, iframe, svg, b").count() == 0
            assert details.locator("a[href^=javascript]").count() == 0
            label = page.locator(".cx-label", has_text="Dandong")
            assert label.locator("img, script, b").count() == 0
        page.goto(f"{url}/index.html")
        wait_for_site(page)
        expect(page.locator("#cx-sources")).to_contain_text(OUTLET)
        expect(page.locator("#cx-sources")).to_contain_text(TITLE)
        assert page.locator("#cx-sources img, #cx-sources a[href^=javascript]").count() == 0
        assert watch.executions() == []
    finally:
        close_context(page.context)
    assert log.blocked == []
