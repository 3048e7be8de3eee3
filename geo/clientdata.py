"""The map's data held in the browser: one document per dataset version, filtered by map.js.

`client_document` is every drawable feature of a dataset with the columns the filters read, once;
a filter change then sends only `spec_json` (a few hundred bytes) and map.js applies it to the
document with exactly geo.filters.apply_filters's semantics (CrossingsMap.selectRows; a Chromium
test compares both on random filters). The server still filters for the sentence, the table, the
exports, the URL and the feature counts in the layer control.

Pure: no streamlit. geo/ui/clientfile.py writes the document as a content-addressed static file.
Only the public view may be written (the caller checks): the file is served to anyone.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo import payload as payloads
from geo.filters import FilterSpec, allowed_confidence
from geo.payload import (
    LABEL_CHARS,
    columns_parts,
    draw_mode,
    drawable,
    encode_points,
    feature_properties,
    geometry_json,
    grid_noun,
    grid_origin,
    to_script_json,
)
from geo.schema import as_id_list, as_text, is_blank, is_missing
from geo.text import display_text, short_name
from geo.vocab import GROUP_LAYER, split_groups

FORMAT = "crossings-data-3"
_EPOCH = np.datetime64("1970-01-01", "D")
ID_COLUMNS = ("id", "crossing_id", "from_id", "to_id")
# The id columns map.js reads of each layer (CrossingsMap.selectRows): the ids of the places a route joins,
# and each route's ends and crossing. (An event's crossings are its crossing_ids, coded as "cx".)
IDS_READ = {
    "crossings": ("id",),
    "detention_centres": ("id",),
    "receiving_facilities": ("id",),
    "routes": ("crossing_id", "from_id", "to_id"),
}
# What layer_columns reads of a layer.
_FILTER_COLUMNS = ("confidence", "kind", "span_start", "span_end", *ID_COLUMNS, "crossing_ids")
# The most points of one group the browser is sent (the document of 1,000,000 events is about 22 MB, fetched
# once per dataset version: BENCHMARKS.md); a larger group is drawn from the server's grid counts instead.
BROWSER_POINTS_LIMIT = 2_000_000


@dataclass(frozen=True)
class ClientDocument:
    """The document map.js filters: JSON text, and the integer columns it refers to, packed in one binary
    file (`binary_name` in the text names it: the text's own hash covers the binary's content); `modes`,
    each group's form in it (client_modes)."""

    text: str
    binary: bytes
    modes: Mapping[str, str]


# The typed arrays of the binary file (map.js BINARY_TYPES), smallest first.
BINARY_TYPES = {"u8": "<u1", "i8": "<i1", "u16": "<u2", "i16": "<i2", "u32": "<u4", "i32": "<i4"}


