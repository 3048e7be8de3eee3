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

from geo.i18n import N_, _

CRS = "EPSG:4326"
# Text with a value in every row (geo.io.arrow_text_columns): pandas' own Arrow-backed "str".
TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=float("nan"))
# The region the basemap covers (lon_min, lat_min, lon_max, lat_max): geodata/SOURCES.md.
REGION_BBOX: tuple[float, float, float, float] = (119.5, 38.0, 131.5, 44.5)

CONFIDENCE_LEVELS: tuple[str, ...] = ("confirmed", "single-source", "inferred", "unknown")
# One definition of "confirmed", said in the same words by the README, the About page and the legend,
# and enforced by `python -m geo validate` (confidence_rule_problems).
CONFIRMED_DEFINITION = N_(
    "two or more independent outlets (a repost or mirror of the same article counts once), "
    "or a primary document (a UN, court or government text)"
)
CONFIDENCE_LABELS = {
    "confirmed": N_("Confirmed (two or more independent outlets, or a primary document)"),
    "single-source": N_("Single source"),
    "inferred": N_("Inferred (a deduction, not stated by any source)"),
    "unknown": N_("Unknown"),
}
DATE_PRECISIONS: tuple[str, ...] = ("day", "month", "year", "approximate")
LOCATION_PRECISIONS: tuple[str, ...] = ("exact", "bridge_or_port", "town", "city", "region")
LOCATION_PRECISION_LABELS = {
    "exact": N_("exact point"),
    "bridge_or_port": N_("bridge or port"),
    "town": N_("town-level (facility not located)"),
    "city": N_("city-level (facility not located)"),
    "region": N_("region-level"),
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
    "returned_total_since_2024",
    "held",
    "arrested",
    "deaths",
    "named_person",
    "voluntary_returnees",
)

# A count has its own confidence, apart from the feature's ("crossing used: confirmed; about 300: single source").
COUNT_CONFIDENCE_LEVELS: tuple[str, ...] = ("confirmed", "single-source", "conflicting", "inferred")
COUNT_CONFIDENCE_LABELS = {
    "confirmed": N_("confirmed"),
    "single-source": N_("single source"),
    "conflicting": N_("estimates conflict"),
    "inferred": N_("inferred"),
}

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
            N_("Detention centres (China)"),
            ("detention_centre",),
            ("Point",),
        ),
        LayerSpec(
            "crossings",
            N_("Border crossings"),
            ("crossing",),
            ("Point",),
            required_text=("id", "name_en", "kind", "confidence", "side_cn_en", "side_kp_en"),
        ),
        LayerSpec(
            "receiving_facilities",
            N_("Receiving facilities (North Korea)"),
            ("receiving_facility",),
            ("Point",),
        ),
        LayerSpec(
            "routes",
            N_("9 October 2023 transport legs"),
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
        # NKDB's usual routes over the years: undated context, never a leg of 9 October 2023.
        LayerSpec(
            "regular_routes",
            N_("Regular routes (NKDB), not 9 October"),
            ("regular_route",),
            ("LineString",),
            required_text=("id", "name_en", "kind", "confidence", "side_cn_en", "side_kp_en"),
            enums={"evidence": EVIDENCE},
        ),
        LayerSpec(
            "events",
            N_("Timeline events"),
            EVENT_KINDS,
            ("Point",),
            geometry_required=False,
        ),
    )
}


# Undated context layers: outside the date filter, and not counted among the features a filter shows
# (NKDB's regular routes are usual routes over the years, not events of any date range).
CONTEXT_LAYERS: tuple[str, ...] = ("regular_routes",)


class DateError(ValueError):
    pass


def parse_partial_date(text: str, precision: str) -> tuple[date, date]:
    """The first and last day covered by a partial ISO date ('2023', '2023-10', '2023-10-09')."""
    if precision == "approximate":
        pattern = next((p for p in _DATE_RE.values() if p.match(text)), None)
    else:
        pattern = _DATE_RE.get(precision)
    if pattern is None or not pattern.match(text):
        raise DateError(_("'{text}' does not match date precision '{precision}'", text=text, precision=precision))
    parts = [int(p) for p in text.split("-")]
    year = parts[0]
    if year < 1:
        raise DateError(_("'{text}': year {year} does not exist", text=text, year=year))
    if len(parts) == 1:
        return date(year, 1, 1), date(year, 12, 31)
    month = parts[1]
    if not 1 <= month <= 12:
        raise DateError(_("'{text}': month {month} does not exist", text=text, month=month))
    last = calendar.monthrange(year, month)[1]
    if len(parts) == 2:
        return date(year, month, 1), date(year, month, last)
    day = parts[2]
    if not 1 <= day <= last:
        raise DateError(
            _("'{text}': day {day} does not exist in {year}-{month:02d}", text=text, day=day, year=year, month=month)
        )
    return date(year, month, day), date(year, month, day)


