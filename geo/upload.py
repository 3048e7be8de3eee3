"""A researcher's own data: map an upload's columns onto the data contract, build and validate the layer.

Pure (no streamlit). The file itself is read in geo.upload_read (the reading boundary: sniffing, zip,
GeoJSON, CSV, the GeoPackage checks and GDAL, every limit) and its cells coerced in geo.upload_values.
**Reject, don't fix.** Every rejected row is reported with where it is (CSV line, GeoJSON feature,
GeoPackage FID), the contract field and the reason. Validation uses the same rules as the bundled data
(geo.schema.row_problems). Nothing is dropped silently and nothing is repaired.

Sources: a row may cite bundled sources by id (a `source_ids` column, ids separated by ";") and/or give
its own citation in a `source` column (free text or an http(s) URL). Each distinct `source` value becomes
one generated source row (ids U1, U2, … in order of first appearance) that lives only in the session; a
`source` value that is the id or the URL of a bundled source cites that source instead.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.csvfile import csv_text
from geo.details import FeatureDetails, source_entries
from geo.filters import FilterSpec, allowed_confidence, date_mask
from geo.i18n import N_, _
from geo.io import add_date_spans
from geo.schema import (
    CONFIDENCE_LEVELS,
    CRS,
    DATE_PRECISIONS,
    DEFAULT_UNCERTAINTY_M,
    LOCATION_PRECISIONS,
    as_text,
    row_problems,
)
from geo.text import (
    confidence_label,
    display_text,
    format_count,
    format_dates,
    location_label,
    precision_phrase,
    safe_url,
)
from geo.upload_read import (
    ALL_KINDS,
    UPLOAD_LAYER,
    UPLOAD_SPEC,
    UPLOAD_TITLE,
    RawTable,
    UploadError,
    _show,
    coordinate_problem,
    read_upload,
)
from geo.upload_values import count_value, date_value, decimal_value, id_list_value, spaces_problem, text_value

# --- the contract an upload is mapped onto ---------------------------------------------------------


AUTO = "auto"  # date_precision: read from the form of date_start; uncertainty_m: the drawing convention
GENERATED_ID_PREFIX = "upload-"
GENERATED_SOURCE_PREFIX = "U"

TEXT_FIELDS = ("id", "name_en", "name_ko", "name_zh", "notes")
ENUM_FIELDS: dict[str, tuple[str, ...]] = {
    "kind": ALL_KINDS,
    "confidence": CONFIDENCE_LEVELS,
    "date_precision": DATE_PRECISIONS,
    "location_precision": LOCATION_PRECISIONS,
}
# (field, label) in the order the mapping UI shows them.
MAPPABLE_FIELDS: tuple[tuple[str, str], ...] = (
    ("latitude", N_("Latitude (CSV only)")),
    ("longitude", N_("Longitude (CSV only)")),
    ("id", N_("Id")),
    ("name_en", N_("Name (English)")),
    ("name_ko", N_("Name (Korean)")),
    ("name_zh", N_("Name (Chinese)")),
    ("kind", N_("Kind")),
    ("date_start", N_("Date (start)")),
    ("date_end", N_("Date (end)")),
    ("date_precision", N_("Date precision")),
    ("location_precision", N_("Location precision")),
    ("uncertainty_m", N_("Uncertainty radius (m)")),
    ("confidence", N_("Confidence")),
    ("count_low", N_("Count (low)")),
    ("count_high", N_("Count (high)")),
    ("count_source_ids", N_("Ids of the sources of the count")),
    ("source_ids", N_("Ids of bundled sources")),
    ("source", N_("Your own source (text or URL)")),
    ("notes", N_("Notes")),
)
# Fields that may be given one value for every row instead of a column.
CONSTANT_FIELDS: dict[str, tuple[object, ...]] = {
    "kind": ALL_KINDS,
    "confidence": CONFIDENCE_LEVELS,
    "date_precision": (AUTO, *DATE_PRECISIONS),
    "location_precision": LOCATION_PRECISIONS,
    "uncertainty_m": (AUTO,),
}

_GUESSES: dict[str, tuple[str, ...]] = {
    "latitude": ("latitude", "lat", "y", "lat_dd", "latitude_dd"),
    "longitude": ("longitude", "lon", "lng", "long", "x", "lon_dd", "longitude_dd"),
    "id": ("id", "feature_id", "fid", "uid", "identifier", "ref"),
    "name_en": ("name_en", "name", "title", "label", "place", "place_name", "site", "name_english", "english"),
    "name_ko": ("name_ko", "name_kr", "korean", "name_korean", "ko", "이름"),
    "name_zh": ("name_zh", "name_cn", "chinese", "name_chinese", "zh", "名称"),
    "kind": ("kind", "type", "category", "class", "feature_type"),
    "date_start": ("date_start", "date", "start", "start_date", "date_from", "from", "begin", "when"),
    "date_end": ("date_end", "end", "end_date", "date_to", "to", "until"),
    "date_precision": ("date_precision", "time_precision", "precision_date"),
    "location_precision": ("location_precision", "loc_precision", "geo_precision", "precision"),
    "uncertainty_m": ("uncertainty_m", "uncertainty", "radius_m", "accuracy_m", "radius"),
    "confidence": ("confidence", "certainty", "reliability"),
    "count_low": ("count_low", "count_min", "min_count", "low", "count", "number", "people"),
    "count_high": ("count_high", "count_max", "max_count", "high", "count", "number", "people"),
    "count_source_ids": ("count_source_ids", "count_sources"),
    "source_ids": ("source_ids", "source_id", "sources_ids"),
    "source": ("source", "sources", "citation", "reference", "source_url", "url", "link"),
    "notes": ("notes", "note", "comment", "comments", "description", "remarks"),
}

UPLOAD_COLUMNS = [
    "id",
    "name_en",
    "name_ko",
    "name_zh",
    "kind",
    "date_start",
    "date_end",
    "date_precision",
    "location_precision",
    "uncertainty_m",
    "confidence",
    "count_low",
    "count_high",
    "count_source_ids",
    "source_ids",
    "notes",
    "upload_where",
]
REJECTED_COLUMNS = ["row", "where", "id", "field", "reason"]
SOURCE_COLUMNS = [
    "id",
    "outlet",
    "publisher",
    "title",
    "url",
    "alt_urls",
    "published",
    "date_precision",
    "date_note",
    "is_mirror",
    "mirror_urls",
    "mirror_of",
    "primary",
    "notes",
]


@dataclass(frozen=True)
class ColumnMapping:
    """Contract field -> upload column, and values that hold for every row."""

    columns: Mapping[str, str]
    constants: Mapping[str, object] = field(default_factory=dict)
    count_sources_from_row: bool = True  # a count without count_source_ids comes from the row's sources


@dataclass(frozen=True)
class ImportResult:
    layer: gpd.GeoDataFrame  # accepted rows, contract columns, EPSG:4326
    sources: pd.DataFrame  # generated from the `source` column, SOURCE_COLUMNS
    rejected: pd.DataFrame  # REJECTED_COLUMNS, one line per problem
    total: int

    @property
    def rejected_rows(self) -> int:
        return int(self.rejected["row"].dropna().nunique())


# --- mapping ---------------------------------------------------------------------------------------


def normalise_column(name: str) -> str:
    return re.sub(r"[^0-9a-z\u3131-\u318e\uac00-\ud7a3\u4e00-\u9fff]+", "_", name.strip().lower()).strip("_")


def guess_mapping(raw: RawTable) -> ColumnMapping:
    """Sensible guesses: name/title → name_en, lat/latitude/y, lon/lng/longitude/x, date/start → date_start…"""
    by_normal: dict[str, str] = {}
    for column in raw.columns:
        by_normal.setdefault(normalise_column(column), column)
    chosen: dict[str, str] = {}
    used: set[str] = set()
    for field_name, candidates in _GUESSES.items():
        if field_name in ("latitude", "longitude") and raw.has_geometry:
            continue
        for candidate in candidates:
            column = by_normal.get(candidate)
            shared = field_name == "count_high" and chosen.get("count_low") == column
            if column is not None and (column not in used or shared):
                chosen[field_name] = column
                used.add(column)
                break
    if raw.format == "CSV" and ("latitude" in chosen) != ("longitude" in chosen):
        chosen.pop("latitude", None)
        chosen.pop("longitude", None)
    constants: dict[str, object] = {"date_precision": AUTO, "uncertainty_m": AUTO}
    return ColumnMapping(chosen, constants)


# --- building the layer ----------------------------------------------------------------------------


def _generated_sources(values: Iterable[object], bundled: pd.DataFrame) -> tuple[dict[str, str], list[dict[str, str]]]:
    """A source id for each distinct `source` text: a bundled id or URL cites that source; anything else
    becomes a session-only source row U1, U2, …"""
    bundled_ids = set(bundled["id"]) if "id" in bundled else set()
    by_url = {str(u).strip(): sid for sid, u in zip(bundled.get("id", []), bundled.get("url", []), strict=False) if u}
    ids: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    number = 0
    for value in values:
        if not isinstance(value, str) or value.strip() == "" or value in ids:
            continue
        text = value.strip()
        if text in bundled_ids:
            ids[value] = text
            continue
        if text in by_url:
            ids[value] = by_url[text]
            continue
        number += 1
        while f"{GENERATED_SOURCE_PREFIX}{number}" in bundled_ids:
            number += 1
        sid = f"{GENERATED_SOURCE_PREFIX}{number}"
        url = safe_url(text)
        outlet = (urlsplit(text).hostname or text) if url else text
        rows.append(
            {
                "id": sid,
                "outlet": outlet,
                "title": "",
                "url": url or "",
                "alt_urls": "",
                "published": "",
                "date_precision": "",
                "date_note": "",
                "is_mirror": "false",
                "publisher": outlet,
                "mirror_urls": "",
                "mirror_of": "",
                "primary": "false",
                "notes": _("Cited in your upload (this session only); not checked by the Crossings project."),
            }
        )
        ids[value] = sid
    return ids, rows


def _cell(raw: RawTable, index: int, mapping: ColumnMapping, name: str) -> tuple[bool, object]:
    column = mapping.columns.get(name)
    if column:
        return True, raw.rows[index].get(column)
    return False, mapping.constants.get(name)


def build_layer(
    raw: RawTable,
    mapping: ColumnMapping,
    bundled_sources: pd.DataFrame,
    reserved_ids: Iterable[str] = (),
) -> ImportResult:
    """Map every row onto the contract, then validate it with geo.schema's rules. Nothing is fixed."""
    from_text = raw.format == "CSV"
    if not raw.has_geometry and not (mapping.columns.get("latitude") and mapping.columns.get("longitude")):
        raise UploadError(_("Choose the latitude and longitude columns of the CSV file."))
    reserved = set(reserved_ids)
    source_column = mapping.columns.get("source")
    source_texts = [row.get(source_column) for row in raw.rows] if source_column else []
    source_ids_for, generated = _generated_sources(source_texts, bundled_sources)
    known = set(bundled_sources["id"]) | {row["id"] for row in generated}

    accepted: list[dict[str, object]] = []
    rejections: list[dict[str, object]] = []
    seen: set[str] = set()
    for index in range(len(raw.rows)):
        record, problems = _map_row(raw, index, mapping, from_text, source_ids_for)
        fid = record.get("id")
        checked = row_problems(record, UPLOAD_SPEC, known)
        flagged = {name for name, _ in problems}
        if "geometry" in flagged:
            flagged |= {"location_precision", "uncertainty_m"}
        if "location_precision" in flagged and not mapping.columns.get("uncertainty_m"):
            flagged.add("uncertainty_m")  # the radius follows the precision: one problem, reported once
        problems.extend((name, reason) for name, reason in checked if name not in flagged)
        if isinstance(fid, str):
            if fid in reserved:
                problems.append(
                    ("id", _("id {fid} is already used by the bundled dataset; choose another", fid=_show(fid)))
                )
            elif fid in seen:
                problems.append(("id", _("duplicate id {fid}", fid=_show(fid))))
            seen.add(fid)
        for name, reason in problems:
            if (
                reason == _("{name} is missing", name=name)
                and name in CONSTANT_FIELDS
                and not mapping.columns.get(name)
            ):
                reason = _("{name} is missing: map a column or choose one value for every row", name=name)
            rejections.append({"row": index + 1, "where": raw.where[index], "id": fid, "field": name, "reason": reason})
        if not problems:
            record["upload_where"] = raw.where[index]
            accepted.append(record)

    used_sources = {sid for record in accepted for sid in [*record["source_ids"], *record["count_source_ids"]]}
    sources = pd.DataFrame([row for row in generated if row["id"] in used_sources], columns=SOURCE_COLUMNS)
    return ImportResult(
        layer=_to_layer(accepted),
        sources=sources,
        rejected=pd.DataFrame(rejections, columns=REJECTED_COLUMNS),
        total=len(raw.rows),
    )


