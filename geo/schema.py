"""The data contract as code: enumerations, layer specifications and validation.

Validation never fixes a row: it returns the valid rows and, for every rejected row, the
feature id, the field and the reason. Nothing is dropped silently.
"""

from __future__ import annotations

import calendar
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import pandas as pd
from shapely.geometry.base import BaseGeometry

CRS = "EPSG:4326"
# The region the basemap covers (lon_min, lat_min, lon_max, lat_max): ../shared/geodata/SOURCES.md.
REGION_BBOX: tuple[float, float, float, float] = (119.5, 38.0, 131.5, 44.5)

CONFIDENCE_LEVELS: tuple[str, ...] = ("confirmed", "single-source", "inferred", "unknown")
CONFIDENCE_LABELS = {
    "confirmed": "Confirmed (two or more independent sources)",
    "single-source": "Single source",
    "inferred": "Inferred (a deduction, not stated by any source)",
    "unknown": "Unknown",
}
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year", "approximate")
LOCATION_PRECISIONS: tuple[str, ...] = ("exact", "bridge_or_port", "town", "city", "region")
LOCATION_PRECISION_LABELS = {
    "exact": "exact point",
    "bridge_or_port": "bridge or port",
    "town": "town-level (facility not located)",
    "city": "city-level (facility not located)",
    "region": "region-level",
}
# A drawing convention per precision class, not a measurement; a feature may override it.
DEFAULT_UNCERTAINTY_M = {
    "exact": 50,
    "bridge_or_port": 500,
    "town": 3000,
    "city": 10000,
    "region": 50000,
}
EVENT_KINDS: tuple[str, ...] = (
    "repatriation",
    "arrest",
    "statement",
    "report",
    "policy",
    "context",
)
# Per-record visibility (geo/visibility.py applies it to every public output); blank = public.
VISIBILITIES: tuple[str, ...] = ("public", "generalised", "restricted")
EVIDENCE = ("reported", "inferred")
LEG_KINDS = ("origin", "handover")
COUNT_OF = (
    "returned",
    "returned_claim",
    "returned_total_since_2020",
    "held",
    "arrested",
    "deaths",
    "named_person",
    "voluntary_returnees",
)

_DATE_RE = {
    "year": re.compile(r"^\d{4}$"),
    "month": re.compile(r"^\d{4}-\d{2}$"),
    "day": re.compile(r"^\d{4}-\d{2}-\d{2}$"),
}


@dataclass(frozen=True)
class LayerSpec:
    name: str
    title: str
    kinds: tuple[str, ...]
    geometry_types: tuple[str, ...]
    geometry_required: bool = True
    required_text: tuple[str, ...] = ("id", "name_en", "kind", "confidence")
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "detention_centres",
            "Detention centres (China)",
            ("detention_centre",),
            ("Point",),
        ),
        LayerSpec(
            "crossings",
            "Border crossings",
            ("crossing",),
            ("Point",),
            required_text=("id", "name_en", "kind", "confidence", "side_cn_en", "side_kp_en"),
        ),
        LayerSpec(
            "receiving_facilities",
            "Receiving facilities (North Korea)",
            ("receiving_facility",),
            ("Point",),
        ),
        LayerSpec(
            "routes",
            "9 October 2023 transport legs",
            ("route_leg",),
            ("LineString",),
            required_text=(
                "id",
                "name_en",
                "kind",
                "confidence",
                "from_id",
                "to_id",
                "crossing_id",
            ),
            enums={"evidence": EVIDENCE, "leg": LEG_KINDS},
        ),
        LayerSpec(
            "events",
            "Timeline events",
            EVENT_KINDS,
            ("Point",),
            geometry_required=False,
        ),
    )
}


class DateError(ValueError):
    pass


