"""The fast map pipeline is correct (no timings here: speed is bench/'s job).

- A columnar payload stands for exactly the features the slow path (layer_collection) draws.
- Grid counts add up and put every point in its cell.
- The bundled layers still go through the rich path, byte for byte.
- The map's base JavaScript does not change with the filters (no remount), and a rerun that
  changes no data neither re-serialises nor changes the map element.
- The synthetic generator of the benchmark follows the data contract.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import folium
import pytest
import streamlit as st
from geopandas.testing import assert_geodataframe_equal
from streamlit.testing.v1 import AppTest
from streamlit_folium import _get_feature_group_string, generate_js_hash

from bench.synthetic import (
    SYNTHETIC_SOURCES,
    edge_case_events,
    synthetic_dataset,
    synthetic_events,
    with_date_spans,
    write_data_dir,
)
from geo import basemap
from geo import payload as payload_module
from geo.basemap import basemap_document, decode_basemap, load_basemap
from geo.filters import FilterSpec, apply_filters
from geo.io import add_date_spans, load_dataset
from geo.mapview import build_base_map, build_feature_groups
from geo.payload import (
    COLUMN_PROPERTIES,
    ICON_LIMIT,
    columns_payload,
    decode_columns,
    encode_features,
    encode_points,
    grid_payload,
    layer_collection,
    serialise_group,
    serialise_map,
    to_script_json,
)
from geo.schema import REGION_BBOX, validate
from geo.text import format_dates
from geo.ui.mapwidget import MAP_KEY
from geo.vocab import DATA_GROUPS, GROUP_LAYER, split_groups

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 120


@pytest.fixture(scope="module")
def bundled():
    return load_dataset()


def slow_features(layer: str, gdf) -> dict[str, dict]:
    """What layer_collection draws, keyed by id, reduced to what a columnar payload carries."""
    out = {}
    for feature in layer_collection(layer, gdf)["features"]:
        props = feature["properties"]
        out[props["id"]] = {
            "geometry": feature["geometry"],
            "properties": {k: props[k] for k in COLUMN_PROPERTIES if k in props},
        }
    return out


def decoded(payload: str) -> dict[str, dict]:
    out = {}
    for feature in decode_columns(payload):
        props = feature["properties"]
        out[props["id"]] = {"geometry": feature["geometry"], "properties": props}
    return out


def assert_same_features(slow: dict[str, dict], fast: dict[str, dict]) -> None:
    assert set(slow) == set(fast)
    for fid, expected in slow.items():
        got = fast[fid]
        assert got["geometry"] == expected["geometry"], fid
        assert {k: got["properties"][k] for k in expected["properties"]} == expected["properties"], fid


# ---------------------------------------------------------------- columnar payloads


def test_columns_payload_stands_for_the_slow_path_features():
    events = edge_case_events()
    payload, count, mode = serialise_group("events", "events", events)
    assert mode == "columns"
    assert count == len(events)
    assert_same_features(slow_features("events", events), decoded(payload))


def test_columns_payload_from_cached_codes_equals_a_fresh_encoding_for_a_filtered_view():
    events = edge_case_events()
    codes = encode_points("events", events)
    view = events.iloc[::3]
    view = view[view["confidence"] != "unknown"]
    from_codes = columns_payload("events", view, codes=codes)
    assert_same_features(slow_features("events", view), decoded(from_codes))
    assert decoded(from_codes) == decoded(columns_payload("events", view))
    # Only the table entries the view uses are sent.
    doc = json.loads(from_codes)
    assert len(doc["attrs"]) == len(set(doc["a"]))
    assert len(doc["counts"]) == len(set(doc["c"]))


def test_codes_of_another_layer_are_not_used():
    events = edge_case_events()
    other = encode_points("events", with_date_spans(synthetic_events(ICON_LIMIT + 10, seed=99)))
    assert_same_features(slow_features("events", events), decoded(columns_payload("events", events, codes=other)))


def test_ids_that_contain_every_separator_go_as_a_list():
    events = edge_case_events()
    for position, fid in enumerate(["a|1", "b 2", "c,3", "d;4", "e\t5", "f\n6"]):
        events.iat[position, events.columns.get_loc("id")] = fid
    payload = columns_payload("events", events)
    assert json.loads(payload)["sep"] is None
    assert_same_features(slow_features("events", events), decoded(payload))


def test_columns_payload_is_safe_in_a_script_element_and_survives_st_folium():
    events = edge_case_events()
    payload = columns_payload("events", events)
    assert "<" not in payload and ">" not in payload and "&" not in payload.replace("\\u0026", "")
    groups = {group.id: to_script_json({"type": "FeatureCollection", "features": []}) for group in DATA_GROUPS}
    groups["events"] = payload
    fmap = build_base_map("{}")
    fmap.get_root().render()
    script = "".join(
        _get_feature_group_string(group, fmap, index)
        for index, group in enumerate(build_feature_groups(groups, {}, {"events": "columns"}))
    )
    # streamlit-folium rewrites variable-like names in the script with regular expressions: not in the data.
    assert payload in script


def test_large_points_are_canvas_points_and_small_layers_stay_rich(bundled):
    events = with_date_spans(synthetic_events(ICON_LIMIT + 1))
    assert serialise_group("events", "events", events)[2] == "columns"
    assert serialise_group("events", "events", events.iloc[:ICON_LIMIT])[2] == "features"
    # Routes and crossings are never compact (labels, legs), however many there are.
    assert payload_module.draw_mode("routes", bundled.layers["routes"]) == "features"


@pytest.mark.parametrize(
    "spec",
    [
        FilterSpec(),
        FilterSpec(date(2023, 10, 9), date(2023, 10, 9)),
        FilterSpec(crossings=("x-dandong-sinuiju",), min_confidence="single-source"),
        FilterSpec(kinds=("repatriation", "detention_centre")),
    ],
)
def test_bundled_layers_are_serialised_exactly_as_the_slow_path(bundled, spec):
    layers = apply_filters(bundled.layers, spec)
    texts = {name: encode_features(name, gdf) for name, gdf in bundled.layers.items()}
    for encoded in (None, lambda layer, kind: texts[layer] if kind == "features" else None):
        result = serialise_map(layers, encoded)
        assert set(result.modes.values()) == {"features"}
        for group_id, frame in split_groups(layers).items():
            layer = GROUP_LAYER[group_id]
            assert result.payloads[group_id] == to_script_json(layer_collection(layer, frame))


def test_date_codes_give_the_labels_format_dates_gives():
    for text in ("2023", "2023-10", "2023-10-09", "0999", "1986-01-31"):
        precision = {4: "year", 7: "month"}.get(len(text), "day")
        assert payload_module.code_label(payload_module.date_code(text)) == format_dates(text, None, precision)
    assert sorted(["2023-10-09", "2023", "2023-10", "2022-12-31"], key=payload_module.date_code) == [
        "2022-12-31",
        "2023",
        "2023-10",
        "2023-10-09",
    ]


# ---------------------------------------------------------------- the basemap document


def test_the_quantised_basemap_decodes_to_the_same_geojson():
    layers = load_basemap(ROOT / "data" / "basemap")
    document = json.loads(to_script_json(basemap_document(layers)))
    assert document["scale"] == 10_000
    decoded = decode_basemap(document)
    for name, gdf in layers.items():
        plain = json.loads(gdf.to_json(na="null", drop_id=True))
        keep = basemap.BASEMAP_PROPERTIES.get(name, ())
        assert [f["geometry"] for f in decoded[name]["features"]] == [f["geometry"] for f in plain["features"]]
        assert [f["properties"] for f in decoded[name]["features"]] == [
            {k: f["properties"].get(k) for k in keep} for f in plain["features"]
        ]


# ---------------------------------------------------------------- grid counts


def test_grid_counts_put_every_point_in_its_cell(monkeypatch):
    monkeypatch.setattr(payload_module, "AGGREGATE_ABOVE", 2000)
    events = edge_case_events(2500)
    payload, count, mode = serialise_group("events", "events", events)
    assert (mode, count) == ("grid", 2500)
    doc = json.loads(payload)
    assert sum(doc["c"]) == 2500
    assert len(doc["i"]) == len(doc["j"]) == len(doc["c"]) == len(set(zip(doc["i"], doc["j"], strict=True)))
    cells = dict(zip(zip(doc["i"], doc["j"], strict=True), doc["c"], strict=True))
    step = round(doc["cell"] * 1e5)
    west, south = round(doc["lon0"] * 1e5), round(doc["lat0"] * 1e5)
    counted: dict = {}
    for geom in events.geometry:
        x, y = round(round(geom.x, 5) * 1e5), round(round(geom.y, 5) * 1e5)
        key = ((x - west) // step, (y - south) // step)
        counted[key] = counted.get(key, 0) + 1
    assert counted == cells
    # The same counts from cached codes.
    assert json.loads(grid_payload("events", events, style="events", codes=encode_points("events", events))) == doc


# ---------------------------------------------------------------- the synthetic generator


def test_synthetic_events_follow_the_schema_inside_the_region():
    events = synthetic_events(3000)
    result = validate(events, "events", set(SYNTHETIC_SOURCES["id"]))
    assert result.rejected.empty, result.rejected.head().to_dict("records")
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    assert events.geometry.x.between(lon_min, lon_max).all()
    assert events.geometry.y.between(lat_min, lat_max).all()
    assert events["id"].is_unique
    assert events.crs.to_epsg() == 4326


def test_synthetic_events_are_deterministic():
    assert_geodataframe_equal(synthetic_events(500), synthetic_events(500))
    assert not synthetic_events(500).geometry.equals(synthetic_events(500, seed=1).geometry)


def test_vectorised_date_spans_match_the_loader():
    events = synthetic_events(2000)
    assert_geodataframe_equal(with_date_spans(events), add_date_spans(events))


def test_synthetic_data_directory_loads_with_the_real_loader(tmp_path):
    dataset = load_dataset(write_data_dir(1200, tmp_path / "data"))
    assert dataset.rejected.empty
    assert len(dataset.layers["events"]) == 1200
    assert set(dataset.layers) == set(synthetic_dataset(1200, base=dataset).layers)


# ---------------------------------------------------------------- no remount, no rebuild


def map_args(at: AppTest) -> dict:
    elements = at.get("component_instance")
    assert len(elements) == 1
    return json.loads(elements[0].proto.json_args)


def base_hash(args: dict) -> str:
    return generate_js_hash(args["script"], MAP_KEY, False)


def test_filter_changes_keep_the_base_javascript_and_change_only_the_data():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    before = map_args(at)
    at.date_input(key="dates").set_value((date(2023, 10, 9), date(2023, 10, 9))).run()
    assert not at.exception
    states = [map_args(at)]
    for query in ({"dates": ["2020-01-01", "2023-12-31"]}, {"crossing": "Dandong–Sinuiju", "confidence": "confirmed"}):
        other = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
        for key, value in query.items():
            other.query_params[key] = value
        other.run()
        assert not other.exception
        states.append(map_args(other))
    for after in states:
        assert after["key"] == before["key"]  # the component's key: streamlit-folium's hash of the base JS
        assert base_hash(after) == base_hash(before)
        assert after["feature_group"] != before["feature_group"]


def _map_modes(monkeypatch, sizes, browser_limit=None):
    """The base JavaScript's hash and how the map's data reached it ('browser', 'grid', 'columns' or
    'features') for bench/app.py at each size, with AGGREGATE_ABOVE at 3,000; and each run's captions."""
    import geo.clientdata as clientdata

    monkeypatch.setattr(payload_module, "AGGREGATE_ABOVE", 3000)
    if browser_limit is not None:
        monkeypatch.setattr(clientdata, "BROWSER_POINTS_LIMIT", browser_limit)
    st.cache_resource.clear()  # the documents and modes made under other limits
    st.cache_data.clear()
    hashes, modes, captions = set(), {}, {}
    for n in sizes:
        at = AppTest.from_file(str(ROOT / "bench" / "app.py"), default_timeout=TIMEOUT)
        at.query_params["n"] = str(n)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        args = map_args(at)
        hashes.add(base_hash(args))
        found = ("grid", "columns")
        mode = next((m for m in found if f'"format":"{m}"' in args["feature_group"]), "features")
        modes[n] = "browser" if "CrossingsMap.drawSelection(" in args["feature_group"] else mode
        captions[n] = (" ".join(c.value for c in at.caption), json.dumps(args, ensure_ascii=False))
    return hashes, modes, captions