def _map_row(
    raw: RawTable, index: int, mapping: ColumnMapping, from_text: bool, source_ids_for: Mapping[str, str]
) -> tuple[dict[str, object], list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = list(raw.row_problems[index])
    duplicated = set(raw.duplicate_keys[index]) if raw.duplicate_keys else set()
    for name, column in mapping.columns.items():
        if column in duplicated:
            problems.append((name, _("the property {column} appears twice in this feature", column=_show(column))))
    record: dict[str, object] = {}

    for name in TEXT_FIELDS:
        given, value = _cell(raw, index, mapping, name)
        if name == "id" and not given:
            record["id"] = f"{GENERATED_ID_PREFIX}{index + 1}"
            continue
        text, problem = text_value(name, value)
        if problem:
            problems.append((name, problem))
        elif name == "id" and spaces_problem(name, text):
            problems.append((name, spaces_problem(name, text)))
        record[name] = text if name == "id" or given else ""

    for name, allowed in ENUM_FIELDS.items():
        given, value = _cell(raw, index, mapping, name)
        if not given and (value == AUTO or value is None):
            record[name] = None
            continue
        text, problem = text_value(name, value)
        if problem:
            problems.append((name, problem))
        elif spaces_problem(name, text):
            problems.append((name, spaces_problem(name, text)))
        elif text is not None and text != "" and text not in allowed:
            problems.append(
                (
                    name,
                    _(
                        "{name} {text} is not one of: {expected}",
                        name=name,
                        text=_show(text),
                        expected=", ".join(allowed),
                    ),
                )
            )
        record[name] = text

    _given, start_raw = _cell(raw, index, mapping, "date_start")
    _given, end_raw = _cell(raw, index, mapping, "date_end")
    start, start_precision, problem = date_value("date_start", start_raw)
    if problem:
        problems.append(("date_start", problem))
    end, _precision, problem = date_value("date_end", end_raw)
    if problem:
        problems.append(("date_end", problem))
    record["date_start"], record["date_end"] = start, end
    if record["date_precision"] is None and start_precision:
        record["date_precision"] = start_precision

    for name in ("count_low", "count_high"):
        _given, value = _cell(raw, index, mapping, name)
        number, problem = count_value(name, value, from_text)
        if problem:
            problems.append((name, problem))
        record[name] = number

    given, value = _cell(raw, index, mapping, "uncertainty_m")
    if given:
        radius, problem = decimal_value("uncertainty_m", value, from_text)
        if problem:
            problems.append(("uncertainty_m", problem))
        record["uncertainty_m"] = radius
    else:
        record["uncertainty_m"] = DEFAULT_UNCERTAINTY_M.get(str(record.get("location_precision")))

    _given, value = _cell(raw, index, mapping, "source_ids")
    ids, problem = id_list_value("source_ids", value)
    if problem:
        problems.append(("source_ids", problem))
    ids = list(ids or [])
    given, value = _cell(raw, index, mapping, "source")
    if given and value is not None:
        text, problem = text_value("source", value)
        if problem:
            problems.append(("source", problem))
        elif text and text.strip():
            sid = source_ids_for.get(text)
            if sid and sid not in ids:
                ids.append(sid)
    record["source_ids"] = ids
    _given, value = _cell(raw, index, mapping, "count_source_ids")
    count_ids, problem = id_list_value("count_source_ids", value)
    if problem:
        problems.append(("count_source_ids", problem))
    count_ids = list(count_ids or [])
    has_count = record["count_low"] is not None or record["count_high"] is not None
    if not count_ids and has_count and mapping.count_sources_from_row:
        count_ids = list(ids)
    record["count_source_ids"] = count_ids

    record["geometry"] = None
    if raw.has_geometry:
        geometry_problem_text = raw.geometry_problems[index] if raw.geometry_problems else None
        if geometry_problem_text:
            problems.append(("geometry", geometry_problem_text))
        else:
            record["geometry"] = raw.geometries[index]  # type: ignore[index]
    else:
        _given, lat_raw = _cell(raw, index, mapping, "latitude")
        _given, lon_raw = _cell(raw, index, mapping, "longitude")
        lat, lat_problem = decimal_value("latitude", lat_raw, from_text)
        lon, lon_problem = decimal_value("longitude", lon_raw, from_text)
        if lat_problem or lon_problem:
            problems.extend((n, p) for n, p in (("latitude", lat_problem), ("longitude", lon_problem)) if p)
            problems.append(("geometry", _("no point: the latitude or longitude cannot be read")))
        elif lat is None or lon is None:
            problems.append(("geometry", _("geometry is empty: latitude or longitude is missing")))
        else:
            problem = coordinate_problem(lon, lat, "CSV")
            if problem:
                problems.append(("geometry", problem))
            else:
                record["geometry"] = shapely.Point(lon, lat)

    geometry = record["geometry"]
    kind = record.get("kind")
    if isinstance(geometry, BaseGeometry) and isinstance(kind, str) and kind in ALL_KINDS:
        if kind == "route_leg" and geometry.geom_type != "LineString":
            problems.append(("geometry", _("a route_leg must be a line (LineString)")))
        if kind != "route_leg" and geometry.geom_type == "LineString":
            problems.append(("kind", _("a line must have kind route_leg, not {kind}", kind=_show(kind))))
    if record.get("location_precision") is None and "location_precision" not in {n for n, _ in problems}:
        problems.append(
            ("location_precision", _("location_precision is missing: map a column or choose one value for every row"))
        )
    return record, problems


def _to_layer(records: list[dict[str, object]]) -> gpd.GeoDataFrame:
    if not records:
        empty = pd.DataFrame({c: pd.Series([], dtype=object) for c in UPLOAD_COLUMNS})
        layer = gpd.GeoDataFrame(empty, geometry=gpd.GeoSeries([], crs=CRS), crs=CRS)
        layer["span_start"] = pd.Series([], dtype="datetime64[ns]")
        layer["span_end"] = pd.Series([], dtype="datetime64[ns]")
        for column in ("count_low", "count_high"):
            layer[column] = layer[column].astype("Int64")
        return layer
    geometries = [r.pop("geometry") for r in records]
    frame = pd.DataFrame(records, columns=UPLOAD_COLUMNS, dtype=object)
    layer = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=CRS), crs=CRS)
    return add_date_spans(layer)