def is_missing(value: object) -> bool:
    """No value at all: None, NaN, pd.NA or NaT. An empty string is a value here (see is_blank)."""
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN and NaT differ from themselves
    except TypeError:  # pd.NA has no truth value
        return True


def is_blank(value: object) -> bool:
    """No value, or a string of nothing but whitespace: what a required text field must not be."""
    return is_missing(value) or (isinstance(value, str) and value.strip() == "")


def as_text(value: object) -> str:
    """A cell as display text: "" for a blank one."""
    return "" if is_blank(value) else str(value)


def as_id_list(value: object) -> list[str]:
    """Source ids are a list in GeoJSON and a ';'-joined string in flat formats."""
    if is_blank(value):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


# The contract's bounds for numbers: a count is below 10^9 (more than every person alive in the region),
# an uncertainty radius is positive and at most 1,000 km (the mapped region is about 1,000 km across).
COUNT_LIMIT = 10**9  # exclusive
MAX_UNCERTAINTY_M = 1_000_000


def _digits(number: int) -> int:
    """Decimal digits without converting (str() refuses more than 4,300 digits)."""
    digits = int(abs(number).bit_length() * math.log10(2)) + 1
    return digits - (abs(number) < 10 ** (digits - 1))


def _count_problem(value: object, name: str) -> str | None:
    if is_blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return _("{name} must be a whole number or empty, got {value!r}", name=name, value=value)
    if value < 0:
        return _("{name} must not be negative, got {value}", name=name, value=value)
    if value >= COUNT_LIMIT:
        return _(
            "{name} must be below {count_limit:,}, got a number of {digits:,} digits",
            name=name,
            count_limit=COUNT_LIMIT,
            digits=_digits(value),
        )
    return None


def uncertainty_problem(radius: object) -> str | None:
    """Why a radius in metres is not accepted: not a number, not positive, not finite, over 1,000 km."""
    if isinstance(radius, bool) or not isinstance(radius, int | float) or not radius > 0:
        return _("uncertainty radius must be a positive number, got {radius!r}", radius=radius)
    if radius > MAX_UNCERTAINTY_M:  # inf included; a huge int is compared exactly, never converted
        if isinstance(radius, float):
            shown = _("{radius:.3g} m", radius=radius)
        else:
            shown = (
                _("{radius:,} m", radius=radius)
                if radius < 10**15
                else _("a number of {digits:,} digits", digits=_digits(radius))
            )
        return _(
            "uncertainty radius must be at most {max_uncertainty_m:,} m (1,000 km), got {shown}",
            max_uncertainty_m=MAX_UNCERTAINTY_M,
            shown=shown,
        )
    return None


def _geometry_problem(geom: object, spec: LayerSpec) -> str | None:
    if geom is None or (isinstance(geom, float) and math.isnan(geom)):
        return _("geometry is missing") if spec.geometry_required else None
    if not isinstance(geom, BaseGeometry):
        return _("geometry is not a geometry: {geom!r}", geom=geom)
    if geom.is_empty:
        return _("geometry is empty")
    if geom.geom_type not in spec.geometry_types:
        return _(
            "geometry type {geom_type} not allowed (expected {expected})",
            geom_type=geom.geom_type,
            expected=", ".join(spec.geometry_types),
        )
    if not geom.is_valid:
        return _("geometry is invalid")
    coords = list(geom.coords) if geom.geom_type in ("Point", "LineString") else []
    if geom.geom_type == "LineString" and len(coords) < 2:
        return _("a line needs at least two coordinates")
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    for x, y in coords:
        if not (math.isfinite(x) and math.isfinite(y)):
            return _("coordinates are not finite numbers")
        if lon_min <= x <= lon_max and lat_min <= y <= lat_max:
            continue
        if lon_min <= y <= lon_max and lat_min <= x <= lat_max:
            return _("coordinates ({x}, {y}) look swapped: expected (longitude, latitude)", x=x, y=y)
        return _("coordinates ({x}, {y}) are outside the region {region_bbox}", x=x, y=y, region_bbox=REGION_BBOX)
    return None