@pytest.fixture
def fresh_caches():
    """No document or payload made under a patched limit outlives the test."""
    yield
    st.cache_resource.clear()
    st.cache_data.clear()


@pytest.mark.usefixtures("fresh_caches")
def test_large_data_keeps_the_base_javascript_too(monkeypatch):
    hashes, modes, captions = _map_modes(monkeypatch, (0, 2000, 4000))
    assert len(hashes) == 1
    # The browser holds the data at every size (geo.clientdata) and draws counts per cell above AGGREGATE_ABOVE.
    assert modes == {0: "browser", 2000: "browser", 4000: "browser"}
    text, groups = captions[4000]
    assert "drawn as counts per 0.1° grid cell" in text
    assert "counts per cell)" in groups  # the layer control's title of the events
    text, groups = captions[2000]
    assert "grid cell" not in text and "counts per cell" not in groups


@pytest.mark.usefixtures("fresh_caches")
def test_data_too_large_for_the_browser_takes_the_servers_grid(monkeypatch):
    hashes, modes, captions = _map_modes(monkeypatch, (2000, 4000), browser_limit=3500)
    assert len(hashes) == 1
    assert modes == {2000: "browser", 4000: "grid"}
    assert "drawn as counts per 0.1° grid cell" in captions[4000][0]


