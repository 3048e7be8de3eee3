"""Pure rules of the store: what a change is, which changes need a source, whether a revised
record is valid, how a command-line value is read, and the published file formats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
from shapely import wkt
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.i18n import N_, _
from geo.io import row_rejections
from geo.schema import SourceIndex, as_id_list, is_blank, route_endpoint_problems

SOURCES_LAYER = "sources"
# The fields whose change must cite a source: counts (count_* fields, whatever the contract adds),
# dates and locations.
DATE_FIELDS = frozenset({"date_start", "date_end", "date_precision"})
LOCATION_FIELDS = frozenset({"geometry", "location_precision", "uncertainty_m"})
IMMUTABLE_FIELDS = frozenset({"id"})
POINT_LAYERS = ("detention_centres", "crossings", "receiving_facilities")


def needs_source(field: str) -> bool:
    return field.startswith("count_") or field in DATE_FIELDS or field in LOCATION_FIELDS


@dataclass(frozen=True)
class Record:
    """One record (a feature or a source) as the store holds it."""

    id: str
    layer: str
    position: int
    properties: dict[str, object]
    geometry: BaseGeometry | None
    revision: int
    changed_at: str
    retracted: bool


def geometry_json(geometry: BaseGeometry | None) -> dict | None:
    return None if geometry is None else dict(mapping(geometry))


def _plain_json(value: object) -> object:
    """Tuples (from shapely's mapping) as lists, so two geometries compare as JSON does."""
    return json.loads(json.dumps(value))


def diff_fields(
    old: Mapping[str, object],
    old_geometry: BaseGeometry | None,
    new: Mapping[str, object],
    new_geometry: BaseGeometry | None,
) -> dict[str, dict[str, object]]:
    """{field: {"old": …, "new": …}} for every field that differs; geometry as GeoJSON."""
    changes: dict[str, dict[str, object]] = {}
    for field in dict.fromkeys([*old, *new]):
        before, after = old.get(field), new.get(field)
        if before != after or type(before) is not type(after):
            changes[field] = {"old": before, "new": after}
    before_geom = _plain_json(geometry_json(old_geometry))
    after_geom = _plain_json(geometry_json(new_geometry))
    if before_geom != after_geom:
        changes["geometry"] = {"old": before_geom, "new": after_geom}
    return changes


def parse_geometry(value: object) -> BaseGeometry | None:
    """A geometry from WKT ("POINT (129.85 42.95)"), a GeoJSON object/text, or None."""
    if value is None or isinstance(value, BaseGeometry):
        return value
    if isinstance(value, Mapping):
        return shape(value)
    text = str(value).strip()
    if text in ("", "null"):
        return None
    if text.startswith("{"):
        return shape(json.loads(text))
    return wkt.loads(text)


def parse_cli_value(field: str, text: str, current: object) -> object:
    """A `--set FIELD=VALUE` value with the type the field has: text stays text (a date "2023" is
    not a number), lists are ';'-separated or JSON, numbers and booleans are JSON, "null" or ""
    empties a non-text field."""
    if field == "geometry":
        return parse_geometry(text)
    if isinstance(current, str):
        return text
    if isinstance(current, list) or field.endswith("_ids"):
        stripped = text.strip()
        if stripped.startswith("["):
            return json.loads(stripped)
        return as_id_list(stripped)
    if text.strip() == "":
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _json_value_problem(field: str, value: object) -> str | None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return _("{field}: {value!r} is not a JSON value", field=field, value=value)
    return None


def record_problems(
    layer: str,
    properties: Mapping[str, object],
    geometry: BaseGeometry | None,
    sources: pd.DataFrame,
    point_ids: set[str],
    crossing_ids: set[str],
    index: SourceIndex | None = None,
) -> list[str]:
    """The reasons `geo validate` would reject this record, as "field: reason" lines."""
    problems = [p for field, value in properties.items() if (p := _json_value_problem(field, value))]
    if problems:
        return problems
    if layer == SOURCES_LAYER:
        if is_blank(properties.get("id")):
            problems.append(_("id: id is missing"))
        problems.extend(
            _("{field}: a source field is text, got {value!r}", field=field, value=value)
            for field, value in properties.items()
            if not isinstance(value, str)
        )
        return problems
    rejections = row_rejections(layer, properties, geometry, sources, index)
    problems.extend(f"{field}: {reason}" for field, reason in rejections)
    if layer == "routes":
        frame = pd.DataFrame([{c: properties.get(c) for c in ("id", "from_id", "to_id", "crossing_id")}])
        endpoints = route_endpoint_problems(frame, point_ids, crossing_ids)
        problems.extend(f"{r['field']}: {r['reason']}" for r in endpoints.to_dict("records"))
    return problems


def cited_ids(properties: Mapping[str, object]) -> list[str]:
    """Every source id a record cites, in any *source_ids field."""
    found: list[str] = []
    for field, value in properties.items():
        if field.endswith("source_ids"):
            found.extend(as_id_list(value))
    return list(dict.fromkeys(found))


# ---------------------------------------------------------------------------------------------
# The published formats (data/'s)

CRS_NOTE = "EPSG:4326 (RFC 7946 longitude, latitude)"


def feature_collection_text(layer: str, records: Iterable[Record]) -> str:
    features = [
        {"type": "Feature", "id": r.id, "properties": r.properties, "geometry": geometry_json(r.geometry)}
        for r in records
    ]
    document = {"type": "FeatureCollection", "name": layer, "crs_note": CRS_NOTE, "features": features}
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


# ---------------------------------------------------------------------------------------------
# History in words (the details panel's History)


def value_text(value: object) -> str:
    """A field value as a reader sees it: empty stays "empty" (never 0), lists are joined, a point
    is "lat° N, lon° E", another geometry is named by its type."""
    if value is None or value == "" or value == []:
        return _("empty")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, Mapping) and "type" in value and "coordinates" in value:
        coordinates = value["coordinates"]
        if value["type"] == "Point" and isinstance(coordinates, list) and len(coordinates) == 2:
            return _("{lat}° N, {lon}° E", lat=coordinates[1], lon=coordinates[0])
        return _("a {geometry_type}", geometry_type=value["type"])
    return str(value)