def row_problems(row: Mapping[str, object], spec: LayerSpec, source_ids: set[str]) -> list[tuple[str, str]]:
    """Every (field, reason) that makes a row invalid; empty when the row is valid."""
    problems: list[tuple[str, str]] = []
    for name in spec.required_text:
        if is_blank(row.get(name)):
            problems.append((name, _("{name} is missing", name=name)))
    kind = row.get("kind")
    if not is_blank(kind) and kind not in spec.kinds:
        problems.append(
            ("kind", _("unknown kind {kind!r} (expected one of {expected})", kind=kind, expected=", ".join(spec.kinds)))
        )
    confidence = row.get("confidence")
    if not is_blank(confidence) and confidence not in CONFIDENCE_LEVELS:
        problems.append(("confidence", _("unknown confidence {confidence!r}", confidence=confidence)))
    count_of = row.get("count_of")  # optional: what a count counts, when there is one
    if not is_blank(count_of) and count_of not in COUNT_OF:
        problems.append(
            (
                "count_of",
                _(
                    "unknown count_of {count_of!r} (expected one of {expected})",
                    count_of=count_of,
                    expected=", ".join(COUNT_OF),
                ),
            )
        )
    for name, allowed in spec.enums.items():
        value = row.get(name)
        if is_blank(value) or value not in allowed:
            problems.append(
                (
                    name,
                    _(
                        "{name} must be one of {expected}, got {value!r}",
                        name=name,
                        expected=", ".join(allowed),
                        value=value,
                    ),
                )
            )
    if spec.name == "routes" and row.get("evidence") == "inferred" and is_blank(row.get("notes")):
        problems.append(("notes", _("an inferred leg must give its reasoning in notes")))
    if spec.name in ("routes", "regular_routes") and row.get("schematic") is not True:
        problems.append(("schematic", _("a line drawn without road data must be marked schematic")))
    if spec.name == "regular_routes" and not is_blank(row.get("date_start")):
        problems.append(("date_start", _("a regular route is undated context: NKDB gives no date for it")))

    visibility = row.get("visibility")
    if not is_blank(visibility) and visibility not in VISIBILITIES:
        problems.append(
            (
                "visibility",
                _(
                    "visibility must be one of {expected}, got {visibility!r}",
                    expected=", ".join(VISIBILITIES),
                    visibility=visibility,
                ),
            )
        )

    sources = as_id_list(row.get("source_ids"))
    if not sources:
        problems.append(("source_ids", _("no source cited")))
    for sid in sources:
        if sid not in source_ids:
            problems.append(("source_ids", _("source {sid!r} is not in the sources table", sid=sid)))

    low, high = row.get("count_low"), row.get("count_high")
    for name, value in (("count_low", low), ("count_high", high)):
        problem = _count_problem(value, name)
        if problem:
            problems.append((name, problem))
    has_count = not is_blank(low) or not is_blank(high)
    count_sources = as_id_list(row.get("count_source_ids"))
    if has_count and not count_sources:
        problems.append(("count_source_ids", _("a count without a source")))
    for sid in count_sources:
        if sid not in source_ids:
            problems.append(("count_source_ids", _("source {sid!r} is not in the sources table", sid=sid)))
    if isinstance(low, int) and isinstance(high, int) and low > high:
        problems.append(("count_high", _("count_low {low} is greater than count_high {high}", low=low, high=high)))

    problems.extend(_date_problems(row))

    geom = row.get("geometry")
    geom_problem = _geometry_problem(geom, spec)
    if geom_problem:
        problems.append(("geometry", geom_problem))
    elif isinstance(geom, BaseGeometry) and spec.name != "routes":
        precision = row.get("location_precision")
        if precision not in LOCATION_PRECISIONS:
            problems.append(("location_precision", _("unknown location precision {precision!r}", precision=precision)))
        radius_problem = uncertainty_problem(row.get("uncertainty_m"))
        if radius_problem:
            problems.append(("uncertainty_m", radius_problem))
    return problems