def test_a_rerun_without_a_data_change_does_not_rebuild_or_change_the_map(monkeypatch):
    import geo.ui.data as data

    calls = []
    real = data.serialise_map

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(data, "serialise_map", counting)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "bench" / "app.py"), default_timeout=TIMEOUT)
    at.query_params["n"] = "1500"
    at.run()
    assert not at.exception
    first, serialised = map_args(at), len(calls)
    assert serialised == 0  # the browser holds the data (geo.clientdata): no payload per filter state
    at.toggle(key="bench_noop").set_value(True).run()
    assert not at.exception
    # The same element, byte for byte: Streamlit sends it as a reference to the browser's copy.
    assert map_args(at) == first
    assert len(calls) == serialised
    at.session_state["bench_step"] = 100  # date_from moves eight years: a real data change
    at.run()
    assert len(calls) == serialised
    assert map_args(at)["feature_group"] != first["feature_group"]  # the new filter


def test_feature_group_titles_say_when_a_layer_is_counted_per_cell():
    payloads = {group.id: "{}" for group in DATA_GROUPS}
    groups = build_feature_groups(payloads, {"events": 250_000}, {"events": "grid"})
    titles = [g.layer_name for g in groups]
    assert "Events with a place (250000, counts per cell)" in titles
    assert isinstance(groups[0], folium.FeatureGroup)