def import_upload(
    name: str,
    data: bytes,
    bundled_sources: pd.DataFrame,
    reserved_ids: Iterable[str] = (),
    mapping: ColumnMapping | None = None,
) -> ImportResult:
    """Read, guess the mapping (unless given) and build: the whole pipeline in one call."""
    raw = read_upload(name, data)
    return build_layer(raw, mapping or guess_mapping(raw), bundled_sources, reserved_ids)


# --- using the layer -------------------------------------------------------------------------------


def filter_uploaded(layer: gpd.GeoDataFrame, spec: FilterSpec) -> gpd.GeoDataFrame:
    """The shared filters applied to an upload. Uploaded rows are not linked to crossings, so a crossing
    filter hides them (the filter sentence names crossings; unrelated rows would contradict it)."""
    if not len(layer) or spec.crossings:
        return layer.iloc[0:0]
    mask = layer["confidence"].isin(allowed_confidence(spec.min_confidence))
    mask &= date_mask(layer, spec.date_from, spec.date_to)
    if spec.kinds:
        mask &= layer["kind"].isin(spec.kinds)
    return layer[mask]


def uploaded_feature_details(
    layer: gpd.GeoDataFrame, sources: pd.DataFrame, fid: str, kind_labels: Mapping[str, str]
) -> FeatureDetails | None:
    """The details panel's view of an uploaded feature; sources are the bundled ones plus the generated."""
    match = layer[layer["id"] == fid]
    if not len(match):
        return None
    row = match.iloc[0].to_dict()
    geometry = row.get("geometry")
    location = None
    if isinstance(geometry, BaseGeometry) and geometry.geom_type == "Point":
        precision = location_label(row.get("location_precision"), row.get("uncertainty_m"))
        location = f"{geometry.y:.4f}° N, {geometry.x:.4f}° E — {precision}"

    kind = as_text(row.get("kind"))
    return FeatureDetails(
        id=fid,
        layer=UPLOAD_LAYER,
        layer_title=UPLOAD_TITLE,
        kind=f"{kind_labels.get(kind, kind)} — from your upload ({as_text(row.get('upload_where'))})",
        name_en=as_text(row.get("name_en")),
        name_ko=as_text(row.get("name_ko")),
        name_zh=as_text(row.get("name_zh")),
        reported="",
        dates=format_dates(row.get("date_start"), row.get("date_end"), row.get("date_precision")),
        date_precision=precision_phrase(row.get("date_precision")) if as_text(row.get("date_start")) else "",
        count=format_count(row.get("count_low"), row.get("count_high")),
        count_note="",
        confidence=confidence_label(row.get("confidence")),
        location=location,
        facts=(),
        notes=as_text(row.get("notes")),
        sources=source_entries(sources, row.get("source_ids")),
        count_sources=source_entries(sources, row.get("count_source_ids")),
        coord_sources=(),
    )


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """A table for the page: bidi controls in text shown as [U+202E], not applied (the CSV keeps the data)."""
    table = table.copy()
    for column in table.columns:
        if pd.api.types.is_object_dtype(table[column]) or pd.api.types.is_string_dtype(table[column]):
            table[column] = [display_text(v) if isinstance(v, str) else v for v in table[column]]
    return table