def _date_problems(row: Mapping[str, object]) -> list[tuple[str, str]]:
    start, end, precision = row.get("date_start"), row.get("date_end"), row.get("date_precision")
    if is_blank(start):
        if not is_blank(end):
            return [("date_start", _("date_end given without date_start"))]
        return []
    if precision not in DATE_PRECISIONS:
        return [("date_precision", _("unknown date precision {precision!r}", precision=precision))]
    try:
        first, _last = parse_partial_date(str(start), str(precision))
    except DateError as error:
        return [("date_start", str(error))]
    if is_blank(end):
        return []
    try:
        _first, last = parse_partial_date(str(end), str(precision))
    except DateError as error:
        return [("date_end", str(error))]
    if last < first:
        return [("date_end", _("date_end {end} is before date_start {start}", end=end, start=start))]
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
        reason = _("layer CRS is {text}, expected {crs}", text=gdf.crs.to_string() if gdf.crs else "missing", crs=CRS)
        for position, (_index, row) in enumerate(gdf.iterrows()):
            rejections.append({"layer": layer, "row": position, "id": row.get("id"), "field": "crs", "reason": reason})
        return ValidationResult(gdf.iloc[0:0].copy(), pd.DataFrame(rejections, columns=REJECTED_COLUMNS))
    keep: list[bool] = []
    seen: set[str] = set()
    for position, record in enumerate(gdf.to_dict("records")):
        problems = row_problems(record, spec, known)
        fid = record.get("id")
        if isinstance(fid, str) and fid in seen:
            problems.append(("id", _("duplicate id {fid!r}", fid=fid)))
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
                        "reason": _(
                            "{name} {value!r} does not name a feature of the dataset", name=name, value=record.get(name)
                        ),
                    }
                )
    return pd.DataFrame(rows, columns=REJECTED_COLUMNS)


# ---------------------------------------------------------------- the confirmed rule and count confidence


@dataclass(frozen=True)
class SourceIndex:
    """Who published each source (a repost counts as its original) and which are primary documents."""

    publisher: Mapping[str, str]
    primary: frozenset[str]

    @classmethod
    def of(cls, sources: pd.DataFrame) -> SourceIndex:
        records = sources.to_dict("records")
        by_id = {str(r.get("id")): r for r in records}

        def outlet_of(sid: str, seen: frozenset[str] = frozenset()) -> str:
            row = by_id.get(sid, {})
            original = str(row.get("mirror_of") or "").strip()
            if original and original in by_id and original not in seen:
                return outlet_of(original, seen | {sid})
            return str(row.get("publisher") or row.get("outlet") or sid).strip().casefold()

        primary = frozenset(sid for sid, r in by_id.items() if str(r.get("primary") or "").strip() == "true")
        return cls({sid: outlet_of(sid) for sid in by_id}, primary)

    def outlets(self, ids: Iterable[str]) -> set[str]:
        return {self.publisher.get(sid, sid) for sid in ids}

    def confirms(self, ids: Iterable[str]) -> bool:
        ids = list(ids)
        return len(self.outlets(ids)) >= 2 or any(sid in self.primary for sid in ids)


@dataclass(frozen=True)
class Estimate:
    low: int
    high: int | None  # None: "more than low", no upper bound
    source_ids: tuple[str, ...]

    def values(self) -> set[int]:
        return {self.low} if self.high is None else {self.low, self.high}


_ESTIMATE_RE = re.compile(r"^(\d+)(?:-(\d+)|(\+))?\s+([A-Za-z0-9-]+(?:\s*,\s*[A-Za-z0-9-]+)*)$")


def parse_count_estimates(text: object) -> list[Estimate]:
    """'60 S33; 50-60 S27; 200+ S23': each estimate of a conflicting count and who gives it."""
    if is_blank(text):
        return []
    estimates = []
    for part in str(text).split(";"):
        match = _ESTIMATE_RE.match(part.strip())
        if not match:
            raise ValueError(
                _("count_estimates item {item!r} is not 'N SID', 'N-M SID' or 'N+ SID'", item=part.strip())
            )
        low = int(match.group(1))
        high = None if match.group(3) else int(match.group(2) or low)
        if high is not None and high < low:
            raise ValueError(
                _("count_estimates item {item!r}: {low} is greater than {high}", item=part.strip(), low=low, high=high)
            )
        estimates.append(Estimate(low, high, tuple(s.strip() for s in match.group(4).split(","))))
    return estimates


def _int(value: object) -> int | None:
    if is_blank(value) or value is pd.NA:
        return None
    return int(value)  # type: ignore[arg-type]