# A field's name as the edit form, the review queue and the history show it: the contract's own name in
# English (what `geo validate` and the command line say), a word with that name beside it in Korean.
FIELD_NAMES: dict[str, str] = {
    "id": N_("id"),
    "name_en": N_("name_en"),
    "name_ko": N_("name_ko"),
    "name_zh": N_("name_zh"),
    "kind": N_("kind"),
    "confidence": N_("confidence"),
    "visibility": N_("visibility"),
    "date_start": N_("date_start"),
    "date_end": N_("date_end"),
    "date_precision": N_("date_precision"),
    "count_of": N_("count_of"),
    "count_low": N_("count_low"),
    "count_high": N_("count_high"),
    "count_note": N_("count_note"),
    "count_confidence": N_("count_confidence"),
    "location_precision": N_("location_precision"),
    "uncertainty_m": N_("uncertainty_m"),
    "place_en": N_("place_en"),
    "province": N_("province"),
    "country": N_("country"),
    "notes": N_("notes"),
    "side_cn_en": N_("side_cn_en"),
    "side_kp_en": N_("side_kp_en"),
    "from_id": N_("from_id"),
    "to_id": N_("to_id"),
    "crossing_id": N_("crossing_id"),
    "source_ids": N_("source_ids"),
    "count_source_ids": N_("count_source_ids"),
    "geometry": N_("geometry"),
    "retracted": N_("retracted"),
    "outlet": N_("outlet"),
    "title": N_("title"),
    "url": N_("url"),
    "published": N_("published"),
}


def field_name(field: str) -> str:
    """A field's name in the active language (an unlisted field as it is)."""
    return _(FIELD_NAMES[field]) if field in FIELD_NAMES else field


# A visibility value in a change, and the seed's author, as the reader's language says them (codes in English).
VISIBILITY_WORDS = {"public": N_("public"), "generalised": N_("generalised"), "restricted": N_("restricted")}
STORE_AUTHORS = {"data release": N_("data release")}


def shown_value(field: str, text: str) -> str:
    """A changed value's text (value_text) with a visibility code in words."""
    return _(VISIBILITY_WORDS[text]) if field == "visibility" and text in VISIBILITY_WORDS else text


def author_text(author: object) -> str:
    """A revision's author: an account name as it is, the store's own author in words."""
    text = "" if author is None else str(author)
    return _(STORE_AUTHORS[text]) if text in STORE_AUTHORS else text


def change_rows(changes: Mapping[str, Mapping[str, object]]) -> list[tuple[str, str, str]]:
    """(field, before, after) for each changed field, in the order recorded."""
    return [(field, value_text(change.get("old")), value_text(change.get("new"))) for field, change in changes.items()]


# The reasons the store writes itself (with the editor's own words inside), recognised when shown so that they
# read in the reader's language; the stored text stays as written (the command line and exports show it).
STORE_REASONS = (
    (
        re.compile(r"made less visible at once, before review \(fail closed\): (?P<reason>.*)", re.DOTALL),
        N_("made less visible at once, before review (fail closed): {reason}"),
    ),
    (
        re.compile(r"imported the data release (?P<version>\S+) from (?P<folder>[^/]+)/", re.DOTALL),
        N_("imported the data release {version} from {folder}/"),
    ),
    (
        re.compile(r"(?P<reason>.*) \(reviewed by (?P<reviewer>[^:()]+): (?P<note>.*)\)", re.DOTALL),
        N_("{reason} (reviewed by {reviewer}: {note})"),
    ),
)


def reason_text(reason: object) -> str:
    """A revision's reason as a reader sees it: the store's own words in the active language, the rest as typed."""
    text = "" if reason is None else str(reason)
    for pattern, message in STORE_REASONS:
        found = pattern.fullmatch(text)
        if found:
            return _(message, **found.groupdict())
    return text