class _Packer:
    """Integer columns packed one after another as little-endian typed arrays, each at a multiple of 4 bytes.
    The JSON refers to each as {"bin": type, "at": byte offset, "n": length} (map.js makes it a typed
    array view: nothing to parse)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def ref(self, values) -> dict:
        values = np.asarray(values, dtype=np.int64)
        low, high = (int(values.min()), int(values.max())) if len(values) else (0, 0)
        kind = next(k for k, t in BINARY_TYPES.items() if np.iinfo(t).min <= low and high <= np.iinfo(t).max)
        data = values.astype(BINARY_TYPES[kind]).tobytes()
        at = self.size
        data += b"\0" * (-len(data) % 4)
        self.parts.append(data)
        self.size += len(data)
        return {"bin": kind, "at": at, "n": len(values)}

    def packed(self) -> bytes:
        return b"".join(self.parts)


def unpack_document(document: ClientDocument) -> dict:
    """The document as map.js reads it, with each packed column as a list (for checks and tests)."""
    doc = json.loads(document.text)

    def resolve(table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict) and "bin" in value:
                at, n = value["at"], value["n"]
                table[key] = np.frombuffer(document.binary, BINARY_TYPES[value["bin"]], n, at).tolist()

    for columns in doc["layers"].values():
        resolve(columns)
    for entry in doc["groups"].values():
        if entry["mode"] == "columns":
            resolve(entry["payload"])
    return doc


def _days(values: pd.Series) -> list[int | None]:
    """Days since 1970-01-01 (spans are whole days), None where undated."""
    days = (np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]") - _EPOCH).astype(np.int64)
    missing = pd.isna(values).to_numpy()
    return [None if gap else int(day) for day, gap in zip(days.tolist(), missing.tolist(), strict=True)]


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    codes, uniques = pd.factorize(values)  # -1: missing, as geo.filters.LayerIndex codes them
    return codes, [str(v) for v in uniques]


def _code_days(code: int) -> tuple[int, int]:
    """The first and last day (since 1970-01-01) a date code covers (geo.payload.date_code; as
    geo.schema.parse_partial_date does for the date's text)."""
    year, month, day = code // 10000, code // 100 % 100, code % 100
    first = date(year, month or 1, day or 1)
    last = date(year, 12, 31) if not month else date(year, month, day or calendar.monthrange(year, month)[1])
    epoch = date(1970, 1, 1)
    return (first - epoch).days, (last - epoch).days


def _spans_from_codes(header: dict, arrays: Mapping[str, np.ndarray]) -> tuple[list, list]:
    """Each point's span (days, None where undated) from a columns payload's date codes, as map.js derives it."""
    table = np.cumsum(np.asarray(header["dates"], dtype=np.int64)).tolist()
    days = [(None, None)] + [_code_days(code) for code in table[1:]]
    start, end = arrays["ds"].tolist(), (arrays["ds"] + arrays["dd"]).tolist()
    return [days[k][0] for k in start], [days[k][1] for k in end]


def layer_columns(name: str, gdf: pd.DataFrame, packer: _Packer, spans: tuple[str, int] | None = None) -> dict:
    """What apply_filters reads from one layer, row by row in the frame's order. `spans` (group id, m): the
    first m rows are that columns group's points, whose date spans map.js takes from their date codes."""
    confidence, confidences = _codes(gdf["confidence"])
    kind, kinds = _codes(gdf["kind"])
    first = 0 if spans is None else spans[1]
    out: dict[str, object] = {
        "n": len(gdf),
        "conf": packer.ref(confidence),
        "confs": confidences,
        "kind": packer.ref(kind),
        "kinds": kinds,
        "ss": _days(gdf["span_start"].iloc[first:]),  # the rows from `first` on
        "se": _days(gdf["span_end"].iloc[first:]),
    }
    if spans is not None:
        out["spans"] = spans[0]
    for column in IDS_READ.get(name, ()):
        if column in gdf.columns:
            out[column] = [as_text(v) for v in gdf[column].tolist()]
    if name == "events" and "crossing_ids" in gdf.columns:
        codes, uniques = id_list_codes(gdf["crossing_ids"].tolist())
        out["cx"] = packer.ref(codes)
        out["cxs"] = uniques
    return out


def id_list_codes(values: list) -> tuple[np.ndarray, list[list[str]]]:
    """pd.factorize of each value's as_id_list (codes in order of first appearance, and the distinct lists),
    normalising each distinct list of strings once rather than row by row."""
    seen: dict[object, int] = {}  # a raw value (a list as a tuple) -> its code
    lists: dict[tuple[str, ...], int] = {}
    codes = np.empty(len(values), dtype=np.int64)
    for row, value in enumerate(values):
        # Only strings and lists of strings are remembered: 1, 1.0 and True are equal keys with other lists.
        if type(value) is str or value is None:
            key = value
        elif type(value) is list and all(type(part) is str for part in value):
            key = tuple(value)
        else:
            key = _UNREMEMBERED
        code = seen.get(key) if key is not _UNREMEMBERED else None
        if code is None:
            code = lists.setdefault(tuple(as_id_list(value)), len(lists))
            if key is not _UNREMEMBERED:
                seen[key] = code
        codes[row] = code
    return codes, [list(ids) for ids in lists]


_UNREMEMBERED = object()


def client_modes(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, str] | None:
    """Each group's form in the document: 'features', or 'columns' (points, which map.js draws as counts per
    grid cell when more than AGGREGATE_ABOVE of them are in view, as the server's payloads are); None when a
    group has more points than the browser is sent (the map then takes the server's payloads)."""
    modes = {}
    for group_id, frame in split_groups(layers).items():
        points = drawable(frame)
        mode = draw_mode(GROUP_LAYER[group_id], points)
        if mode == "grid":
            if len(points) > BROWSER_POINTS_LIMIT:
                return None
            mode = "columns"
        modes[group_id] = mode
    return modes


def view_modes(modes: Mapping[str, str], counts: Mapping[str, int]) -> dict[str, str]:
    """What each group of the document draws with `counts` of its features in view: a columns group is drawn
    as counts per grid cell above AGGREGATE_ABOVE points (map.js decides the same from the rows it selects)."""
    limit = payloads.AGGREGATE_ABOVE
    return {g: "grid" if mode == "columns" and counts.get(g, 0) > limit else mode for g, mode in modes.items()}


# Words feature_properties formats, which the browser-held document replaces by the codes they come from.
WORDED = ("kind_label", "date_label", "confidence_label", "precision_label", "count_label", "label")


def neutral_properties(layer: str, row: dict) -> dict:
    """feature_properties without words: codes, dates, counts and names (map.js words them, CrossingsMap.localise)."""
    props = {k: v for k, v in feature_properties(layer, row).items() if k not in WORDED}
    radius = row.get("uncertainty_m")
    props.update(
        kind=as_text(row.get("kind")),
        date_start=as_text(row.get("date_start")),
        date_end=as_text(row.get("date_end")),
        date_precision=as_text(row.get("date_precision")),
        location_precision=as_text(row.get("location_precision")),
        uncertainty_m=None if is_blank(radius) else float(radius),
        count=[None if is_missing(row.get(c)) else int(row.get(c)) for c in ("count_low", "count_high")],
    )
    if layer == "crossings":  # the label's short name in each language the data has
        props["label_en"] = display_text(short_name(row.get("name_en")), LABEL_CHARS)
        if not is_blank(row.get("name_ko")):
            props["label_ko"] = display_text(short_name(row.get("name_ko")), LABEL_CHARS)
    return props


def _neutral_features(layer: str, gdf: gpd.GeoDataFrame):
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for label, values, geom in zip(
        gdf.index, zip(*(gdf[c].tolist() for c in columns), strict=True), gdf.geometry, strict=True
    ):
        geometry = geometry_json(geom)
        if geometry is not None:
            row = dict(zip(columns, values, strict=True))
            yield label, {"type": "Feature", "geometry": geometry, "properties": neutral_properties(layer, row)}


def _columns_group(layer: str, frame: gpd.GeoDataFrame, group_id: str) -> tuple[dict, dict, pd.Index]:
    """A columns group's payload (header, integer arrays) and the index labels of its points, in its order."""
    points = drawable(frame)
    codes = encode_points(layer, points, neutral=True)
    header, arrays = columns_parts(layer, points, style=group_id, codes=codes)
    return header, arrays, codes.index


def client_document(layers: Mapping[str, gpd.GeoDataFrame]) -> ClientDocument | None:
    """The document map.js filters, or None when the dataset is too large for it.

    A layer drawn as canvas points (a columns group: the events) is sent in that group's order, its points
    first (west to east), then its other rows: the group's rows are then 0..m-1 (sent as null), and its
    points' date spans are not sent, map.js takes them from their date codes (the payload has them for
    the dates it shows). The integer columns go in a binary file of typed arrays (ClientDocument.binary).
    """
    modes = client_modes(layers)
    if modes is None:
        return None
    packer = _Packer()
    groups = split_groups(layers)
    order = {name: np.arange(len(gdf)) for name, gdf in layers.items()}
    points: dict[str, tuple] = {}  # layer -> (group id, header, arrays, m): the layer's columns group
    for group_id, frame in groups.items():
        layer = GROUP_LAYER[group_id]
        if modes[group_id] == "columns" and layer not in points:
            header, arrays, labels = _columns_group(layer, frame, group_id)
            positions = pd.Index(layers[layer].index).get_indexer(labels)
            taken = np.zeros(len(layers[layer]), dtype=bool)
            taken[positions] = True
            rest = np.flatnonzero(~taken)
            order[layer] = np.concatenate([positions, rest]).astype(np.int64)
            points[layer] = (group_id, header, arrays, len(positions))
    columns = {}
    for name, gdf in layers.items():
        frame = pd.DataFrame(gdf[[c for c in _FILTER_COLUMNS if c in gdf.columns]]).iloc[order[name]]
        spans = None
        if name in points:
            group_id, header, arrays, m = points[name]
            derived = _spans_from_codes(header, arrays)
            if derived == (_days(frame["span_start"].iloc[:m]), _days(frame["span_end"].iloc[:m])):
                spans = (group_id, m)  # else (spans not those of the dates' texts) every row's span is sent
        columns[name] = layer_columns(name, frame, packer, spans)
    new_position = {name: np.argsort(row_order) for name, row_order in order.items()}
    entries = {}
    for group_id, frame in groups.items():
        layer, mode = GROUP_LAYER[group_id], modes[group_id]
        positions = pd.Index(layers[layer].index)
        if layer in points and points[layer][0] == group_id:
            _, header, arrays, _m = points[layer]
            rows = None
        elif mode == "columns":  # another columns group of the same layer (none in the data model today)
            header, arrays, labels = _columns_group(layer, frame, group_id)
            rows = new_position[layer][positions.get_indexer(labels)].tolist()
        if mode == "columns":
            payload = {**header, **{key: packer.ref(values) for key, values in arrays.items()}}
            grid = {**grid_origin(), "limit": payloads.AGGREGATE_ABOVE, "noun": grid_noun(layer)}
            payload["grid"] = grid  # counts per cell above `limit` points in view (map.js gridCounts)
        else:
            features, labels = [], []
            # Crossing label sides depend on which crossings are in view: map.js sets them (labelSides).
            for label, feature in _neutral_features(layer, frame):
                features.append(feature)
                labels.append(label)
            rows = new_position[layer][positions.get_indexer(pd.Index(labels))].tolist()
            payload = {"type": "FeatureCollection", "features": features}
        entries[group_id] = {"layer": layer, "mode": mode, "rows": rows, "payload": payload}
    binary = packer.packed()
    document = {"format": FORMAT, "binary": content_name(binary, ".bin"), "layers": columns, "groups": entries}
    return ClientDocument(to_script_json(document), binary, modes)


def content_name(content: str | bytes, suffix: str = ".json") -> str:
    """The file name of a document: its content hash (a new dataset version is a new name)."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    return hashlib.sha256(data).hexdigest()[:20] + suffix


def _day(value: date | None) -> int | None:
    return None if value is None else int((np.datetime64(value, "D") - _EPOCH).astype(np.int64))


def spec_document(spec: FilterSpec) -> dict:
    """The filter as map.js applies it: dates as days since 1970-01-01, the confidence levels allowed."""
    return {
        "from": _day(spec.date_from),
        "to": _day(spec.date_to),
        "crossings": list(spec.crossings),
        "kinds": list(spec.kinds),
        "confidence": list(allowed_confidence(spec.min_confidence)),
    }


def spec_json(spec: FilterSpec) -> str:
    return to_script_json(spec_document(spec))


def group_counts(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, int]:
    """Features each group draws under a filter (the server's count, shown in the layer control)."""
    return {g: len(drawable(frame)) for g, frame in split_groups(layers).items()}


_ROW = "__crossings_row"


def group_rows(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, tuple[str, np.ndarray]]:
    """Each group's drawable rows as (layer, boolean mask over that layer's rows), once per dataset: with
    geo.filters.select_rows, a filter's group_counts without building its frames (selected_group_counts)."""
    tagged = {name: gdf.assign(**{_ROW: np.arange(len(gdf))}) for name, gdf in layers.items()}
    rows = {}
    for group, frame in split_groups(tagged).items():
        layer = GROUP_LAYER[group]
        mask = np.zeros(len(layers[layer]) if layer in layers else 0, dtype=bool)
        mask[drawable(frame)[_ROW].to_numpy(dtype=np.int64)] = True
        rows[group] = (layer, mask)
    return rows


def selected_group_counts(rows: Mapping[str, tuple[str, np.ndarray]], selected: Mapping[str, np.ndarray]) -> dict:
    """group_counts(apply_filters(layers, spec)) from group_rows(layers) and select_rows(layers, spec)."""
    return {
        group: int(np.count_nonzero(mask & selected[layer])) if layer in selected else 0
        for group, (layer, mask) in rows.items()
    }


def write_document(document: ClientDocument, directory: Path) -> tuple[str, str]:
    """Write the document as directory/<content hash>.json and its binary as directory/<its hash>.bin,
    atomically, the binary first; returns the two file names.

    An existing file of that name already holds these bytes (its name is their hash)."""
    binary_name = content_name(document.binary, ".bin")
    write_named(document.binary, directory, binary_name)
    name = content_name(document.text)
    write_named(document.text, directory, name)
    return name, binary_name


def write_named(content: str | bytes, directory: Path, name: str) -> None:
    """Write `content` as directory/name atomically, unless that file exists (`name` is the content's hash)."""
    target = directory / name
    if target.is_file():
        return
    directory.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    with tempfile.NamedTemporaryFile("wb", dir=directory, suffix=".tmp", delete=False) as handle:
        handle.write(data)
        temporary = Path(handle.name)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
