"""Uploads: a test per rejection, the limits, zip and GeoPackage checks, virtual datasets, the column
mapping, per-upload sources, GDAL's restrictions, and round trips that lose nothing."""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shlex
import sqlite3
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point

from geo import upload, upload_read
from geo.export import build_export, neutralise_formula
from geo.filters import FilterSpec
from geo.io import load_dataset
from geo.schema import as_id_list
from geo.upload import ColumnMapping, ImportResult, build_layer, guess_mapping, import_upload
from geo.upload_read import (
    MAX_FEATURES,
    MAX_UPLOAD_BYTES,
    MAX_VERTICES,
    MAX_VERTICES_PER_FEATURE,
    UploadError,
    read_upload,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def sources(dataset) -> pd.DataFrame:
    return dataset.sources


VALID = {
    "id": "my-1",
    "name_en": "Interview place",
    "kind": "arrest",
    "confidence": "single-source",
    "location_precision": "city",
    "source_ids": ["S1"],
    "date_start": "2023-10-09",
}
POINT = {"type": "Point", "coordinates": [129.5076, 42.887]}


def collection(*features: dict, **members: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", **members, "features": list(features)}).encode("utf-8")


def feature(properties: dict | None = None, geometry: object = POINT, **changes: object) -> dict:
    return {"type": "Feature", "properties": {**VALID, **(properties or {}), **changes}, "geometry": geometry}


def problems(result: ImportResult) -> list[tuple[object, str, str]]:
    return [(r["where"], r["field"], r["reason"]) for r in result.rejected.to_dict("records")]


@pytest.fixture
def run(sources) -> Callable[..., ImportResult]:
    def run_upload(data: bytes, name: str = "mine.geojson", mapping: ColumnMapping | None = None) -> ImportResult:
        result = import_upload(name, data, sources, mapping=mapping)
        # Every rejection names the row, where it is, the field and why.
        for record in result.rejected.to_dict("records"):
            assert record["row"] >= 1 and record["where"] and record["field"] and record["reason"], record
        return result

    return run_upload


def only_problem(result: ImportResult) -> tuple[str, str]:
    assert len(result.layer) == 0
    found = [(field, reason) for _, field, reason in problems(result)]
    assert len(found) == 1, found
    return found[0]


# --- the happy path -------------------------------------------------------------------------------


def test_a_valid_feature_is_accepted_in_the_contract(run):
    result = run(collection(feature()))
    assert result.rejected.empty
    row = result.layer.iloc[0]
    assert row["id"] == "my-1" and row["kind"] == "arrest" and row["date_precision"] == "day"
    assert row["uncertainty_m"] == 10000  # the drawing convention for a city
    assert row.geometry.equals(Point(129.5076, 42.887))
    assert result.layer.crs.to_epsg() == 4326
    assert str(result.layer["span_start"].dtype) == "datetime64[ns]"
    assert str(result.layer["count_low"].dtype) == "Int64"


# --- a test per rejection -------------------------------------------------------------------------


def test_truncated_json_names_line_and_column(run):
    text = json.dumps({"type": "FeatureCollection", "features": [feature()]}, indent=1)
    with pytest.raises(UploadError) as error:
        run(text[: len(text) // 2].encode())
    message = str(error.value)
    assert message.startswith("Invalid JSON at line ") and ", column " in message
    assert "truncated" in message


def test_null_geometry_is_rejected(run):
    assert only_problem(run(collection(feature(geometry=None)))) == (
        "geometry",
        "geometry is null: every row needs a point or a line",
    )


def test_empty_geometry_is_rejected(run):
    field, reason = only_problem(run(collection(feature(geometry={"type": "Point", "coordinates": []}))))
    assert (field, reason) == ("geometry", "the Point is empty (no coordinates)")
    field, reason = only_problem(run(collection(feature(geometry={"type": "LineString", "coordinates": []}))))
    assert reason == "the LineString is empty (no coordinates)"


def test_too_few_coordinates_are_rejected(run):
    line = {"type": "LineString", "coordinates": [[129.5, 42.8]]}
    assert (
        "a line needs at least 2 positions, this one has 1"
        in only_problem(run(collection(feature(geometry=line, kind="route_leg"))))[1]
    )
    point = {"type": "Point", "coordinates": [129.5]}
    assert "a position needs longitude and latitude" in only_problem(run(collection(feature(geometry=point))))[1]
    ring = {"type": "Polygon", "coordinates": [[[129, 42], [130, 42], [129, 42]]]}
    assert "a polygon ring needs at least 4 positions" in only_problem(run(collection(feature(geometry=ring))))[1]


def test_numbers_given_as_text_are_rejected(run):
    assert only_problem(run(collection(feature(count_low="300")))) == (
        "count_low",
        "count_low is text ('300'); numbers must not be in quotes",
    )
    text_coordinates = {"type": "Point", "coordinates": ["129.5", "42.8"]}
    assert only_problem(run(collection(feature(geometry=text_coordinates)))) == (
        "geometry",
        "a coordinate is text ('129.5'): numbers must not be in quotes",
    )


def test_nan_and_infinity_are_rejected_row_by_row(run):
    text = collection(feature(count_low=1), feature(id="my-2")).decode()
    text = text.replace('"count_low": 1', '"count_low": NaN').replace("[129.5076, 42.887]", "[Infinity, 42.887]", 1)
    result = run(text.encode())
    assert ("feature 1", "count_low", "count_low is NaN: NaN and Infinity are not values (and not valid JSON)") in (
        problems(result)
    )
    assert any(reason.startswith("a coordinate is Infinity") for _, _, reason in problems(result))
    overflow = collection(feature()).replace(b"[129.5076, 42.887]", b"[129.5, 1e999]")
    assert "1e999" in only_problem(run(overflow))[1]


def test_nan_in_a_csv_coordinate_is_rejected(run):
    csv_text = "id,name,lat,lon,kind,location_precision,confidence,source_ids\nr1,A,NaN,129.5,arrest,city,inferred,S1\n"
    assert ("latitude", "latitude is 'NaN': NaN and Infinity are not numbers") in [
        (f, r) for _, f, r in problems(run(csv_text.encode(), "mine.csv"))
    ]


def test_coordinates_outside_the_valid_range_are_rejected(run):
    _, reason = only_problem(run(collection(feature(geometry={"type": "Point", "coordinates": [229.5, 42.8]}))))
    assert reason == "coordinates (229.5, 42.8) are outside the valid range (longitude ±180°, latitude ±90°)"


def test_coordinates_outside_the_region_are_rejected(run):
    _, reason = only_problem(run(collection(feature(geometry={"type": "Point", "coordinates": [2.35, 48.85]}))))
    assert reason.startswith("coordinates (2.35, 48.85) are outside the mapped region")


def test_a_declared_projected_crs_refuses_the_file(run):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}
    with pytest.raises(UploadError, match=r"declares the coordinate reference system 'urn:ogc:def:crs:EPSG::3857'"):
        run(collection(feature(), crs=crs))


def test_an_unknown_crs_member_refuses_the_file(run):
    with pytest.raises(UploadError, match="declares an unknown CRS"):
        run(collection(feature(), crs={"type": "link", "properties": {"href": "http://example.org/crs"}}))


def test_a_wgs84_crs_member_is_accepted(run):
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert len(run(collection(feature(), crs=crs)).layer) == 1


def test_coordinates_in_metres_are_rejected_as_projected(run):
    metres = {"type": "Point", "coordinates": [14_436_000.0, 5_294_000.0]}
    field, reason = only_problem(run(collection(feature(geometry=metres))))
    assert field == "geometry" and "look projected (metres, not degrees)" in reason


def test_swapped_coordinates_are_rejected(run):
    swapped = {"type": "Point", "coordinates": [42.887, 129.5076]}
    assert only_problem(run(collection(feature(geometry=swapped)))) == (
        "geometry",
        "coordinates [42.887, 129.508] look swapped: GeoJSON order is [longitude, latitude]",
    )
    csv_text = (
        "id,name,lat,lon,kind,location_precision,confidence,source_ids\nr1,A,129.5,42.8,arrest,city,inferred,S1\n"
    )
    assert only_problem(run(csv_text.encode(), "mine.csv")) == (
        "geometry",
        "latitude 129.5 and longitude 42.8 look swapped: check which column is which",
    )


def test_an_invalid_polygon_is_rejected_with_the_reason(run):
    bowtie = {"type": "Polygon", "coordinates": [[[129, 42], [130, 43], [130, 42], [129, 43], [129, 42]]]}
    assert only_problem(run(collection(feature(geometry=bowtie)))) == (
        "geometry",
        "invalid polygon: Self-intersection[129.5 42.5]",
    )


def test_a_valid_polygon_is_rejected_as_unsupported(run):
    square = {"type": "Polygon", "coordinates": [[[129, 42], [130, 42], [130, 43], [129, 43], [129, 42]]]}
    assert only_problem(run(collection(feature(geometry=square))))[1].startswith("Polygon is not supported")


def test_nested_properties_are_rejected(run):
    assert only_problem(run(collection(feature(name_en={"en": "A", "ko": "에이"})))) == (
        "name_en",
        "name_en is a JSON object (nested properties); expected a single value",
    )
    assert only_problem(run(collection(feature(notes=["a", "b"])))) == (
        "notes",
        "notes is an array; expected a single value",
    )
    assert only_problem(run(collection(feature(source_ids=[{"id": "S1"}])))) == (
        "source_ids",
        "source_ids holds an object; expected source ids as text",
    )


def test_non_utf8_text_is_rejected_with_its_place(run):
    latin1 = "id,name,lat,lon\nr1,São Paulo,42.8,129.5\n".encode("latin-1")
    with pytest.raises(UploadError, match=r"not UTF-8 text: byte 0xE3 at line 2, column 5"):
        run(latin1, "mine.csv")
    with pytest.raises(UploadError, match="not UTF-8"):
        run(collection(feature(name_en="Dandong")).replace(b"Dandong", "D\xe4ndong".encode("latin-1")))


def test_impossible_dates_are_rejected(run):
    assert only_problem(run(collection(feature(date_start="2023-02-30")))) == (
        "date_start",
        "date_start: impossible date '2023-02-30': day 30 does not exist in 2023-02",
    )
    assert "month 13 does not exist" in only_problem(run(collection(feature(date_start="2023-13"))))[1]
    assert only_problem(run(collection(feature(date_start="2023-10-09T25:00:00+09:00")))) == (
        "date_start",
        "date_start '2023-10-09T25:00:00+09:00' has an impossible time of day",
    )


def test_ambiguous_date_formats_are_rejected(run):
    assert only_problem(run(collection(feature(date_start="03/04/2023")))) == (
        "date_start",
        "date_start '03/04/2023' is ambiguous: 3 Apr or 4 Mar? Write dates as YYYY-MM-DD (ISO 8601)",
    )
    assert only_problem(run(collection(feature(date_start="25/04/2023"))))[1] == (
        "date_start '25/04/2023' is not an ISO 8601 date: write it as 2023-04-25"
    )
    assert "two-digit year" in only_problem(run(collection(feature(date_start="03/04/23"))))[1]
    assert "not an ISO 8601 date" in only_problem(run(collection(feature(date_start="9 Oct 2023"))))[1]
    assert only_problem(run(collection(feature(date_start=2023))))[1].startswith("date_start is a number (2023)")


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("2023-10-09T23:30:00+09:00", "2023-10-09"),  # 14:30 UTC the same day
        ("2023-10-09T08:30:00+09:00", "2023-10-09"),  # 23:30 UTC the day before: still the 9th
        ("2023-10-09T23:30:00-05:00", "2023-10-09"),  # 04:30 UTC the day after: still the 9th
        ("2023-10-09T23:30Z", "2023-10-09"),
        ("2023-10-09 21:00", "2023-10-09"),
    ],
)
def test_a_time_keeps_its_calendar_day(run, written, day):
    row = run(collection(feature(date_start=written))).layer.iloc[0]
    assert (row["date_start"], row["date_precision"]) == (day, "day")


def test_text_stays_text_in_csv(run):
    csv_text = (
        "id,name,name_ko,notes,lat,lon,kind,location_precision,confidence,source_ids\n"
        "007,NA,None,,42.8,129.5,arrest,city,inferred,S1\n"
    )
    row = run(csv_text.encode(), "mine.csv").layer.iloc[0]
    assert (row["id"], row["name_en"], row["name_ko"], row["notes"]) == ("007", "NA", "None", "")


def test_na_in_a_count_is_rejected_not_read_as_missing(run):
    csv_text = "id,name,lat,lon,kind,location_precision,confidence,source_ids,count\n"
    csv_text += "r1,A,42.8,129.5,arrest,city,inferred,S1,NA\n"
    result = run(csv_text.encode(), "mine.csv")
    assert (
        "count_low",
        "count_low 'NA' is not a whole number (digits only); leave the cell empty when the count is unknown",
    ) in [(f, r) for _, f, r in problems(result)]


def test_decimal_comma_is_rejected_with_a_hint(run):
    csv_text = (
        "id;name;lat;lon;kind;location_precision;confidence;source_ids\nr1;A;42,8;129,5;arrest;city;inferred;S1\n"
    )
    found = [(f, r) for _, f, r in problems(run(csv_text.encode(), "mine.csv"))]
    assert ("latitude", "latitude '42,8' is not a decimal number (use a point as the decimal separator)") in found


def test_a_csv_row_with_the_wrong_number_of_cells_is_rejected(run):
    csv_text = "id,name,lat,lon,kind,location_precision,confidence,source_ids\nr1,A,42.8,129.5,arrest,city,inferred\n"
    assert ("line 2", "row", "has 7 cells but the header has 8 columns") in problems(run(csv_text.encode(), "m.csv"))


def test_a_property_given_twice_is_rejected(run):
    text = collection(feature()).decode().replace('"name_en": "Interview place"', '"name_en": "A", "name_en": "B"')
    assert ("name_en", "the property 'name_en' appears twice in this feature") in [
        (f, r) for _, f, r in problems(run(text.encode()))
    ]


def test_unknown_enumerations_list_the_allowed_values(run):
    field, reason = only_problem(run(collection(feature(confidence="Confirmed"))))
    assert (
        field == "confidence"
        and reason == "confidence 'Confirmed' is not one of: confirmed, single-source, inferred, unknown"
    )


def test_a_line_must_be_a_route_leg_and_a_leg_a_line(run):
    line = {"type": "LineString", "coordinates": [[129.5, 42.8], [129.6, 42.9]]}
    assert only_problem(run(collection(feature(geometry=line)))) == (
        "kind",
        "a line must have kind route_leg, not 'arrest'",
    )
    assert only_problem(run(collection(feature(kind="route_leg")))) == (
        "geometry",
        "a route_leg must be a line (LineString)",
    )


def test_missing_contract_fields_say_how_to_fix_them(run):
    bare = {"type": "Feature", "properties": {"name": "A", "source_ids": ["S1"]}, "geometry": POINT}
    found = {f: r for _, f, r in problems(run(collection(bare)))}
    assert found["kind"] == "kind is missing: map a column or choose one value for every row"
    assert found["confidence"] == "confidence is missing: map a column or choose one value for every row"
    assert found["location_precision"].startswith("location_precision is missing")
    assert "uncertainty_m" not in found  # follows the precision: one problem, reported once


def test_ids_must_be_unique_and_not_clash_with_the_bundled_data(sources, dataset):
    data = collection(feature(), feature(), feature(id="x-tumen-namyang"))
    reserved = {fid for gdf in dataset.layers.values() for fid in gdf["id"]}
    result = import_upload("m.geojson", data, sources, reserved)
    reasons = [r for _, _, r in problems(result)]
    assert "duplicate id 'my-1'" in reasons
    assert "id 'x-tumen-namyang' is already used by the bundled dataset; choose another" in reasons


def test_a_count_needs_a_source_unless_the_row_gives_it(run):
    data = collection(feature(count_low=5, count_high=7))
    assert run(data).layer.iloc[0]["count_source_ids"] == ["S1"]
    raw = read_upload("m.geojson", data)
    strict = ColumnMapping(guess_mapping(raw).columns, {}, count_sources_from_row=False)
    assert ("count_source_ids", "a count without a source") in [
        (f, r) for _, f, r in problems(run(data, mapping=strict))
    ]


# --- limits, checked before parsing ---------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_decoded(monkeypatch):
    def decoded(*args, **kwargs):
        raise AssertionError("decoded a file over the limit")

    monkeypatch.setattr(upload_read, "_decode_utf8", decoded)
    with pytest.raises(UploadError, match=r"the limit is 10 MB"):
        read_upload("big.geojson", b" " * (MAX_UPLOAD_BYTES + 1))


def test_too_many_features_are_refused_before_any_geometry_is_built(monkeypatch):
    monkeypatch.setattr(upload_read, "geojson_geometry", lambda raw: pytest.fail("built a geometry"))
    with pytest.raises(UploadError, match=f"the limit is {MAX_FEATURES:,}"):
        read_upload("many.geojson", collection(*[feature()] * (MAX_FEATURES + 1)))


def test_too_many_vertices_are_refused_before_any_geometry_is_built(monkeypatch):
    monkeypatch.setattr(upload_read, "geojson_geometry", lambda raw: pytest.fail("built a geometry"))
    coordinates = [[129.5 + i * 1e-6, 42.8] for i in range(MAX_VERTICES_PER_FEATURE)]
    line = {"type": "LineString", "coordinates": coordinates}
    count = MAX_VERTICES // MAX_VERTICES_PER_FEATURE + 1
    with pytest.raises(UploadError, match=f"more than {MAX_VERTICES:,} vertices"):
        read_upload("long.geojson", collection(*[feature(geometry=line, kind="route_leg")] * count))


def test_one_feature_over_the_vertex_limit_is_rejected(run):
    coordinates = [[129.5 + i * 1e-6, 42.8] for i in range(MAX_VERTICES_PER_FEATURE + 1)]
    line = {"type": "LineString", "coordinates": coordinates}
    assert only_problem(run(collection(feature(geometry=line, kind="route_leg"))))[1].startswith(
        f"the geometry has more than {MAX_VERTICES_PER_FEATURE:,} vertices"
    )


def test_too_many_csv_rows_are_refused():
    rows = "".join(f"r{i},A,42.8,129.5\n" for i in range(MAX_FEATURES + 1))
    with pytest.raises(UploadError, match="more than 5,000 rows"):
        read_upload("m.csv", ("id,name,lat,lon\n" + rows).encode())


def test_deeply_nested_json_is_refused():
    with pytest.raises(UploadError, match="nested too deeply"):
        read_upload("deep.geojson", b"[" * 100_000 + b"]" * 100_000)


# --- zip ------------------------------------------------------------------------------------------


def zipped(*members: tuple[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_with_one_data_file_is_read(run):
    data = zipped(("folder/mine.geojson", collection(feature())), ("__MACOSX/._mine.geojson", b"junk"))
    assert len(run(data, "mine.zip").layer) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [("../escape.geojson", "climbs out of the archive"), ("/etc/mine.geojson", "absolute path")],
)
def test_zip_member_names_are_checked_before_extraction(name, message):
    with pytest.raises(UploadError, match=message):
        read_upload("m.zip", zipped((name, collection(feature()))))


def test_a_zip_bomb_is_refused_by_its_ratio():
    with pytest.raises(UploadError, match="compressed more than 100:1"):
        read_upload("m.zip", zipped(("bomb.csv", b"0" * 5_000_000)))


def test_a_zip_over_the_unpacked_size_is_refused():
    noise = os.urandom(MAX_UPLOAD_BYTES // 4 + 1).hex().encode()  # compresses about 2:1
    data = zipped(("a.txt", noise), ("b.txt", noise))
    assert len(data) < MAX_UPLOAD_BYTES
    with pytest.raises(UploadError, match="unpacks to"):
        read_upload("m.zip", data)


def test_a_zip_with_too_many_members_or_nested_zips_or_links_is_refused():
    with pytest.raises(UploadError, match="holds 21 files"):
        read_upload("m.zip", zipped(*[(f"{i}.txt", b"x") for i in range(21)]))
    with pytest.raises(UploadError, match="contains another zip"):
        read_upload("m.zip", zipped(("inner.zip", zipped(("a.csv", b"a")))))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("mine.geojson")
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(UploadError, match="symbolic link"):
        read_upload("m.zip", buffer.getvalue())
    with pytest.raises(UploadError, match="exactly one"):
        read_upload("m.zip", zipped(("a.csv", b"id\n1\n"), ("b.csv", b"id\n1\n")))


# --- virtual datasets and other GDAL tricks --------------------------------------------------------

SECRET = "crossings-secret-7f3a9c"


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "server-only.csv"
    path.write_text(f"id,token\n1,{SECRET}\n", encoding="utf-8")
    return path


@pytest.fixture
def no_gdal(monkeypatch):
    import pyogrio

    for name in ("read_info", "read_arrow", "read_dataframe", "list_layers"):
        monkeypatch.setattr(pyogrio, name, lambda *a, **k: pytest.fail("GDAL was asked to open an upload"))


def test_a_virtual_dataset_disguised_as_geojson_is_refused_without_revealing_anything(secret_file, no_gdal):
    vrt = (
        f'<OGRVRTDataSource><OGRVRTLayer name="points"><SrcDataSource>{secret_file}</SrcDataSource>'
        "<GeometryType>wkbPoint</GeometryType></OGRVRTLayer></OGRVRTDataSource>"
    ).encode()
    for name in ("points.geojson", "points.json", "points.csv", "points"):
        with pytest.raises(UploadError) as error:
            read_upload(name, vrt)
        message = str(error.value)
        assert "virtual dataset" in message
        assert SECRET not in message and str(secret_file) not in message and "server-only" not in message
        assert "<" not in message  # no part of the file is quoted


def test_a_virtual_dataset_inside_json_or_a_zip_is_refused(secret_file, no_gdal):
    hidden = collection(feature(notes=f"<OGRVRTDataSource><SrcDataSource>{secret_file}</SrcDataSource>"))
    with pytest.raises(UploadError, match="virtual dataset") as error:
        read_upload("m.geojson", hidden)
    assert SECRET not in str(error.value)
    with pytest.raises(UploadError, match="virtual dataset"):
        read_upload("m.zip", zipped(("points.geojson", b"  <OGRVRTDataSource/>")))


@pytest.mark.parametrize("path", ["/vsicurl/http://example.org/x.gpkg", "/vsizip//tmp/x.zip/y.shp", "/VSIS3/bucket/x"])
def test_gdal_virtual_file_system_paths_are_refused(path, no_gdal):
    with pytest.raises(UploadError, match=r"virtual file system path"):
        read_upload("m.csv", f"id,name,src\n1,A,{path}\n".encode())


def test_a_gdal_algorithm_file_is_not_geojson(no_gdal):
    gdalg = {"type": "gdal_streamed_alg", "command_line": "gdal vector pipeline ! read /etc/passwd ! write"}
    with pytest.raises(UploadError, match="not a GeoJSON FeatureCollection"):
        read_upload("m.json", json.dumps(gdalg).encode())


# --- GeoPackage ---------------------------------------------------------------------------------


def gpkg(gdf: gpd.GeoDataFrame, tmp_path: Path, layer: str = "mine") -> bytes:
    path = tmp_path / f"{layer}-{len(gdf)}.gpkg"
    gdf.to_file(path, driver="GPKG", layer=layer)
    return path.read_bytes()


def gpkg_rows(**columns: object) -> gpd.GeoDataFrame:
    base = {k: [v] for k, v in VALID.items() if k != "source_ids"}
    base["source_ids"] = ["S1"]
    base.update({k: [v] for k, v in columns.items()})
    return gpd.GeoDataFrame(base, geometry=[Point(129.5076, 42.887)], crs="EPSG:4326")


def test_a_geopackage_is_read_and_its_temporary_file_deleted(run, tmp_path, monkeypatch):
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    result = run(gpkg(gpkg_rows(), tmp_path), "mine.gpkg")
    assert len(result.layer) == 1 and result.rejected.empty
    assert result.layer.iloc[0]["upload_where"] == "FID 1"
    assert list(private.iterdir()) == []


def test_a_projected_geopackage_is_refused(tmp_path):
    with pytest.raises(UploadError, match="'EPSG:3857'; only WGS 84"):
        read_upload("m.gpkg", gpkg(gpkg_rows().to_crs(3857), tmp_path))


def test_a_geopackage_with_numbers_as_text_is_rejected(run, tmp_path):
    field, reason = only_problem(run(gpkg(gpkg_rows(count_low="300"), tmp_path), "m.gpkg"))
    assert (field, reason) == ("count_low", "count_low is text ('300'); numbers must not be in quotes")


def test_a_gpkg_without_an_sqlite_header_is_refused(no_gdal):
    with pytest.raises(UploadError, match="not a GeoPackage"):
        read_upload("m.gpkg", collection(feature()))


def test_an_sqlite_database_that_is_not_a_geopackage_is_refused(tmp_path, no_gdal):
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (a)")
    with pytest.raises(UploadError, match="application id is not GPKG"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_geopackage_with_a_view_is_refused(tmp_path):
    data = gpkg(gpkg_rows(), tmp_path)
    path = tmp_path / "with-view.gpkg"
    path.write_bytes(data)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE VIEW sneaky AS SELECT * FROM mine")
    with pytest.raises(UploadError, match="SQL view"):
        read_upload("m.gpkg", path.read_bytes())


def test_a_geopackage_with_a_foreign_virtual_table_is_refused(tmp_path):
    path = tmp_path / "vt.gpkg"
    path.write_bytes(gpkg(gpkg_rows(), tmp_path))
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA writable_schema = ON")
        connection.execute(
            "INSERT INTO sqlite_master (type, name, tbl_name, rootpage, sql) VALUES "
            "('table', 'vt', 'vt', 0, 'CREATE VIRTUAL TABLE vt USING VirtualOGR(''/etc/passwd'')')"
        )
    with pytest.raises(UploadError, match="virtual table"):
        read_upload("m.gpkg", path.read_bytes())


# --- mapping and sources --------------------------------------------------------------------------


def test_column_guesses():
    raw = read_upload(
        "m.csv",
        b"Title,Latitude,LNG,Date,Category,Certainty,Citation,Comments,Count,Precision\nA,42.8,129.5,2023,x,y,z,w,1,city\n",
    )
    assert guess_mapping(raw).columns == {
        "latitude": "Latitude",
        "longitude": "LNG",
        "name_en": "Title",
        "kind": "Category",
        "date_start": "Date",
        "location_precision": "Precision",
        "confidence": "Certainty",
        "count_low": "Count",
        "count_high": "Count",
        "source": "Citation",
        "notes": "Comments",
    }
    xy = read_upload("m.csv", b"name,x,y\nA,129.5,42.8\n")
    assert (guess_mapping(xy).columns["longitude"], guess_mapping(xy).columns["latitude"]) == ("x", "y")


def test_a_csv_without_coordinate_columns_asks_for_them(sources):
    raw = read_upload("m.csv", b"name,place\nA,Yanji\n")
    with pytest.raises(UploadError, match="Choose the latitude and longitude columns"):
        build_layer(raw, guess_mapping(raw), sources)


def test_own_sources_become_session_sources(run, sources):
    rows = [
        feature(id="a", source_ids=None, source="Interview, Seoul, March 2024"),
        feature(id="b", source_ids=None, source="https://example.org/report?id=1"),
        feature(id="c", source_ids=None, source="Interview, Seoul, March 2024"),
        feature(id="d", source_ids=None, source="S12"),
        feature(id="e", source_ids=None, source=sources.set_index("id").loc["S1", "url"]),
        feature(id="f", source_ids=None, source="javascript:alert(1)"),
        feature(id="g", source_ids=None),
    ]
    result = run(collection(*rows))
    by_id = {r["id"]: r["source_ids"] for r in result.layer.to_dict("records")}
    assert by_id == {"a": ["U1"], "b": ["U2"], "c": ["U1"], "d": ["S12"], "e": ["S1"], "f": ["U3"]}
    generated = result.sources.set_index("id")
    assert generated.loc["U1", "outlet"] == "Interview, Seoul, March 2024" and generated.loc["U1", "url"] == ""
    assert (generated.loc["U2", "outlet"], generated.loc["U2", "url"]) == (
        "example.org",
        "https://example.org/report?id=1",
    )
    assert generated.loc["U3", "url"] == ""  # a javascript: "URL" is text, never a link
    assert list(result.sources.columns) == list(sources.columns)
    assert [(f, r) for _, f, r in problems(result)] == [("source_ids", "no source cited")]


def test_a_cited_source_must_exist(run):
    assert only_problem(run(collection(feature(source_ids=["S999"])))) == (
        "source_ids",
        "source 'S999' is not in the sources table",
    )


def test_filters_apply_to_the_upload(run):
    layer = run(collection(feature(id="a"), feature(id="b", date_start="2020", confidence="inferred"))).layer
    assert list(upload.filter_uploaded(layer, FilterSpec()).id) == ["a", "b"]
    in_2023 = FilterSpec(date_from=datetime(2023, 1, 1).date(), date_to=datetime(2023, 12, 31).date())
    assert list(upload.filter_uploaded(layer, in_2023).id) == ["a"]
    assert list(upload.filter_uploaded(layer, FilterSpec(min_confidence="single-source")).id) == ["a"]
    assert list(upload.filter_uploaded(layer, FilterSpec(crossings=("x-tumen-namyang",))).id) == []


def test_the_example_file_shows_accepted_and_rejected_rows(sources):
    result = import_upload(upload.EXAMPLE_NAME, upload.example_csv().encode(), sources)
    assert len(result.layer) == 1 and result.rejected_rows == 2


# --- GDAL restrictions (scripts/gdal-env), set before Python starts --------------------------------


class _Counting(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_HEAD(self):
        _Counting.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    do_GET = do_HEAD

    def log_message(self, *args):
        pass


def test_gdal_env_skips_dangerous_drivers_and_blocks_remote_files(tmp_path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/points.gpkg"
        probe = (
            "import pyogrio, json\n"
            "drivers = pyogrio.list_drivers()\n"
            "try:\n"
            f"    pyogrio.read_info('/vsicurl/{url}'); remote = 'opened'\n"
            "except Exception as error:\n"
            "    remote = 'refused'\n"
            "print(json.dumps({'drivers': sorted(drivers), 'remote': remote}))\n"
        )
        env_file = shlex.quote(str(ROOT / "scripts" / "gdal-env"))
        script = f". {env_file} && exec {shlex.quote(sys.executable)} -c {shlex.quote(probe)}"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GDAL_", "CPL_", "OGR_", "PROJ_"))}
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, check=True, timeout=60)
        report = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        server.shutdown()
    assert report["remote"] == "refused"
    assert _Counting.hits == []  # not a single request reached the server
    for driver in ("OGR_VRT", "GDALG", "GPSBabel", "WFS", "OAPIF", "HTTP", "SQLite", "Elasticsearch"):
        assert driver not in report["drivers"], driver
    assert "GPKG" in report["drivers"]


# --- round trips: every field type survives -------------------------------------------------------

ROUND_TRIP = [
    {
        "id": "rt-1",
        "name_en": "Dandong–Sinuiju",
        "name_ko": "단둥–신의주",
        "name_zh": "丹东–新义州",
        "kind": "crossing",
        "date_start": "2023-10-09",
        "date_end": "2023-10-10",
        "date_precision": "day",
        "location_precision": "bridge_or_port",
        "uncertainty_m": 500,
        "confidence": "confirmed",
        "count_low": 60,
        "count_high": 200,
        "source_ids": ["S8", "S5"],
        "notes": 'Quotes " and commas, and a\nnew line; 한국어 中文',
        "lon": 124.39058,
        "lat": 40.11644,
    },
    {
        "id": "007",
        "name_en": "NA",
        "name_ko": "",
        "name_zh": None,
        "kind": "arrest",
        "date_start": "2023",
        "date_end": None,
        "date_precision": "year",
        "location_precision": "city",
        "uncertainty_m": 10000.5,
        "confidence": "single-source",
        "count_low": None,
        "count_high": 7,
        "source_ids": ["S1"],
        "notes": "None",
        "lon": 129.50760123456789,
        "lat": 42.88700987654321,
    },
    {
        "id": "rt-3",
        "name_en": "  spaces kept  ",
        "name_ko": "연길",
        "name_zh": "延吉",
        "kind": "detention_centre",
        "date_start": "2023-10",
        "date_end": "2024-01",
        "date_precision": "month",
        "location_precision": "town",
        "uncertainty_m": 3000,
        "confidence": "inferred",
        "count_low": 0,
        "count_high": None,
        "source_ids": [],
        "notes": "",
        "lon": 129.8447,
        "lat": 42.9668,
    },
]
FIELDS = [k for k in ROUND_TRIP[0] if k not in ("lon", "lat")]


def _roundtrip_mapping(raw) -> ColumnMapping:
    columns = {f: f for f in FIELDS if f in raw.columns}
    if not raw.has_geometry:
        columns.update(latitude="lat", longitude="lon")
    return ColumnMapping(columns, {})


def _check(result: ImportResult, csv: bool = False) -> None:
    assert result.rejected.empty, problems(result)
    got = {r["id"]: r for r in result.layer.to_dict("records")}
    for expected in ROUND_TRIP:
        row = got[expected["id"]]
        for name in FIELDS:
            value, want = row[name], expected[name]
            if csv and want is None and name not in ("count_low", "count_high"):
                want = ""  # CSV has no null: an empty cell
            if want is None:
                assert value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)), name
            else:
                assert value == want and type(value) is type(want), (name, value, want)
        geometry = result.layer.set_index("id").loc[expected["id"], "geometry"]
        assert (geometry.x, geometry.y) == (expected["lon"], expected["lat"])  # every digit


def _with_sources(row: dict) -> dict:
    return {**row, "source_ids": row["source_ids"] or ["S1"]}


ROUND_TRIP = [_with_sources(r) for r in ROUND_TRIP]


def test_round_trip_through_geojson(sources):
    features = [
        {
            "type": "Feature",
            "properties": {k: v for k, v in r.items() if k not in ("lon", "lat")},
            "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
        }
        for r in ROUND_TRIP
    ]
    data = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
    raw = read_upload("rt.geojson", data)
    _check(build_layer(raw, _roundtrip_mapping(raw), sources))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    return repr(value) if isinstance(value, float) else str(value)


def test_round_trip_through_csv(sources):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(list(ROUND_TRIP[0]))
    writer.writerows([_cell(v) for v in row.values()] for row in ROUND_TRIP)
    raw = read_upload("rt.csv", buffer.getvalue().encode("utf-8"))
    _check(build_layer(raw, _roundtrip_mapping(raw), sources), csv=True)


def test_round_trip_through_geopackage(sources, tmp_path):
    frame = pd.DataFrame([{k: v for k, v in r.items() if k not in ("lon", "lat")} for r in ROUND_TRIP])
    frame["source_ids"] = [";".join(v) for v in frame["source_ids"]]
    for column in ("count_low", "count_high"):
        frame[column] = frame[column].astype("Int64")
    frame["uncertainty_m"] = frame["uncertainty_m"].astype(object)
    gdf = gpd.GeoDataFrame(frame, geometry=[Point(r["lon"], r["lat"]) for r in ROUND_TRIP], crs="EPSG:4326")
    gdf["uncertainty_m"] = [r["uncertainty_m"] for r in ROUND_TRIP]
    raw = read_upload("rt.gpkg", gpkg(gdf, tmp_path))
    result = build_layer(raw, _roundtrip_mapping(raw), sources)
    # A GeoPackage column has one type: 500 and 10000.5 share a REAL column and come back as floats.
    layer = result.layer.copy()
    restored = [int(v) if float(v).is_integer() else v for v in layer["uncertainty_m"]]
    layer["uncertainty_m"] = pd.Series(restored, index=layer.index, dtype=object)
    _check(ImportResult(layer, result.sources, result.rejected, result.total))


# --- exports back through import: nothing lost ------------------------------------------------------

EXPORT_FIELDS = [f for f in FIELDS if f != "count_source_ids"] + ["count_source_ids"]


@pytest.fixture(scope="module")
def exported(dataset):
    """The bundled point layers, exported in each format by geo.export."""
    lines = ("routes", "regular_routes")
    layers = {**dataset.layers, **{name: dataset.layers[name].iloc[0:0] for name in lines}}
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    return {
        fmt: build_export(dataset, layers, FilterSpec(), fmt, exported_at=moment) for fmt in ("geojson", "csv", "gpkg")
    }


def _expected_rows(dataset) -> dict[str, dict]:
    rows = {}
    for name in ("detention_centres", "crossings", "receiving_facilities", "events"):
        for record in dataset.layers[name].to_dict("records"):
            if record["geometry"] is not None:
                rows[record["id"]] = record
    return rows


def _compare_export(result: ImportResult, expected: dict[str, dict], fmt: str) -> None:
    got = {r["id"]: r for r in result.layer.to_dict("records")}
    assert set(got) == set(expected), set(expected) ^ set(got)
    for fid, want_row in expected.items():
        row = got[fid]
        for name in EXPORT_FIELDS:
            want, value = want_row.get(name), row.get(name)
            if name in ("source_ids", "count_source_ids"):
                want = as_id_list(want)
            if want is pd.NA or (isinstance(want, float) and math.isnan(want)):
                want = None
            if fmt == "csv" and isinstance(want, str):
                want = neutralise_formula(want)
            if fmt == "csv" and want is None and name not in ("count_low", "count_high", "uncertainty_m"):
                want = ""
            if value is pd.NA:
                value = None
            assert value == want, (fmt, fid, name, value, want)
        geometry, original = got[fid]["geometry"], want_row["geometry"]
        assert (geometry.x, geometry.y) == (original.x, original.y), (fmt, fid)


@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg"])
def test_exports_come_back_through_import_unchanged(dataset, exported, fmt):
    export = exported[fmt]
    expected = _expected_rows(dataset)
    layers = [None] if fmt != "gpkg" else ["detention_centres", "crossings", "receiving_facilities", "events"]
    parts = []
    for layer in layers:
        raw = read_upload(export.file_name, export.data, layer=layer)
        columns = {f: f for f in EXPORT_FIELDS if f in raw.columns}
        if not raw.has_geometry:
            columns.update(latitude="lat", longitude="lon")
        result = build_layer(raw, ColumnMapping(columns, {}, count_sources_from_row=False), dataset.sources)
        # Only the events without a place are rejected, and they say so.
        assert set(result.rejected["reason"]) <= {
            "geometry is null: every row needs a point or a line",
            "geometry is empty: latitude or longitude is missing",
        }
        parts.append(result)
    layer = pd.concat([p.layer for p in parts], ignore_index=True)
    merged = ImportResult(layer, parts[0].sources, parts[0].rejected, sum(p.total for p in parts))
    _compare_export(merged, expected, fmt)


def test_no_temporary_geometry_is_lost_when_shapely_round_trips(run):
    coordinates = [[129.50760123456789, 42.88700987654321], [129.6, 42.9]]
    layer = run(
        collection(feature(geometry={"type": "LineString", "coordinates": coordinates}, kind="route_leg"))
    ).layer
    assert [list(c) for c in shapely.get_coordinates(layer.geometry.iloc[0])] == coordinates
    assert isinstance(layer.geometry.iloc[0], LineString)