def combined_sources(bundled: pd.DataFrame, generated: pd.DataFrame) -> pd.DataFrame:
    if not len(generated):
        return bundled
    return pd.concat([bundled, generated.astype(str)], ignore_index=True)


def rejection_summary(rejected: pd.DataFrame, top: int = 5) -> list[tuple[str, int]]:
    """The most frequent (field: reason-pattern) pairs, numbers and quoted values folded, for a quick read."""
    if not len(rejected):
        return []
    patterns = [
        f"{field_name}: " + re.sub(r"'[^']*'|\"[^\"]*\"|-?\d+(\.\d+)?", "…", str(reason))
        for field_name, reason in zip(rejected["field"], rejected["reason"], strict=True)
    ]
    return Counter(patterns).most_common(top)


# --- an example a researcher can start from ---------------------------------------------------------

EXAMPLE_NAME = "crossings-upload-example.csv"
EXAMPLE_CSV = (
    "id,name,name_ko,name_zh,kind,date,location_precision,confidence,count,source,notes\n"
    "my-1,Example: interview place (Yanji),연길,延吉,arrest,2023-10,city,single-source,,"
    '"Own interview notes, March 2024",Replace these rows with your own.\n'
    "my-2,Example: reported holding site (Tumen),도문,图们,detention_centre,2023-10-09T21:00:00+08:00,city,"
    "single-source,NA,https://example.org/report,\"Count 'NA' is rejected: leave it empty when unknown.\"\n"
    "my-3,Example: border town (Hyesan),혜산,惠山,context,03/04/2023,town,inferred,,"
    '"Own interview notes, March 2024","An ambiguous date (03/04/2023) is rejected."\n'
)
EXAMPLE_COORDINATES = {"my-1": (42.8870, 129.5076), "my-2": (42.9668, 129.8447), "my-3": (41.3918, 128.1927)}


def example_csv() -> str:
    """The example with latitude and longitude columns added, written by the one CSV writer."""
    header, *rows = csv.reader(io.StringIO(EXAMPLE_CSV))
    with_points = [[*row, *EXAMPLE_COORDINATES[row[0]]] for row in rows]
    return csv_text([*header, "latitude", "longitude"], with_points)
