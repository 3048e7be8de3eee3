"""Loading the bundled dataset: parse, verify against the manifest, validate."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import shape

from geo import colcache
from geo.manifest import Manifest, read_manifest, verify_file
from geo.schema import (
    CONTEXT_LAYERS,
    CRS,
    LAYERS,
    REJECTED_COLUMNS,
    TEXT_DTYPE,
    SourceIndex,
    confidence_rule_problems,
    is_blank,
    parse_partial_date,
    route_endpoint_problems,
    row_problems,
    validate,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_ROOT / "static"  # served by Streamlit at /app/static (server.enableStaticServing)
# CROSSINGS_DATA_DIR points the app at another data directory (tests: a hostile copy); default data/.
DATA_DIR = Path(os.environ.get("CROSSINGS_DATA_DIR") or PROJECT_ROOT / "data")
# Validated datasets as Parquet columns (geo.colcache): a process that loads a version seen before reads these.
# CROSSINGS_CACHE_DIR, else <project>/.crossings/columns if writable, else ~/.cache/crossings/columns.
COLUMN_CACHE_DIR = colcache.default_cache_dir(PROJECT_ROOT)
SOURCES_FILE = "sources.csv"
GEOMETRY_ERROR = "_geometry_error"


class DataFileError(ValueError):
    """A data file cannot be parsed; the message names the file and the place."""


def parse_geojson_text(text: str, label: str) -> gpd.GeoDataFrame:
    """A FeatureCollection as a GeoDataFrame. Property values keep their JSON types.

    A geometry that cannot be built is kept as None with the reason in GEOMETRY_ERROR, so
    validation rejects the row instead of losing it silently.
    """
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise DataFileError(
            f"{label}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except ValueError as error:
        raise DataFileError(f"{label}: {error}") from error
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        raise DataFileError(f"{label}: not a GeoJSON FeatureCollection")
    features = document.get("features")
    if not isinstance(features, list):
        raise DataFileError(f"{label}: 'features' is not a list")
    records = []
    geometries = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise DataFileError(f"{label}: feature {index} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise DataFileError(f"{label}: feature {index} has properties that are not an object")
        record = dict(properties)
        geometry, error = _build_geometry(feature.get("geometry"))
        record[GEOMETRY_ERROR] = error
        records.append(record)
        geometries.append(geometry)
    return layer_frame(records, geometries)


def layer_frame(records: list[dict], geometries: list[object]) -> gpd.GeoDataFrame:
    """The raw layer as geo.io reads it: one row per feature, each record carrying GEOMETRY_ERROR."""
    # dtype=object keeps JSON types: an integer count next to a null stays an integer.
    frame = pd.DataFrame(records, dtype=object) if records else pd.DataFrame({GEOMETRY_ERROR: []})
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=CRS), crs=CRS)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed in JSON data")


def _build_geometry(raw: object) -> tuple[object, str | None]:
    if raw is None:
        return None, None
    try:
        geometry = shape(raw)
    except Exception as error:  # shapely raises several types for malformed input
        return None, f"geometry cannot be read: {error}"
    return geometry, None


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise DataFileError(f"{path.name}: not UTF-8 text (byte {error.start})") from error
    return parse_geojson_text(text, path.name)


def source_outlets(sources: pd.DataFrame) -> dict[str, str]:
    """Source id -> outlet, for citing a source as "S1 (NBC News)"."""
    return dict(zip(sources["id"], sources["outlet"], strict=True))


def read_sources(path: Path) -> pd.DataFrame:
    # Text stays text: no "NA"/"None" to missing, no "007" to 7.
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")


def add_date_spans(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """span_start / span_end: the first and last day each feature covers (NaT when undated)."""
    starts, ends = [], []
    for start, end, precision in zip(gdf["date_start"], gdf["date_end"], gdf["date_precision"], strict=True):
        if is_blank(start):
            starts.append(pd.NaT)
            ends.append(pd.NaT)
            continue
        first, last = parse_partial_date(str(start), str(precision))
        if not is_blank(end):
            _, last = parse_partial_date(str(end), str(precision))
        starts.append(pd.Timestamp(first))
        ends.append(pd.Timestamp(last))
    gdf = gdf.copy()
    for column in ("count_low", "count_high"):
        if column in gdf.columns:
            gdf[column] = gdf[column].astype("Int64")
    gdf["span_start"] = pd.Series(starts, index=gdf.index, dtype="datetime64[ns]")
    gdf["span_end"] = pd.Series(ends, index=gdf.index, dtype="datetime64[ns]")
    return gdf


@dataclass(frozen=True)
class Dataset:
    layers: dict[str, gpd.GeoDataFrame]
    sources: pd.DataFrame
    rejected: pd.DataFrame
    version: str
    manifest: Manifest
    # Read from the store (geo.store): the dataset revision, its UTC time, and each row's (revision, time).
    revision: int | None = None
    row_revisions: Mapping[str, tuple[int, str]] = field(default_factory=dict)
    revised_at: str | None = None

    def total_features(self) -> int:
        """Features a filter can select: the undated context layers (CONTEXT_LAYERS) are not counted."""
        return sum(len(layer) for name, layer in self.layers.items() if name not in CONTEXT_LAYERS)

    def raw_counts(self) -> dict[str, dict[str, int]]:
        counts = {}
        for name, layer in self.layers.items():
            rejected_rows = self.rejected[self.rejected["layer"] == name]["row"].nunique()
            counts[name] = {"valid": len(layer), "rejected": int(rejected_rows)}
        return counts


# Columns the filters and the map read; a file may omit them (an empty layer has none at all).
EXPECTED_COLUMNS = (
    "id",
    "name_en",
    "kind",
    "confidence",
    "date_start",
    "date_end",
    "date_precision",
    "source_ids",
    "count_low",
    "count_high",
    "from_id",
    "to_id",
    "crossing_id",
    "crossing_ids",
    "used_2023_10_09",
    "count_confidence",
    "count_estimates",
)


def _validate_layer(raw: gpd.GeoDataFrame, layer: str, source_ids: set[str]) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    for column in EXPECTED_COLUMNS:
        if column not in raw.columns:
            raw[column] = pd.Series([None] * len(raw), index=raw.index, dtype=object)
    parse_rejections = [
        {"layer": layer, "row": position, "id": fid, "field": "geometry", "reason": error}
        for position, (fid, error) in enumerate(zip(raw["id"], raw[GEOMETRY_ERROR], strict=True))
        if error
    ]
    result = validate(raw.drop(columns=[GEOMETRY_ERROR]), layer, source_ids)
    bad_rows = {r["row"] for r in parse_rejections}
    positions = pd.Series(range(len(raw)), index=raw.index)
    valid = result.valid[~positions.loc[result.valid.index].isin(bad_rows)]
    rejected = pd.concat([result.rejected, pd.DataFrame(parse_rejections, columns=REJECTED_COLUMNS)], ignore_index=True)
    return add_date_spans(valid), rejected


def row_rejections(
    layer: str,
    record: Mapping[str, object],
    geometry: object,
    sources: pd.DataFrame,
    index: SourceIndex | None = None,
) -> list[tuple[str, str]]:
    """(field, reason) for everything the loader would reject in this one row: the row checks of
    schema.validate, then the confirmed rule and the count's own confidence (not the route endpoints,
    which need the other layers). Plain dicts: a store write costs milliseconds, not a DataFrame."""
    row = {**dict.fromkeys(EXPECTED_COLUMNS), **record, "geometry": geometry}
    problems = row_problems(row, LAYERS[layer], set(sources["id"]))
    if problems:
        return problems
    rules = confidence_rule_problems(pd.DataFrame([row], dtype=object), layer, index or SourceIndex.of(sources))
    return [(str(r["field"]), str(r["reason"])) for r in rules.to_dict("records")]


def load_dataset(data_dir: Path = DATA_DIR, cache_dir: Path | None = None) -> Dataset:
    """Every layer, validated, after checking each file against the manifest.

    With `cache_dir`, a dataset version loaded before is read from its columnar cache (geo.colcache,
    keyed by the manifest hash, the files' identities and the loading code), and a new one is written
    there. A cached load neither parses nor validates: the entry holds the validated rows and the
    rejected-rows report of exactly these files and this code."""
    if cache_dir is not None:
        manifest = read_manifest(data_dir)
        key = colcache.data_dir_key(data_dir, manifest, [SOURCES_FILE, *(f"{name}.geojson" for name in LAYERS)])
        cached = colcache.read_entry(cache_dir, key)
        if cached is not None:
            return cached
        dataset = load_dataset(data_dir)
        if dataset.manifest.version == manifest.version:
            colcache.write_entry(cache_dir, key, dataset, data_dir)
        return dataset
    manifest = read_manifest(data_dir)
    verify_file(data_dir, SOURCES_FILE, manifest)
    sources = read_sources(data_dir / SOURCES_FILE)
    raw_layers = {}
    for name in LAYERS:
        relative = f"{name}.geojson"
        verify_file(data_dir, relative, manifest)
        raw_layers[name] = read_geojson(data_dir / relative)
    return assemble_dataset(raw_layers, sources, manifest)


def arrow_text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """frame with each column of text only (a str in every row) in pandas' Arrow-backed string dtype.

    Part of the data contract: a text column that has a value in every row (id, kind, names, dates, notes)
    is held as Arrow strings, so a columnar-cache load hands pyarrow's buffers to pandas instead of
    making a Python string per row (issue 19). Elements, iteration and comparisons give str as before.
    A column with any missing value, list or number keeps its Python objects and its None."""
    converted = {name: frame[name].astype(TEXT_DTYPE) for name in frame.columns if _text_only(frame[name])}
    return frame.assign(**converted) if converted else frame


def _text_only(column: pd.Series) -> bool:
    return column.dtype == object and len(column) > 0 and pd.api.types.infer_dtype(column, skipna=False) == "string"


def assemble_dataset(
    raw_layers: dict[str, gpd.GeoDataFrame],
    sources: pd.DataFrame,
    manifest: Manifest,
    version: str | None = None,
    revision: int | None = None,
    row_revisions: Mapping[str, tuple[int, str]] | None = None,
    revised_at: str | None = None,
) -> Dataset:
    """Validate raw layers (as layer_frame builds them) into a Dataset: the one path for files and the store."""
    source_ids = set(sources["id"])
    layers: dict[str, gpd.GeoDataFrame] = {}
    rejected_parts = []
    for name in LAYERS:
        valid, rejected = _validate_layer(raw_layers[name], name, source_ids)
        layers[name] = valid
        rejected_parts.append(rejected)
    point_ids = set().union(*(set(layers[n]["id"]) for n in ("detention_centres", "crossings", "receiving_facilities")))
    endpoint_rejections = route_endpoint_problems(layers["routes"], point_ids, set(layers["crossings"]["id"]))
    if len(endpoint_rejections):
        bad_ids = set(endpoint_rejections["id"])
        layers["routes"] = layers["routes"][~layers["routes"]["id"].isin(bad_ids)]
        rejected_parts.append(endpoint_rejections)
    index = SourceIndex.of(sources)
    for name in LAYERS:  # the one definition of confirmed, and each count's own confidence
        rule_rejections = confidence_rule_problems(layers[name], name, index)
        if len(rule_rejections):
            layers[name] = layers[name][~layers[name]["id"].isin(set(rule_rejections["id"]))]
            rejected_parts.append(rule_rejections)
    rejected = (
        pd.concat(rejected_parts, ignore_index=True) if rejected_parts else pd.DataFrame(columns=REJECTED_COLUMNS)
    )
    version = version or manifest.version
    layers = {name: arrow_text_columns(gdf) for name, gdf in layers.items()}
    return Dataset(layers, sources, rejected, version, manifest, revision, dict(row_revisions or {}), revised_at)
