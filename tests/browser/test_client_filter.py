"""The browser filters the map's data exactly as the server does (geo.clientdata, map.js selectRows).

map.js alone in Chromium (no Streamlit): the document geo.clientdata makes for a dataset, and random
filter specs; for each, the ids every map group draws must be those the server's apply_filters gives.
"""

from __future__ import annotations

import base64
import json
import random
from datetime import date, timedelta

import pandas as pd
import pytest
from playwright.sync_api import Browser, Page

from bench.synthetic import edge_case_events
from geo.clientdata import ClientDocument, client_document, spec_document
from geo.filters import FilterSpec, apply_filters
from geo.i18n import js_messages, use_language
from geo.io import Dataset, load_dataset
from geo.payload import _features, columns_payload, decode_columns, drawable, grid_payload, map_words
from geo.schema import CONFIDENCE_LEVELS
from geo.vocab import GROUP_LAYER, split_groups

from .conftest import ROOT, close_context

SPECS_PER_DATASET = 60
# The document as map.js loads it: its JSON text and its binary columns (base64 here), prepared.
PREPARE = "CrossingsMap.prepare(JSON.parse(text), Uint8Array.from(atob(packed), c => c.charCodeAt(0)).buffer)"


def as_arguments(document: ClientDocument) -> list[str]:
    return [document.text, base64.b64encode(document.binary).decode("ascii")]


def server_selection(layers: dict, spec: FilterSpec) -> dict[str, list[str]]:
    shown = apply_filters(layers, spec)
    return {group: sorted(drawable(frame)["id"].tolist()) for group, frame in split_groups(shown).items()}


def random_spec(rng: random.Random, layers: dict) -> FilterSpec:
    crossing_ids = sorted(layers["crossings"]["id"])
    kinds = sorted({k for gdf in layers.values() for k in gdf["kind"].dropna().unique()})
    first, last = date(2000, 1, 1), date(2026, 1, 1)

    def day() -> date:
        return first + timedelta(days=rng.randrange((last - first).days))

    start = day() if rng.random() < 0.7 else None
    end = day() if rng.random() < 0.7 else None
    if rng.random() < 0.4:  # on features' first or last days: the boundaries of the overlap test
        spans = pd.concat([gdf[["span_start", "span_end"]] for gdf in layers.values()]).dropna()
        start = spans["span_end"].iloc[rng.randrange(len(spans))].date()
        end = spans["span_start"].iloc[rng.randrange(len(spans))].date() if rng.random() < 0.6 else None
    if start and end and end < start:
        start, end = end, start
    if start and end and rng.random() < 0.2:
        end = start  # a single day
    crossings = tuple(rng.sample(crossing_ids, rng.choice([0, 0, 1, 1, 2, 3])))
    if rng.random() < 0.05:
        crossings += ("x-no-such-crossing",)
    chosen_kinds = tuple(rng.sample(kinds, rng.choice([0, 0, 0, 1, 2, 4]))) if kinds else ()
    return FilterSpec(start, end, crossings, chosen_kinds, rng.choice(CONFIDENCE_LEVELS))


def with_edge_case_events(dataset: Dataset) -> dict:
    layers = dict(dataset.layers)
    events = edge_case_events(1500)  # above ICON_LIMIT: canvas points from columns
    # Some events without a place: rows of the layer that no group draws (their date spans are sent as
    # they are; the drawn points' spans come from their date codes).
    events.loc[events.index[20::97], events.geometry.name] = None
    layers["events"] = events
    return layers


@pytest.fixture(scope="module")
def map_page(browser: Browser) -> Page:
    context = browser.new_context()
    context.route("**/*", lambda route: route.abort())  # map.js alone: nothing is fetched
    page = context.new_page()
    page.set_content("<!doctype html><html><head><meta charset='utf-8'></head><body><div id='map'></div></body></html>")
    page.add_script_tag(path=str(ROOT / "static/vendor/leaflet/leaflet.js"))
    page.add_script_tag(path=str(ROOT / "static/crossings/map.js"))
    yield page
    close_context(context)