def count_rule_problems(row: Mapping[str, object], index: SourceIndex) -> list[tuple[str, str]]:
    """A count's own confidence: present, known, and true to its sources and estimates."""
    low, high = _int(row.get("count_low")), _int(row.get("count_high"))
    level = row.get("count_confidence")
    estimates_text = row.get("count_estimates")
    if low is None and high is None:
        if not is_blank(level) or not is_blank(estimates_text):
            return [("count_confidence", _("count_confidence or count_estimates given without a count"))]
        return []
    if is_blank(level):
        return [("count_confidence", _("a count needs its own confidence (count_confidence)"))]
    if level not in COUNT_CONFIDENCE_LEVELS:
        return [("count_confidence", _("unknown count confidence {level!r}", level=level))]
    count_ids = as_id_list(row.get("count_source_ids"))
    if level == "confirmed" and not index.confirms(count_ids):
        outlets = ", ".join(sorted(index.outlets(count_ids))) or "none"
        return [
            (
                "count_confidence",
                _(
                    "count labelled confirmed, but its sources are {count} outlet(s) ({outlets}) and "
                    "no primary document: confirmed means {confirmed_definition}",
                    count=len(index.outlets(count_ids)),
                    outlets=outlets,
                    confirmed_definition=_(CONFIRMED_DEFINITION),
                ),
            )
        ]
    if level != "conflicting":
        if not is_blank(estimates_text):
            return [("count_estimates", _("count_estimates belong to a conflicting count only"))]
        return []
    try:
        estimates = parse_count_estimates(estimates_text)
    except ValueError as error:
        return [("count_estimates", str(error))]
    values = set().union(*(e.values() for e in estimates)) if estimates else set()
    if len(estimates) < 2 or len(values) < 2:
        return [
            ("count_estimates", _("a conflicting count lists at least two different estimates, each with its source"))
        ]
    missing = sorted({sid for e in estimates for sid in e.source_ids} - set(count_ids))
    if missing:
        return [
            (
                "count_estimates",
                _("estimate sources {expected} are not in count_source_ids", expected=", ".join(missing)),
            )
        ]
    want_low = min(e.low for e in estimates)
    want_high = None if any(e.high is None for e in estimates) else max(e.high for e in estimates)  # type: ignore[type-var]
    if (low, high) != (want_low, want_high):
        return [
            (
                "count_low",
                _(
                    "the range {low}–{high} is not the span of its estimates "
                    "({want_low}–{want_high}, empty meaning no upper bound)",
                    low=low,
                    high=high,
                    want_low=want_low,
                    want_high=want_high,
                ),
            )
        ]
    return []


def confidence_rule_problems(gdf: gpd.GeoDataFrame, layer: str, index: SourceIndex) -> pd.DataFrame:
    """Rows whose 'confirmed' does not meet the one definition, or whose count confidence is missing or untrue."""
    rows = []
    for position, record in enumerate(gdf.to_dict("records")):
        problems = []
        if record.get("confidence") == "confirmed" and not index.confirms(as_id_list(record.get("source_ids"))):
            ids = as_id_list(record.get("source_ids"))
            outlets = ", ".join(sorted(index.outlets(ids))) or "none"
            problems.append(
                (
                    "confidence",
                    _(
                        "labelled confirmed, but its sources are {count} outlet(s) ({outlets}) and "
                        "no primary document: confirmed means {confirmed_definition}; label it "
                        "single-source",
                        count=len(index.outlets(ids)),
                        outlets=outlets,
                        confirmed_definition=_(CONFIRMED_DEFINITION),
                    ),
                )
            )
        problems.extend(count_rule_problems(record, index))
        rows.extend(
            {"layer": layer, "row": position, "id": record.get("id"), "field": name, "reason": reason}
            for name, reason in problems
        )
    return pd.DataFrame(rows, columns=REJECTED_COLUMNS)


SOURCE_FLAGS = ("is_mirror", "primary")


def sources_table_problems(sources: pd.DataFrame) -> list[str]:
    """The columns the confirmed rule reads: publisher, primary, mirror_of."""
    problems = []
    for column in ("publisher", "primary", "mirror_of"):
        if column not in sources.columns:
            problems.append(
                _("data/sources.csv: column {column!r} is missing (the confirmed rule needs it)", column=column)
            )
    if problems:
        return problems
    ids = set(sources["id"])
    for record in sources.to_dict("records"):
        sid = record["id"]
        if is_blank(record.get("publisher")):
            problems.append(_("data/sources.csv: {sid}: publisher is empty", sid=sid))
        for flag in SOURCE_FLAGS:
            if flag in record and record[flag] not in ("true", "false"):
                problems.append(
                    _(
                        "data/sources.csv: {sid}: {flag} must be true or false, got {value!r}",
                        sid=sid,
                        flag=flag,
                        value=record[flag],
                    )
                )
        original = record.get("mirror_of")
        if not is_blank(original) and (original not in ids or original == sid):
            problems.append(
                _(
                    "data/sources.csv: {sid}: mirror_of {original!r} does not name another source",
                    sid=sid,
                    original=original,
                )
            )
    return problems
