"""map.js's canvas points and what a filter change leaves alone, in Chromium without Streamlit.

- The painter's fast path (a stamp wholly inside the canvas, written by precomputed offsets) writes
  exactly what its general, clipped path writes; its composition equals the straightforward one
  (every layer over the whole canvas, in single precision).
- A filter change as streamlit-folium makes it (every data group off the map, the next render's groups
  drawn): a group that draws the same rows keeps its elements; the canvas points keep their canvas and
  are repainted for their new rows; a group taken off the map (the layer control) leaves it.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from playwright.sync_api import Browser, Page

from bench.synthetic import edge_case_events
from geo.clientdata import ClientDocument, client_document, spec_document
from geo.filters import FilterSpec
from geo.io import load_dataset

from .conftest import ROOT, close_context

DOC_URL = "http://crossings.test/data.json"
SOURCE = {"url": DOC_URL, "binary": "http://crossings.test/data.bin"}


@pytest.fixture(scope="module")
def document() -> ClientDocument:
    layers = dict(load_dataset().layers)
    layers["events"] = edge_case_events(1500)  # above ICON_LIMIT: canvas points
    document = client_document(layers)
    assert document is not None
    assert json.loads(document.text)["groups"]["events"]["mode"] == "columns"
    return document


@pytest.fixture
def map_page(browser: Browser, document: ClientDocument) -> Page:
    context = browser.new_context(viewport={"width": 900, "height": 700}, device_scale_factor=1)

    def serve(route) -> None:
        if route.request.url == SOURCE["url"]:
            route.fulfill(body=document.text, content_type="application/json")
        elif route.request.url == SOURCE["binary"]:
            route.fulfill(body=document.binary, content_type="application/octet-stream")
        else:
            route.abort()

    context.route("**/*", serve)
    page = context.new_page()
    page.set_content(
        "<!doctype html><html><head><meta charset='utf-8'></head>"
        "<body style='margin:0'><div id='map' style='width:800px;height:600px'></div></body></html>"
    )
    page.add_style_tag(path=str(ROOT / "static/vendor/leaflet/leaflet.css"))
    page.add_script_tag(path=str(ROOT / "static/vendor/leaflet/leaflet.js"))
    page.add_script_tag(path=str(ROOT / "static/crossings/map.js"))
    yield page
    close_context(context)


STAMPS = """() => {
  const P = CrossingsMap.painter, W = 197, H = 131;
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const shapes = [];
  for (const r of [1, 2, 3.5, 5, 7, 12, 20]) {
    shapes.push(P.discStamp(r), P.ringStamp(r, 1.5, null), P.ringStamp(r, 1, [4, 4]), P.ringStamp(r, 2, [3, 2]));
  }
  const fast = new P.Painter(W, H), slow = new P.Painter(W, H);
  const a = fast.layer("#000000", 1), b = slow.layer("#000000", 1);
  let inside = 0;
  for (let k = 0; k < 600; k++) {
    const st = shapes[Math.floor(random() * shapes.length)];
    const x = random() * (W + 40) - 20, y = random() * (H + 40) - 20;
    fast.stamp(a, st, x, y);
    slow.stampClipped(b, st, Math.round(x), Math.round(y));
    const cx = Math.round(x), cy = Math.round(y);
    if (cx - st.half >= 0 && cy - st.half >= 0 && cx + st.half < W && cy + st.half < H) inside += 1;
  }
  let differ = 0, covered = 0;
  for (let p = 0; p < W * H; p++) { if (a.mask[p] !== b.mask[p]) differ += 1; if (a.mask[p]) covered += 1; }
  return { differ, covered, inside, total: W * H };
}"""


def test_the_fast_stamp_writes_what_the_clipped_stamp_writes(map_page: Page) -> None:
    result = map_page.evaluate(STAMPS)
    assert result["differ"] == 0
    assert result["inside"] > 100 and result["inside"] < 550  # both paths were taken
    assert 0 < result["covered"] < result["total"]


COMPOSE = """() => {
  const P = CrossingsMap.painter, W = 53, H = 37, n = W * H;
  let seed = 11;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const painter = new P.Painter(W, H);
  const styles = [["#B07A00", 0.04], ["#B07A00", 0.5], ["#ffffff", 0.9], ["#B07A00", 0.95], ["#B07A00", 0.45],
                  ["#0072B2", 0.95], ["#D55E00", 0.9]];
  const layers = styles.map(([color, opacity]) => painter.layer(color, opacity));
  layers.forEach((layer, j) => {
    if (j === 4) return;  // a layer with nothing stamped
    for (let k = 0; k < 12; k++) painter.stamp(layer, P.discStamp(1 + random() * 5), random() * W, random() * H);
  });
  const image = painter.compose();
  // The reference: each layer over the whole canvas in turn, the channels in Float32Arrays.
  const r = new Float32Array(n), g = new Float32Array(n), b = new Float32Array(n), a = new Float32Array(n);
  layers.filter(l => l.mask).forEach(layer => {
    const c = parseInt(layer.color.slice(1), 16), cr = (c >> 16) & 255, cg = (c >> 8) & 255, cb = c & 255;
    const k = layer.opacity / 255;
    for (let p = 0; p < n; p++) {
      const m = layer.mask[p];
      if (!m) continue;
      const sa = m * k, keep = 1 - sa;
      r[p] = cr * sa + r[p] * keep; g[p] = cg * sa + g[p] * keep; b[p] = cb * sa + b[p] * keep; a[p] = sa + a[p] * keep;
    }
  });
  const want = new Uint8ClampedArray(4 * n);
  for (let p = 0; p < n; p++) {
    if (!a[p]) continue;
    want[4 * p] = r[p] / a[p];
    want[4 * p + 1] = g[p] / a[p];
    want[4 * p + 2] = b[p] / a[p];
    want[4 * p + 3] = a[p] * 255;
  }
  let differ = 0, painted = 0;
  for (let q = 0; q < 4 * n; q++) { if (image.data[q] !== want[q]) differ += 1; }
  for (let p = 0; p < n; p++) if (want[4 * p + 3]) painted += 1;
  return { differ, painted, n };
}"""


def test_the_composition_equals_the_layer_by_layer_one(map_page: Page) -> None:
    result = map_page.evaluate(COMPOSE)
    assert result["differ"] == 0
    assert 0 < result["painted"] < result["n"]


# streamlit-folium's update, as its frontend makes it: every data group off the map, then each group of the
# next render made (CrossingsMap.useData in the first, CrossingsMap.drawSelection in each) and added.
RENDER = """async ([source, spec]) => {
  const map = window.theMap || (window.theMap = L.map("map").setView([41.25, 126.2], 6));
  (window.groups || []).forEach(g => map.removeLayer(g));
  const ids = ["regular_routes", "routes", "events", "receiving_facilities", "other_crossings",
               "detention_centres", "crossings"];
  window.groups = ids.map((id, k) => {
    const group = L.featureGroup();
    if (k === 0) CrossingsMap.useData(group, source, spec);
    CrossingsMap.drawSelection(group, id);
    map.addLayer(group);
    return group;
  });
  while (CrossingsMap.busy()) await new Promise(r => setTimeout(r, 10));
  await new Promise(r => setTimeout(r, 0));
}"""
STATE = """() => {
  const canvas = document.querySelector("canvas.cx-points");
  window.seen = window.seen || new Map();
  const tag = el => { if (!window.seen.has(el)) window.seen.set(el, window.seen.size); return window.seen.get(el); };
  const symbols = [...document.querySelectorAll(".leaflet-marker-pane [data-fid]")];
  const crossings = [...document.querySelectorAll(".leaflet-marker-pane [data-fid^='x-']")];
  const pixels = canvas ? canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data : [];
  let sum = 0;
  for (let q = 3; q < pixels.length; q += 4) sum += pixels[q] * (q % 997);
  return {
    symbols: symbols.map(tag), crossings: crossings.map(tag), canvas: canvas ? tag(canvas) : null,
    canvases: document.querySelectorAll("canvas.cx-points").length, pixels: sum,
  };
}"""


def test_a_filter_change_keeps_what_did_not_change(map_page: Page) -> None:
    wide = spec_document(FilterSpec())
    # Fewer events; every other group keeps its rows.
    narrower = spec_document(FilterSpec(date_from=date(2010, 1, 1), date_to=date(2024, 12, 31)))
    map_page.evaluate(RENDER, [SOURCE, wide])
    first = map_page.evaluate(STATE)
    assert first["crossings"] and first["canvas"] is not None and first["pixels"] > 0

    map_page.evaluate(RENDER, [SOURCE, wide])  # the same filter again: nothing redrawn
    again = map_page.evaluate(STATE)
    assert again == first

    map_page.evaluate(RENDER, [SOURCE, narrower])
    changed = map_page.evaluate(STATE)
    assert changed["canvases"] == 1 and changed["canvas"] == first["canvas"]  # the same canvas, repainted
    assert changed["pixels"] != first["pixels"]
    assert changed["symbols"] == first["symbols"]  # the same elements: not drawn again

    # A filter that drops some of a group's rows draws that group again (new elements).
    only_one = spec_document(FilterSpec(crossings=("x-tumen-namyang",)))
    map_page.evaluate(RENDER, [SOURCE, only_one])
    one = map_page.evaluate(STATE)
    assert 0 < len(one["crossings"]) < len(first["crossings"])
    assert not set(one["crossings"]) & set(first["crossings"])


def test_a_group_taken_off_the_map_leaves_it(map_page: Page) -> None:
    map_page.evaluate(RENDER, [SOURCE, spec_document(FilterSpec())])
    assert map_page.evaluate(STATE)["crossings"]
    # As the layer control does: the group alone off the map, no render after it.
    map_page.evaluate("() => window.theMap.removeLayer(window.groups[6])")
    map_page.wait_for_function("() => !document.querySelector(\".leaflet-marker-pane [data-fid='x-tumen-namyang']\")")
    map_page.evaluate("() => window.theMap.removeLayer(window.groups[2])")
    map_page.wait_for_function("() => !document.querySelector('canvas.cx-points')")
    map_page.evaluate("() => window.theMap.addLayer(window.groups[6])")
    map_page.wait_for_function("() => !!document.querySelector(\".leaflet-marker-pane [data-fid='x-tumen-namyang']\")")