@pytest.mark.parametrize("variant", ["bundled", "edge-case events as canvas points"])
def test_browser_and_server_select_the_same_features(map_page: Page, variant: str) -> None:
    dataset = load_dataset()
    layers = dataset.layers if variant == "bundled" else with_edge_case_events(dataset)
    document = client_document(layers)
    assert document is not None
    modes = {g: entry["mode"] for g, entry in json.loads(document.text)["groups"].items()}
    assert modes["events"] == ("features" if variant == "bundled" else "columns")
    map_page.evaluate(f"([text, packed]) => {{ window.DOC = {PREPARE}; }}", as_arguments(document))
    rng = random.Random(f"client-filter-{variant}")
    specs = [FilterSpec(), *(random_spec(rng, layers) for _ in range(SPECS_PER_DATASET))]
    nonempty = 0
    for spec in specs:
        browser_ids = map_page.evaluate(
            "spec => { const ids = CrossingsMap.selectedIds(window.DOC, spec);"
            " Object.keys(ids).forEach(k => ids[k].sort()); return ids; }",
            spec_document(spec),
        )
        expected = server_selection(layers, spec)
        # Sorted as Python sorts strings (code points), not as JavaScript does (UTF-16 units).
        assert {g: sorted(ids) for g, ids in browser_ids.items()} == expected, spec
        nonempty += any(expected[g] for g in ("events", "routes", "crossings"))
    assert nonempty > len(specs) // 5  # the random filters are not all empty selections


WORDED = ("kind_label", "date_label", "confidence_label", "precision_label", "count_label", "label")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_document_holds_no_words_and_map_js_words_it_as_the_server_does(map_page: Page, lang: str) -> None:
    """One document serves every language: it holds codes, and map.js words them (CrossingsMap.localise)
    in the page's language exactly as geo.payload words the server's payloads in that language."""
    dataset = load_dataset()
    layers = with_edge_case_events(dataset)  # events as canvas points (columns), the rest as features
    document = client_document(layers)
    assert document is not None
    for word in ("Confirmed (", "Detention centre", "Single source", "undated", "확인됨", "구금시설"):
        assert word not in document.text, word
    with use_language(lang):
        settings = {"lang": lang, "messages": js_messages(lang), "words": map_words()}
    map_page.evaluate("s => CrossingsMap.settings(null, s)", settings)
    browser = map_page.evaluate(
        f"""([text, packed]) => {{ const doc = {PREPARE}, out = {{}};"""
        """
             Object.keys(doc.groups).forEach(g => { const e = doc.groups[g];
               out[g] = e.mode === 'columns'
                 ? CrossingsMap.expandColumns(e.payload).map(p => p[2])
                 : e.payload.features.map(f => CrossingsMap.localise(e.layer, f.properties)); });
             return out; }""",
        as_arguments(document),
    )
    with use_language(lang):
        for group, frame in split_groups(layers).items():
            layer = GROUP_LAYER[group]
            points = drawable(frame)
            if json.loads(document.text)["groups"][group]["mode"] == "columns":  # in the columns' order (west to east)
                by_id = {f["properties"]["id"]: f["properties"] for f in _features(layer, points) if f is not None}
                expected = [by_id[f["properties"]["id"]] for f in decode_columns(columns_payload(layer, points))]
            else:
                expected = [f["properties"] for f in _features(layer, points, "right") if f is not None]
            assert len(browser[group]) == len(expected), group
            for got, want in zip(browser[group], expected, strict=True):
                for key in WORDED:
                    if key in want:
                        assert got.get(key) == want[key], (group, key, got, want)
    map_page.evaluate("() => CrossingsMap.settings(null, {})")  # back to English for the other tests


def test_the_browser_counts_grid_cells_as_the_server_does(map_page: Page, monkeypatch) -> None:
    """Above AGGREGATE_ABOVE points in view (here lowered to 40) map.js draws counts per grid cell from the
    points it holds: for random filters, the same cells and counts as geo.payload.grid_payload of the
    server's selection, and the points themselves (not a grid) at or below the limit."""
    import geo.payload as payload_module

    monkeypatch.setattr(payload_module, "AGGREGATE_ABOVE", 40)
    layers = with_edge_case_events(load_dataset())
    document = client_document(layers)
    assert document is not None and document.modes["events"] == "columns"
    map_page.evaluate(f"([text, packed]) => {{ window.GRID_DOC = {PREPARE}; }}", as_arguments(document))
    rng = random.Random("client-grid")
    specs = [FilterSpec(), *(random_spec(rng, layers) for _ in range(SPECS_PER_DATASET))]
    gridded = points = 0
    for spec in specs:
        got = map_page.evaluate(
            "spec => CrossingsMap.selectedGrid(window.GRID_DOC, spec, 'events')", spec_document(spec)
        )
        events = drawable(split_groups(apply_filters(layers, spec))["events"])
        if len(events) <= 40:
            assert got is None, (spec, len(events))
            points += 1
            continue
        gridded += 1
        want = json.loads(grid_payload("events", events))
        assert (got["n"], got["i"], got["j"], got["c"]) == (want["n"], want["i"], want["j"], want["c"]), spec
        assert (got["lon0"], got["lat0"]) == pytest.approx((want["lon0"], want["lat0"]), abs=1e-9)
        assert (got["cell"], got["limit"], got["noun"]) == (want["cell"], 40, "events")
    assert gridded > 10 and points > 10, (gridded, points)  # both sides of the limit were tried
