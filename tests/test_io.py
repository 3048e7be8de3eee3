"""Loading: the bundled data, the manifest hash check, parsing GeoJSON without pandas' guesses
(the layering rules are in test_layering.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from geo.io import (
    GEOMETRY_ERROR,
    DataFileError,
    arrow_text_columns,
    load_dataset,
    parse_geojson_text,
    read_geojson,
    read_sources,
)
from geo.manifest import ManifestError, manifest_problems, read_manifest, sha256_file, write_manifest
from geo.schema import CONTEXT_LAYERS, LAYERS, TEXT_DTYPE

ROOT = Path(__file__).resolve().parent.parent


def collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def feature(properties: dict, geometry: dict | None = None) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# --- the bundled data ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_bundled_data_loads_every_layer_without_rejections(dataset):
    assert list(dataset.layers) == list(LAYERS)
    assert dataset.rejected.empty, dataset.rejected.to_dict("records")
    for name, gdf in dataset.layers.items():
        assert len(gdf) > 0, name
        assert gdf.crs is not None and gdf.crs.to_epsg() == 4326, name
        assert gdf["id"].is_unique, name
    assert dataset.raw_counts() == {name: {"valid": len(gdf), "rejected": 0} for name, gdf in dataset.layers.items()}
    in_files = {
        name: len(json.loads((ROOT / "data" / f"{name}.geojson").read_text("utf-8"))["features"]) for name in LAYERS
    }
    assert {name: len(gdf) for name, gdf in dataset.layers.items()} == in_files  # none lost or doubled
    # The undated context layer is loaded but not counted among the features a filter selects.
    assert dataset.total_features() == sum(n for name, n in in_files.items() if name not in CONTEXT_LAYERS)
    assert CONTEXT_LAYERS == ("regular_routes",) and in_files["regular_routes"] == 6


def test_bundled_data_has_dates_as_spans_and_counts_as_nullable_integers(dataset):
    for name, gdf in dataset.layers.items():
        assert str(gdf["span_start"].dtype) == "datetime64[ns]", name
        assert str(gdf["span_end"].dtype) == "datetime64[ns]", name
        dated = gdf["span_start"].notna()
        assert (gdf.loc[dated, "span_end"] >= gdf.loc[dated, "span_start"]).all(), name
        assert (gdf["span_start"].isna() == gdf["span_end"].isna()).all(), name
        for column in ("count_low", "count_high"):
            assert str(gdf[column].dtype) == "Int64", (name, column)


def test_bundled_data_matches_its_manifest():
    assert manifest_problems(ROOT / "data") == []
    manifest = read_manifest(ROOT / "data")
    assert set(manifest.files) >= {f"{name}.geojson" for name in LAYERS} | {"sources.csv"}
    for entry in manifest.files.values():
        assert entry["licence"] and entry["licence"] != "unknown"
        assert entry["source"] and entry["source"] != "unknown"


def test_the_dataset_version_is_the_manifest_hash(dataset):
    assert dataset.version == read_manifest(ROOT / "data").version
    assert len(dataset.version) == 12


# --- the manifest hash check -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["crossings.geojson", "events.geojson", "sources.csv"])
def test_one_changed_byte_makes_loading_refuse_and_name_the_file(data_copy, name):
    path = data_copy / name
    raw = bytearray(path.read_bytes())
    position = raw.index(b"S1")  # a source id: the file stays well-formed, only its hash changes
    raw[position + 1] = ord("7")
    path.write_bytes(bytes(raw))

    with pytest.raises(ManifestError, match=rf"data/{name} does not match the manifest"):
        load_dataset(data_copy)
    problems = manifest_problems(data_copy)
    assert len(problems) == 1
    assert name in problems[0]


def test_a_file_missing_from_the_manifest_is_reported(data_copy):
    (data_copy / "extra_layer.geojson").write_text(collection(), encoding="utf-8")
    problems = manifest_problems(data_copy)
    assert problems == ["data/extra_layer.geojson is not listed in data/manifest.json"]


def test_a_layer_missing_from_the_manifest_is_refused_on_load(data_copy):
    manifest = json.loads((data_copy / "manifest.json").read_text(encoding="utf-8"))
    del manifest["files"]["routes.geojson"]
    (data_copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"data/routes\.geojson is not listed"):
        load_dataset(data_copy)
    assert any("routes.geojson" in problem for problem in manifest_problems(data_copy))


def test_a_listed_file_that_is_gone_is_reported(data_copy):
    (data_copy / "receiving_facilities.geojson").unlink()
    problems = manifest_problems(data_copy)
    assert problems == ["data/receiving_facilities.geojson is listed in the manifest but missing"]
    with pytest.raises(ManifestError, match=r"receiving_facilities\.geojson"):
        load_dataset(data_copy)


def test_a_missing_manifest_refuses_to_load(data_copy):
    (data_copy / "manifest.json").unlink()
    with pytest.raises(ManifestError, match=r"manifest\.json is missing"):
        load_dataset(data_copy)


def test_rewriting_the_manifest_accepts_the_edited_file(data_copy):
    path = data_copy / "crossings.geojson"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert manifest_problems(data_copy)
    write_manifest(data_copy)
    assert manifest_problems(data_copy) == []
    entry = read_manifest(data_copy).files["crossings.geojson"]
    assert entry["sha256"] == sha256_file(path)
    assert entry["bytes"] == path.stat().st_size
    assert load_dataset(data_copy).rejected.empty


# --- parsing GeoJSON -------------------------------------------------------------------------


def test_truncated_json_names_the_file_line_and_column():
    text = '{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature", "properties": {"id": "a"'
    with pytest.raises(DataFileError, match=r"^events\.geojson: invalid JSON at line 3, column 47"):
        parse_geojson_text(text, "events.geojson")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant):
    text = collection(feature({"id": "ev-1", "count_low": 1})).replace('"count_low": 1', f'"count_low": {constant}')
    assert constant in text
    with pytest.raises(DataFileError, match=rf"^events\.geojson: {constant} is not allowed"):
        parse_geojson_text(text, "events.geojson")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[]", "not a GeoJSON FeatureCollection"),
        ('{"type": "Feature", "properties": {}, "geometry": null}', "not a GeoJSON FeatureCollection"),
        ('{"type": "FeatureCollection", "features": {}}', "'features' is not a list"),
        ('{"type": "FeatureCollection", "features": [{"type": "Point"}]}', "feature 0 is not a GeoJSON Feature"),
        (
            '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": [1], "geometry": null}]}',
            "feature 0 has properties that are not an object",
        ),
    ],
)
def test_documents_that_are_not_feature_collections_are_refused(text, message):
    with pytest.raises(DataFileError, match=message):
        parse_geojson_text(text, "crossings.geojson")


def test_text_values_stay_text_and_numbers_keep_their_json_type():
    text = collection(
        feature({"id": "007", "name_ko": "NA", "name_zh": "None", "notes": "", "count_low": 300, "count_high": None}),
        feature({"id": "008", "name_ko": "null", "name_zh": "nan", "notes": "N/A", "count_low": None, "count_high": 0}),
    )
    gdf = parse_geojson_text(text, "events.geojson")
    rows = gdf.to_dict("records")
    assert [r["id"] for r in rows] == ["007", "008"]
    assert [r["name_ko"] for r in rows] == ["NA", "null"]
    assert [r["name_zh"] for r in rows] == ["None", "nan"]
    assert [r["notes"] for r in rows] == ["", "N/A"]
    assert type(rows[0]["count_low"]) is int and rows[0]["count_low"] == 300
    assert rows[1]["count_low"] is None
    assert type(rows[1]["count_high"]) is int and rows[1]["count_high"] == 0
    assert gdf.crs.to_epsg() == 4326


def test_an_unbuildable_geometry_is_kept_with_its_reason_not_silently_none():
    bad_ring = {"type": "Polygon", "coordinates": [[[125.0, 41.0], [126.0, 41.0]]]}
    text = collection(
        feature({"id": "ok"}, {"type": "Point", "coordinates": [125.0, 41.0]}),
        feature({"id": "no-geometry"}, None),
        feature({"id": "broken"}, bad_ring),
    )
    gdf = parse_geojson_text(text, "events.geojson")
    assert list(gdf["id"]) == ["ok", "no-geometry", "broken"]
    assert gdf[GEOMETRY_ERROR].iloc[0] is None
    assert gdf[GEOMETRY_ERROR].iloc[1] is None
    assert gdf[GEOMETRY_ERROR].iloc[2].startswith("geometry cannot be read")


@pytest.mark.parametrize(
    "geometry",
    [
        {"type": "Polygon", "coordinates": [[[125.0, 41.0], [126.0, 41.0]]]},
        {"type": "Point", "coordinates": ["a", "b"]},
        {"type": "Point"},
        {"type": "Circle", "coordinates": [125.0, 41.0]},
    ],
    ids=["short-ring", "text-coordinates", "no-coordinates", "unknown-type"],
)
def test_an_unbuildable_geometry_becomes_a_rejection_on_load(geometry, make_feature, make_data_dir):
    # Events may have no geometry: a geometry lost while parsing must not pass as "no place".
    data_dir = make_data_dir(
        {"events": [make_feature("events"), make_feature("events", id="ev-broken", geometry=geometry)]}
    )
    dataset = load_dataset(data_dir)
    assert list(dataset.layers["events"]["id"]) == ["ev-test"]
    rejected = dataset.rejected[dataset.rejected["id"] == "ev-broken"].to_dict("records")
    assert len(rejected) == 1
    assert rejected[0]["layer"] == "events"
    assert rejected[0]["row"] == 1
    assert rejected[0]["field"] == "geometry"
    assert rejected[0]["reason"].startswith("geometry cannot be read")
    assert dataset.raw_counts()["events"] == {"valid": 1, "rejected": 1}


def test_read_geojson_refuses_a_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "crossings.geojson"
    path.write_bytes(
        collection(feature({"id": "x", "name_en": "Dandong"})).replace("Dandong", "D\xe4ndong").encode("latin-1")
    )
    with pytest.raises(DataFileError, match=r"crossings\.geojson: not UTF-8"):
        read_geojson(path)


def test_an_empty_layer_file_loads_as_an_empty_layer(make_data_dir):
    data_dir = make_data_dir({"receiving_facilities": [], "routes": []})
    dataset = load_dataset(data_dir)
    assert len(dataset.layers["receiving_facilities"]) == 0
    assert len(dataset.layers["routes"]) == 0
    assert list(dataset.layers["crossings"]["id"]) == ["x-test"]
    assert dataset.rejected.empty


def test_loading_a_generated_dataset_keeps_every_row_accounted_for(make_feature, make_data_dir):
    data_dir = make_data_dir(
        {
            "crossings": [make_feature("crossings"), make_feature("crossings", id="x-bad", source_ids=["S404"])],
            "routes": [
                make_feature("routes"),
                make_feature("routes", id="leg-dangling", from_id="dc-nowhere"),
            ],
        }
    )
    dataset = load_dataset(data_dir)
    assert dataset.raw_counts() == {
        "detention_centres": {"valid": 1, "rejected": 0},
        "crossings": {"valid": 1, "rejected": 1},
        "receiving_facilities": {"valid": 1, "rejected": 0},
        "routes": {"valid": 1, "rejected": 1},
        "regular_routes": {"valid": 1, "rejected": 0},
        "events": {"valid": 1, "rejected": 0},
    }
    reasons = {(r["id"], r["field"]): r["reason"] for r in dataset.rejected.to_dict("records")}
    assert "'S404' is not in the sources table" in reasons[("x-bad", "source_ids")]
    assert "'dc-nowhere' does not name a feature" in reasons[("leg-dangling", "from_id")]


# --- the sources table -----------------------------------------------------------------------


def test_sources_csv_keeps_text_as_text(tmp_path):
    path = tmp_path / "sources.csv"
    path.write_text(
        "id,outlet,title,url,published,is_mirror,notes\n"
        'NA,None,007,https://example.org/na,,false,"null, nan"\n'
        "S1,N/A,,https://example.org/1,2023-10,true,\n",
        encoding="utf-8",
    )
    sources = read_sources(path)
    assert list(sources["id"]) == ["NA", "S1"]
    assert list(sources["outlet"]) == ["None", "N/A"]
    assert list(sources["title"]) == ["007", ""]
    assert list(sources["published"]) == ["", "2023-10"]
    assert list(sources["is_mirror"]) == ["false", "true"]
    assert list(sources["notes"]) == ["null, nan", ""]
    assert not sources.isna().any().any()
    assert all(pd.api.types.is_string_dtype(sources[column]) for column in sources.columns)


def test_a_source_whose_id_is_na_resolves(make_feature, make_data_dir, source_rows):
    rows = [*source_rows, {"id": "NA", "outlet": "An outlet whose id is NA", "url": "https://example.org/na"}]
    data_dir = make_data_dir({"events": [make_feature("events", source_ids=["NA"])]}, sources=rows)
    dataset = load_dataset(data_dir)
    assert dataset.rejected.empty, dataset.rejected.to_dict("records")
    assert "NA" in set(dataset.sources["id"])


# --- the text columns' dtype (issue 19: a cached load hands pyarrow's strings to pandas) -------------


def test_text_in_every_row_is_arrow_backed_and_anything_else_keeps_its_python_values():
    frame = pd.DataFrame(
        {
            "id": ["a", "NA", "None"],
            "note": ["", "<b>x</b>", "사건"],
            "partly": ["x", None, "z"],
            "lists": [["S1"], [], ["S2"]],
            "mixed": ["1", 1, "2"],
            "count": [1, 2, 3],
        },
        dtype=object,
    )
    converted = arrow_text_columns(frame)
    assert {name for name in converted if converted[name].dtype == TEXT_DTYPE} == {"id", "note"}
    assert converted["id"].tolist() == ["a", "NA", "None"]  # strings that look like missing values stay text
    assert not converted["id"].isna().any()
    assert converted["partly"].dtype == object and converted["partly"][1] is None
    assert converted["lists"].tolist() == [["S1"], [], ["S2"]]
    assert [type(v) for v in converted["mixed"]] == [str, int, str]
    assert frame["id"].dtype == object  # the frame passed in is not changed


def test_the_loaded_layers_hold_their_text_as_arrow_strings(dataset):
    events = dataset.layers["events"]
    for column in ("id", "kind", "name_en", "date_start", "confidence"):
        assert events[column].dtype == TEXT_DTYPE, column
        assert all(type(value) is str for value in events[column])
    assert events["source_ids"].dtype == object  # lists of source ids