def parse_partial_date(text: str, precision: str) -> tuple[date, date]:
    """The first and last day covered by a partial ISO date ('2023', '2023-10', '2023-10-09')."""
    if precision == "approximate":
        pattern = next((p for p in _DATE_RE.values() if p.match(text)), None)
    else:
        pattern = _DATE_RE.get(precision)
    if pattern is None or not pattern.match(text):
        raise DateError(f"'{text}' does not match date precision '{precision}'")
    parts = [int(p) for p in text.split("-")]
    year = parts[0]
    if year < 1:
        raise DateError(f"'{text}': year {year} does not exist")
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    month = parts[1]
    if not 1 <= month <= 12:
        raise DateError(f"'{text}': month {month} does not exist")
    last = calendar.monthrange(year, month)[1]
    if len(parts) == 2:
        return date(year, month, 1), date(year, month, last)
    day = parts[2]
    if not 1 <= day <= last:
        raise DateError(f"'{text}': day {day} does not exist in {year}-{month:02d}")
    return date(year, month, day), date(year, month, day)


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def as_id_list(value: object) -> list[str]:
    """Source ids are a list in GeoJSON and a ';'-joined string in flat formats."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _count_problem(value: object, name: str) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{name} must be a whole number or empty, got {value!r}"
    if value < 0:
        return f"{name} must not be negative, got {value}"
    return None


def _geometry_problem(geom: object, spec: LayerSpec) -> str | None:
    if geom is None or (isinstance(geom, float) and math.isnan(geom)):
        return "geometry is missing" if spec.geometry_required else None
    if not isinstance(geom, BaseGeometry):
        return f"geometry is not a geometry: {geom!r}"
    if geom.is_empty:
        return "geometry is empty"
    if geom.geom_type not in spec.geometry_types:
        return f"geometry type {geom.geom_type} not allowed (expected {', '.join(spec.geometry_types)})"
    if not geom.is_valid:
        return "geometry is invalid"
    coords = list(geom.coords) if geom.geom_type in ("Point", "LineString") else []
    if geom.geom_type == "LineString" and len(coords) < 2:
        return "a line needs at least two coordinates"
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    for x, y in coords:
        if not (math.isfinite(x) and math.isfinite(y)):
            return "coordinates are not finite numbers"
        if lon_min <= x <= lon_max and lat_min <= y <= lat_max:
            continue
        if lon_min <= y <= lon_max and lat_min <= x <= lat_max:
            return f"coordinates ({x}, {y}) look swapped: expected (longitude, latitude)"
        return f"coordinates ({x}, {y}) are outside the region {REGION_BBOX}"
    return None


def row_problems(row: Mapping[str, object], spec: LayerSpec, source_ids: set[str]) -> list[tuple[str, str]]:
    """Every (field, reason) that makes a row invalid; empty when the row is valid."""
    problems: list[tuple[str, str]] = []
    for name in spec.required_text:
        if is_blank(row.get(name)):
            problems.append((name, f"{name} is missing"))
    kind = row.get("kind")
    if not is_blank(kind) and kind not in spec.kinds:
        problems.append(("kind", f"unknown kind {kind!r} (expected one of {', '.join(spec.kinds)})"))
    confidence = row.get("confidence")
    if not is_blank(confidence) and confidence not in CONFIDENCE_LEVELS:
        problems.append(("confidence", f"unknown confidence {confidence!r}"))
    for name, allowed in spec.enums.items():
        value = row.get(name)
        if is_blank(value) or value not in allowed:
            problems.append((name, f"{name} must be one of {', '.join(allowed)}, got {value!r}"))
    if spec.name == "routes":
        if row.get("evidence") == "inferred" and is_blank(row.get("notes")):
            problems.append(("notes", "an inferred leg must give its reasoning in notes"))
        if row.get("schematic") is not True:
            problems.append(("schematic", "a leg drawn without road data must be marked schematic"))

    visibility = row.get("visibility")
    if not is_blank(visibility) and visibility not in VISIBILITIES:
        problems.append(("visibility", f"visibility must be one of {', '.join(VISIBILITIES)}, got {visibility!r}"))

    sources = as_id_list(row.get("source_ids"))
    if not sources:
        problems.append(("source_ids", "no source cited"))
    for sid in sources:
        if sid not in source_ids:
            problems.append(("source_ids", f"source {sid!r} is not in the sources table"))

    low, high = row.get("count_low"), row.get("count_high")
    for name, value in (("count_low", low), ("count_high", high)):
        problem = _count_problem(value, name)
        if problem:
            problems.append((name, problem))
    has_count = not is_blank(low) or not is_blank(high)
    count_sources = as_id_list(row.get("count_source_ids"))
    if has_count and not count_sources:
        problems.append(("count_source_ids", "a count without a source"))
    for sid in count_sources:
        if sid not in source_ids:
            problems.append(("count_source_ids", f"source {sid!r} is not in the sources table"))
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(("count_high", f"count_low {low} is greater than count_high {high}"))

    problems.extend(_date_problems(row))

    geom = row.get("geometry")
    geom_problem = _geometry_problem(geom, spec)
    if geom_problem:
        problems.append(("geometry", geom_problem))
    elif isinstance(geom, BaseGeometry) and spec.name != "routes":
        precision = row.get("location_precision")
        if precision not in LOCATION_PRECISIONS:
            problems.append(("location_precision", f"unknown location precision {precision!r}"))
        radius = row.get("uncertainty_m")
        if isinstance(radius, bool) or not isinstance(radius, int | float) or not radius > 0:
            problems.append(("uncertainty_m", f"uncertainty radius must be a positive number, got {radius!r}"))
    return problems


def _date_problems(row: Mapping[str, object]) -> list[tuple[str, str]]:
    start, end, precision = row.get("date_start"), row.get("date_end"), row.get("date_precision")
    if is_blank(start):
        if not is_blank(end):
            return [("date_start", "date_end given without date_start")]
        return []
    if precision not in DATE_PRECISIONS:
        return [("date_precision", f"unknown date precision {precision!r}")]
    try:
        first, _ = parse_partial_date(str(start), str(precision))
    except DateError as error:
        return [("date_start", str(error))]
    if is_blank(end):
        return []
    try:
        _, last = parse_partial_date(str(end), str(precision))
    except DateError as error:
        return [("date_end", str(error))]
    if last < first:
        return [("date_end", f"date_end {end} is before date_start {start}")]
    return []


@dataclass(frozen=True)
class ValidationResult:
    valid: gpd.GeoDataFrame
    rejected: pd.DataFrame  # columns: layer, row, id, field, reason


REJECTED_COLUMNS = ["layer", "row", "id", "field", "reason"]


def validate(gdf: gpd.GeoDataFrame, layer: str, source_ids: Iterable[str]) -> ValidationResult:
    """Split a layer into valid rows and rejected rows, each rejection with its reason."""
    spec = LAYERS[layer]
    known = set(source_ids)
    rejections: list[dict[str, object]] = []
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        reason = f"layer CRS is {gdf.crs.to_string() if gdf.crs else 'missing'}, expected {CRS}"
        for position, (_, row) in enumerate(gdf.iterrows()):
            rejections.append({"layer": layer, "row": position, "id": row.get("id"), "field": "crs", "reason": reason})
        return ValidationResult(gdf.iloc[0:0].copy(), pd.DataFrame(rejections, columns=REJECTED_COLUMNS))
    keep: list[bool] = []
    seen: set[str] = set()
    for position, record in enumerate(gdf.to_dict("records")):
        problems = row_problems(record, spec, known)
        fid = record.get("id")
        if isinstance(fid, str) and fid in seen:
            problems.append(("id", f"duplicate id {fid!r}"))
        if isinstance(fid, str):
            seen.add(fid)
        for field_name, reason in problems:
            rejections.append({"layer": layer, "row": position, "id": fid, "field": field_name, "reason": reason})
        keep.append(not problems)
    valid = gdf[pd.Series(keep, index=gdf.index, dtype=bool)].copy()
    return ValidationResult(valid, pd.DataFrame(rejections, columns=REJECTED_COLUMNS))


def route_endpoint_problems(routes: gpd.GeoDataFrame, point_ids: set[str], crossing_ids: set[str]) -> pd.DataFrame:
    """Legs whose endpoints or crossing do not exist in the point layers."""
    rows = []
    for position, record in enumerate(routes.to_dict("records")):
        for name, pool in (("from_id", point_ids), ("to_id", point_ids), ("crossing_id", crossing_ids)):
            if record.get(name) not in pool:
                rows.append(
                    {
                        "layer": "routes",
                        "row": position,
                        "id": record.get("id"),
                        "field": name,
                        "reason": f"{name} {record.get(name)!r} does not name a feature of the dataset",
                    }
                )
    return pd.DataFrame(rows, columns=REJECTED_COLUMNS)
