"""What the map's browser side receives, as compact JSON: feature properties with their display
strings already formatted, the columnar and grid encodings of large layers, each data group's
payload for one filter state, and the view that frames it.

Pure numpy/pandas/json: no folium (geo.mapview wraps these payloads in folium elements).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.i18n import _, language
from geo.schema import (
    CONFIDENCE_LABELS,
    DEFAULT_UNCERTAINTY_M,
    LOCATION_PRECISION_LABELS,
    REGION_BBOX,
    as_text,
    is_blank,
    is_missing,
)
from geo.text import (
    MONTHS,
    SHORT_TEXT_CHARS,
    _format_partial,
    confidence_label,
    display_text,
    format_count,
    format_dates,
    location_label,
    short_name,
)
from geo.vocab import GROUP_LAYER, KIND_LABELS, MAP_CENTER, MAP_ZOOM, MIN_ZOOM, kind_label, split_groups

STATIC = "/app/static"


COORD_DECIMALS = 5  # about 1 m


LABEL_CHARS = 40  # a permanent label on the map (one line); the longest bundled crossing label is 16


def _round(value: float) -> float:
    return round(float(value), COORD_DECIMALS)


def geometry_json(geom: object) -> dict | None:
    if geom is None or getattr(geom, "is_empty", True):
        return None
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": [_round(geom.x), _round(geom.y)]}
    if geom.geom_type == "LineString":
        return {"type": "LineString", "coordinates": [[_round(x), _round(y)] for x, y in geom.coords]}
    raise ValueError(f"cannot draw geometry type {geom.geom_type}")


def crossing_label_side(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """Label sides: left when another labelled crossing sits just east, above when one sits just west."""
    used = gdf[gdf["used_2023_10_09"] == True]  # noqa: E712 (object column of booleans)
    points = [(fid, geom.x, geom.y) for fid, geom in zip(used["id"], used.geometry, strict=True)]
    sides = {}
    for fid, x, y in points:
        east = any(0 < ox - x < 1.0 and abs(oy - y) < 0.5 for other, ox, oy in points if other != fid)
        west = any(0 < x - ox < 1.0 and abs(oy - y) < 0.5 for other, ox, oy in points if other != fid)
        # A close pair: the western label goes left, the eastern one above (the map's east edge is near).
        sides[fid] = "left" if east else "top" if west else "right"
    return sides


def feature_properties(layer: str, row: Mapping[str, object], label_side: str | None = None) -> dict:
    """Only what the map draws and its tooltip says: display strings are formatted here."""
    precision = as_text(row.get("location_precision"))
    radius = row.get("uncertainty_m")
    props: dict[str, object] = {
        "id": as_text(row.get("id")),
        # Tooltips and labels: bidi controls shown, long names cut (the details panel has them whole).
        "name_en": display_text(row.get("name_en"), SHORT_TEXT_CHARS),
        "name_ko": display_text(row.get("name_ko"), SHORT_TEXT_CHARS),
        "name_zh": display_text(row.get("name_zh"), SHORT_TEXT_CHARS),
        "kind_label": kind_label(row.get("kind")),
        "date_label": format_dates(row.get("date_start"), row.get("date_end"), row.get("date_precision")),
        "confidence": as_text(row.get("confidence")),
        "confidence_label": confidence_label(row.get("confidence")),
    }
    if layer != "routes":
        props["precision_label"] = location_label(precision, radius)
        props["area_precision"] = precision in ("town", "city", "region")
        props["radius_m"] = float(radius) if not is_blank(radius) else DEFAULT_UNCERTAINTY_M.get(precision, 0)
    if layer in ("crossings", "detention_centres", "events"):
        props["count_label"] = format_count(row.get("count_low"), row.get("count_high"))
        if layer != "crossings" and props["count_label"] == _("unknown"):
            props["count_label"] = ""  # only crossings promise a number; elsewhere silence is not a claim
    if layer == "crossings":
        used = row.get("used_2023_10_09") is True
        props["used"] = used
        # In Korean the label is the Korean name where the data has one (else the English name).
        local = row.get("name_ko") if language() == "ko" and not is_blank(row.get("name_ko")) else row.get("name_en")
        props["label"] = display_text(short_name(local), LABEL_CHARS)
        props["label_side"] = label_side or "right"
        if used:
            props["count_label"] = _("9 Oct: {count}", count=props["count_label"])
    if layer == "regular_routes":
        props["kind_label"] = _("Regular route (NKDB), not 9 October (schematic)")
        props["date_label"] = _("Not dated: a usual route over the years, per NKDB")
    if layer == "routes":
        props["evidence"] = as_text(row.get("evidence"))
        props["kind_label"] = (
            _("Reported leg, 9 Oct 2023 (schematic)")
            if props["evidence"] == "reported"
            else _("Inferred leg, 9 Oct 2023 (schematic, not stated by any source)")
        )
    return props


def _features(layer: str, gdf: gpd.GeoDataFrame, side_slot: str | None = None) -> Iterator[dict | None]:
    """Each row's GeoJSON Feature, or None for a row without a geometry to draw (a crossing's label
    side is `side_slot` when given: encode_features fills it in for the crossings in view)."""
    sides = crossing_label_side(gdf) if layer == "crossings" and len(gdf) and side_slot is None else {}
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(zip(*(gdf[c].tolist() for c in columns), strict=True), gdf.geometry, strict=True):
        geometry = geometry_json(geom)
        if geometry is None:
            yield None
            continue
        row = dict(zip(columns, values, strict=True))
        properties = feature_properties(layer, row, side_slot or sides.get(as_text(row.get("id"))))
        yield {"type": "Feature", "geometry": geometry, "properties": properties}


def layer_collection(layer: str, gdf: gpd.GeoDataFrame) -> dict:
    """A GeoJSON FeatureCollection of the features that have a geometry."""
    return {"type": "FeatureCollection", "features": [f for f in _features(layer, gdf) if f is not None]}


_JINJA_OPENER = re.compile(r"\{(?=[{%#])")


def to_script_json(document: object) -> str:
    """Compact JSON that is also safe inside an HTML <script> element and inside a jinja template.

    branca compiles the map code it renders (data included) as a jinja template and folium renders
    it again: a "{{", "{%" or "{#" from data would run on the server or crash the map. JSON's own
    syntax never puts one of them together, so they are always inside strings, where the "{" is
    written as the equivalent \\u007b.
    """
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return _JINJA_OPENER.sub(r"\\u007b", text)


# ---------------------------------------------------------------- large layers
# Up to ICON_LIMIT points a layer is drawn with rich icon markers (SVG shapes, per-feature tooltips);
# above it, as canvas circle markers from a columnar payload; above AGGREGATE_ABOVE points, as
# counts per grid cell computed here. The thresholds come from bench/ (see bench/results/latest.md).
ICON_LIMIT = 1000
AGGREGATE_ABOVE = 100_000
GRID_CELL_DEG = 0.1
_SCALE = 10**COORD_DECIMALS
_ID_SEPARATORS = ("|", " ", ",", ";", "\t", "\n")
# What a point of a columnar payload carries besides its id and position: a subset of
# feature_properties (no names, so that a drawn event stays under 60 bytes; the details panel has them).
COLUMN_ATTRS = (
    "kind_label",
    "confidence",
    "confidence_label",
    "precision_label",
    "area_precision",
    "radius_m",
)
COLUMN_PROPERTIES = ("id", *COLUMN_ATTRS, "count_label", "date_label")
# The browser-held document (geo.clientdata) holds codes, not words: map.js words them in the page's
# language (CrossingsMap.localise), so one file serves every language.
NEUTRAL_ATTRS = ("kind", "confidence", "location_precision", "uncertainty_m", "area_precision", "radius_m")
# The raw columns COLUMN_ATTRS are computed from; counts and dates have tables of their own.
_ATTR_SOURCES = ("kind", "confidence", "location_precision", "uncertainty_m")


def drawable(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows layer_collection draws: a geometry that is present and not empty."""
    geoms = gdf.geometry
    keep = geoms.notna().to_numpy() & ~geoms.is_empty.to_numpy()
    return gdf if keep.all() else gdf[keep]


def draw_mode(layer: str, gdf: gpd.GeoDataFrame) -> str:
    """'features' (rich icons), 'columns' (canvas points) or 'grid' (counts per cell) for drawable rows."""
    if layer in ("routes", "regular_routes", "crossings") or len(gdf) <= ICON_LIMIT:
        return "features"
    if not (shapely.get_type_id(np.asarray(gdf.geometry.values)) == 0).all():
        return "features"  # only point layers have a compact form
    return "grid" if len(gdf) > AGGREGATE_ABOVE else "columns"


def _factorise(frame: pd.DataFrame, columns: tuple[str, ...]) -> tuple[np.ndarray, list[dict]]:
    """A code per row and one representative row per distinct combination of `columns`.

    Codes follow the order of first appearance; missing columns read as None, as in feature_properties.
    """
    key = np.zeros(len(frame), dtype=np.int64)
    present = [c for c in columns if c in frame.columns]
    for column in present:
        codes, uniques = pd.factorize(frame[column].astype(object), use_na_sentinel=False)
        key = np.unique(key * max(len(uniques), 1) + codes, return_inverse=True)[1].reshape(-1)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    values = {c: frame[c].to_numpy(dtype=object) for c in present}
    rows = [{c: (values[c][i] if c in values else None) for c in columns} for i in first[order]]
    return rank[inverse.reshape(-1)], rows


def _scaled(values: np.ndarray) -> np.ndarray:
    """round(value, 5) * 1e5 as integers, exactly as Python's round() (near-ties redone one by one)."""
    scaled = values * _SCALE
    ints = np.rint(scaled)
    close = np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6
    for index in np.flatnonzero(close):
        ints[index] = round(round(float(values[index]), COORD_DECIMALS) * _SCALE)
    return ints.astype(np.int64)


def _ints(values: np.ndarray) -> str:
    return json.dumps(values.tolist(), separators=(",", ":"))


def _common_prefix(a: str, b: str) -> str:
    length = 0
    while length < min(len(a), len(b)) and a[length] == b[length]:
        length += 1
    return a[:length]


def _id_block(ids: list[str]) -> dict:
    """Ids as one string: their common prefix, then the rests joined by a character no id contains."""
    prefix = _common_prefix(min(ids), max(ids)) if ids else ""  # of the extremes = of all ids
    rests = [i[len(prefix) :] for i in ids] if prefix else ids
    joined = "".join(rests)
    for sep in _ID_SEPARATORS:
        if sep not in joined:
            return {"prefix": prefix, "sep": sep, "ids": sep.join(rests)}
    return {"prefix": prefix, "sep": None, "ids": rests}


def date_code(text: str) -> int:
    """A partial ISO date as an integer in date order: '2023' 20230000, '2023-10' 20231000, '2023-10-09' 20231009."""
    return int(text.replace("-", "").ljust(8, "0"))


def code_label(code: int) -> str:
    """The label format_dates gives a partial date, from its date_code (map.js has the same function)."""
    year, month, day = code // 10000, code // 100 % 100, code % 100
    if not month:
        return str(year)
    return f"{MONTHS[month - 1]} {year}" if not day else f"{day} {MONTHS[month - 1]} {year}"


def date_label(codes: list[int], start: int, delta: int, approximate: bool) -> str:
    """format_dates() rebuilt from a columnar payload's date codes (map.js has the same function)."""
    if start == 0:
        return "undated"
    first, last = code_label(codes[start]), code_label(codes[start + delta])
    text = first if last == first else (f"{first}–{last}" if first.isdigit() else f"{first} – {last}")
    return f"about {text}" if approximate else text


@dataclass(frozen=True)
class PointCodes:
    """A point layer encoded once (per dataset version), rows sorted west to east.

    A filtered view of the layer is then a selection of rows: no formatting, no factorising.
    """

    layer: str
    index: pd.Index  # row labels of the layer, west to east
    ids: np.ndarray  # str objects: each id without `prefix`
    prefix: str  # common to every id of the layer
    sep: str | None  # a character no id contains (None: ids go as a list)
    x: np.ndarray  # int64, longitude in 1e-5 degrees (rounded as geometry_json rounds)
    y: np.ndarray  # int64, latitude in 1e-5 degrees
    attr: np.ndarray  # code into attrs
    attrs: list[list]  # `fields` values per distinct combination
    count: np.ndarray  # code into counts
    counts: list[str]  # count labels
    date_start: np.ndarray  # position in dates of the start (0 = undated)
    date_end: np.ndarray  # position in dates of the end (the start when there is no end)
    dates: np.ndarray  # 0 (undated), then the date_code of every partial date, ascending
    approximate: np.ndarray  # bool: the date is approximate
    fields: tuple[str, ...] = COLUMN_ATTRS  # NEUTRAL_ATTRS when encoded for the browser-held document

    def rows(self, gdf: gpd.GeoDataFrame) -> np.ndarray:
        """Positions (west to east) of the rows of `gdf`, a subset of the encoded layer."""
        return np.flatnonzero(self.index.isin(gdf.index))


def map_words() -> dict:
    """The words map.js puts on the browser-held document's codes (CrossingsMap.localise), in the active
    language: labels of kinds, confidence levels and location precisions, and the forms of partial dates
    ({y}, {d} filled in by map.js) as geo.text.format_dates writes them."""
    return {
        "kinds": {kind: kind_label(kind) for kind in KIND_LABELS},
        "confidence": {level: confidence_label(level) for level in CONFIDENCE_LABELS},
        "confidenceOther": confidence_label(None),
        "precision": {code: _(label) for code, label in LOCATION_PRECISION_LABELS.items()},
        "precisionOther": _("unknown"),
        "year": _format_partial("2000", "year").replace("2000", "{y}"),
        "months": [_format_partial(f"2000-{m:02d}", "month").replace("2000", "{y}") for m in range(1, 13)],
        "days": [
            _format_partial(f"2000-{m:02d}-28", "day").replace("2000", "{y}").replace("28", "{d}") for m in range(1, 13)
        ],
    }


def neutral_attrs(layer: str, row: Mapping[str, object]) -> list:
    """NEUTRAL_ATTRS of a row: codes and numbers, no words."""
    props = feature_properties(layer, row)
    radius = row.get("uncertainty_m")
    return [
        as_text(row.get("kind")),
        props["confidence"],
        as_text(row.get("location_precision")),
        None if is_blank(radius) else float(radius),
        props.get("area_precision", False),
        props.get("radius_m", 0),
    ]


def _count_pair(row: Mapping[str, object]) -> list:
    return [None if is_missing(row.get(c)) else int(row.get(c)) for c in ("count_low", "count_high")]


def encode_points(layer: str, gdf: gpd.GeoDataFrame, neutral: bool = False) -> PointCodes:
    """Everything columns_payload and grid_payload need from a point layer, row by row (`neutral`:
    codes instead of words: attributes NEUTRAL_ATTRS, counts as [low, high])."""
    gdf = drawable(gdf)
    xs = _scaled(gdf.geometry.x.to_numpy())
    order = np.argsort(xs, kind="stable")
    gdf = gdf.iloc[order]
    attr_codes, attr_rows = _factorise(gdf, _ATTR_SOURCES)
    if neutral:
        attrs = [neutral_attrs(layer, row) for row in attr_rows]
    else:
        attrs = [[feature_properties(layer, row)[name] for name in COLUMN_ATTRS] for row in attr_rows]
    count_codes, count_rows = _factorise(gdf, ("count_low", "count_high"))
    if neutral:
        counts = [_count_pair(row) for row in count_rows]
    else:
        counts = [feature_properties(layer, row).get("count_label", "") for row in count_rows]
    start_codes, start_values = pd.factorize(gdf["date_start"].astype(object), use_na_sentinel=False)
    end_codes, end_values = pd.factorize(gdf["date_end"].astype(object), use_na_sentinel=False)
    start_texts = [as_text(v) for v in start_values]
    end_texts = [as_text(v) for v in end_values]
    texts = sorted(set(start_texts + end_texts) - {""}, key=date_code)
    position = {text: index + 1 for index, text in enumerate(texts)}
    start = np.array([position.get(t, 0) for t in start_texts], dtype=np.int64)[start_codes]
    end = np.array([position.get(t, 0) for t in end_texts], dtype=np.int64)[end_codes]
    end = np.where((end == 0) | (start == 0), start, end)
    approximate = (gdf["date_precision"].to_numpy(dtype=object) == "approximate") & (start > 0)
    ids = _id_block([v if type(v) is str and v.strip() else as_text(v) for v in gdf["id"].tolist()])
    rests = ids["ids"].split(ids["sep"]) if ids["sep"] is not None and len(gdf) else ids["ids"]
    return PointCodes(
        layer=layer,
        index=gdf.index,
        ids=np.array(rests if len(gdf) else [], dtype=object),
        prefix=ids["prefix"],
        sep=ids["sep"],
        x=xs[order],
        y=_scaled(gdf.geometry.y.to_numpy()),
        attr=attr_codes,
        attrs=attrs,
        count=count_codes,
        counts=counts,
        date_start=start,
        date_end=end,
        dates=np.array([0, *map(date_code, texts)], dtype=np.int64),
        approximate=approximate,
        fields=NEUTRAL_ATTRS if neutral else COLUMN_ATTRS,
    )


def _compact(codes: np.ndarray, table, keep_first: bool = False) -> tuple[np.ndarray, list]:
    """Codes into only the table entries they use (entry 0 kept when asked: it means 'undated')."""
    present = np.zeros(len(table), dtype=bool)
    present[codes] = True
    present[0] |= keep_first
    used = np.flatnonzero(present)
    remap = np.cumsum(present) - 1
    return remap[codes], [table[i] for i in used.tolist()] if isinstance(table, list) else table[used]


def columns_payload(
    layer: str, gdf: gpd.GeoDataFrame, style: str | None = None, codes: PointCodes | None = None
) -> str:
    """A point layer as parallel arrays that map.js expands into canvas circle markers.

    Per point: id (common prefix removed, joined into one string), longitude as the difference to
    the previous point (points run west to east) and latitude as an offset, both in 1e-5 degrees;
    a code into a table of attribute combinations, a code into a table of count labels, and two
    codes for the dates. `codes` (encode_points of the layer `gdf` was filtered from) turns this
    into a selection; without it the layer is encoded here. decode_columns() mirrors map.js.
    """
    header, arrays = columns_parts(layer, gdf, style, codes)
    body = ",".join(f'"{name}":{_ints(values)}' for name, values in arrays.items())
    return to_script_json(header)[:-1] + "," + body + "}"


def columns_parts(
    layer: str, gdf: gpd.GeoDataFrame, style: str | None = None, codes: PointCodes | None = None
) -> tuple[dict, dict[str, np.ndarray]]:
    """columns_payload as its header and its per-point integer arrays (x, y, a, c, ds, dd)."""
    gdf = drawable(gdf)
    rows = codes.rows(gdf) if codes is not None else None
    if rows is None or len(rows) != len(gdf):  # no codes, or not codes of the layer gdf comes from
        codes = encode_points(layer, gdf)
        rows = np.arange(len(codes.index))
    xs, ys = codes.x[rows], codes.y[rows]
    x0, y0 = (int(xs[0]), int(ys.min())) if len(rows) else (0, 0)
    attr, attrs = _compact(codes.attr[rows], codes.attrs)
    count, counts = _compact(codes.count[rows], codes.counts)
    start, end = codes.date_start[rows], codes.date_end[rows]
    both, dates = _compact(np.concatenate([start, end]), codes.dates, keep_first=True)
    start, end = both[: len(rows)], both[len(rows) :]
    header = {
        "format": "columns",
        "layer": layer,
        "style": style or layer,
        "n": len(rows),
        "scale": _SCALE,
        "x0": x0,
        "y0": y0,
        "fields": list(codes.fields),
        "attrs": attrs,
        "counts": counts,
        "dates": np.diff(dates, prepend=0).tolist(),  # date codes, each as the difference to the one before
        "approximate": np.flatnonzero(codes.approximate[rows]).tolist(),
        "prefix": codes.prefix,
        "sep": codes.sep,
        "ids": codes.ids[rows].tolist() if codes.sep is None else codes.sep.join(codes.ids[rows].tolist()),
    }
    arrays = {"x": np.diff(xs, prepend=x0), "y": ys - y0, "a": attr, "c": count, "ds": start, "dd": end - start}
    return header, arrays


def decode_columns(payload: str | dict) -> list[dict]:
    """The features a columnar payload stands for (what map.js draws), as GeoJSON Features."""
    doc = json.loads(payload) if isinstance(payload, str) else payload
    n = doc["n"]
    ids = doc["ids"] if doc["sep"] is None else (doc["ids"].split(doc["sep"]) if n else [])
    approximate = set(doc["approximate"])
    dates = np.cumsum(np.asarray(doc["dates"], dtype=np.int64)).tolist()
    xs = np.cumsum(np.asarray(doc["x"], dtype=np.int64)) + doc["x0"]
    features = []
    for index in range(n):
        props = {"id": doc["prefix"] + ids[index]}
        props.update(zip(doc["fields"], doc["attrs"][doc["a"][index]], strict=True))
        props["count_label"] = doc["counts"][doc["c"][index]]
        props["date_label"] = date_label(dates, doc["ds"][index], doc["dd"][index], index in approximate)
        lon = int(xs[index]) / doc["scale"]
        lat = (doc["y0"] + doc["y"][index]) / doc["scale"]
        features.append(
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}
        )
    return features


def grid_origin() -> dict:
    """The grid every count per cell is on: GRID_CELL_DEG cells from REGION_BBOX's south-west corner, also in
    the integer units of a columns payload ("step", "x0", "y0": map.js counts the points the browser holds
    on the same cells, CrossingsMap.gridCounts)."""
    return {
        "cell": GRID_CELL_DEG,
        "step": round(GRID_CELL_DEG * _SCALE),
        "x0": round(REGION_BBOX[0] * _SCALE),
        "y0": round(REGION_BBOX[1] * _SCALE),
        "lon0": REGION_BBOX[0],
        "lat0": REGION_BBOX[1],
    }


def grid_noun(layer: str) -> str:
    return "events" if layer == "events" else "features"


def grid_payload(layer: str, gdf: gpd.GeoDataFrame, style: str | None = None, codes: PointCodes | None = None) -> str:
    """Counts per GRID_CELL_DEG cell: what the map draws when a layer has too many points to send."""
    gdf = drawable(gdf)
    rows = codes.rows(gdf) if codes is not None else None
    if rows is None or len(rows) != len(gdf):
        xs, ys = _scaled(gdf.geometry.x.to_numpy()), _scaled(gdf.geometry.y.to_numpy())
    else:
        xs, ys = codes.x[rows], codes.y[rows]
    origin = grid_origin()
    cols = (xs - origin["x0"]) // origin["step"]
    lines = (ys - origin["y0"]) // origin["step"]
    c0, r0 = (int(cols.min()), int(lines.min())) if len(xs) else (0, 0)
    width = int(cols.max()) - c0 + 1 if len(xs) else 1
    cells = (lines - r0) * width + (cols - c0)
    counts = np.bincount(cells) if len(xs) else np.zeros(0, dtype=np.int64)
    filled = np.flatnonzero(counts)
    header = {
        "format": "grid",
        "layer": layer,
        "style": style or layer,
        "n": len(xs),
        "cell": GRID_CELL_DEG,
        "lon0": round(REGION_BBOX[0] + c0 * GRID_CELL_DEG, 6),
        "lat0": round(REGION_BBOX[1] + r0 * GRID_CELL_DEG, 6),
        "noun": grid_noun(layer),
        "limit": AGGREGATE_ABOVE,
    }
    body = f'"i":{_ints(filled % width)},"j":{_ints(filled // width)},"c":{_ints(counts[filled])}'
    return to_script_json(header)[:-1] + "," + body + "}"


def selected_geometry(layers: Mapping[str, gpd.GeoDataFrame], fid: str | None) -> dict | None:
    """The drawn geometry of the feature `fid` among the layers in view (None: not in view or not drawn)."""
    if not fid:
        return None
    for gdf in layers.values():
        match = gdf[gdf["id"] == fid] if "id" in gdf.columns and len(gdf) else gdf.iloc[0:0]
        if len(match):
            return geometry_json(match.geometry.iloc[0])
    return None


@dataclass(frozen=True)
class MapLayers:
    """Everything the map needs for one filter state: small, picklable, cached as a whole."""

    payloads: dict[str, str]  # group id -> JSON for CrossingsMap.draw
    counts: dict[str, int]  # group id -> features in view
    modes: dict[str, str]  # group id -> 'features', 'columns' or 'grid'
    view: tuple  # ((lat, lon), zoom) framing every feature

    def aggregated(self) -> int:
        """Features in view drawn as counts per grid cell rather than one by one."""
        return sum(self.counts[g] for g, mode in self.modes.items() if mode == "grid")


# What serialise_map may be given to draw a layer fast: encoded(layer, "points") -> PointCodes or None,
# encoded(layer, "features") -> the feature texts of encode_features or None (both cached per dataset).
Encoded = Callable[[str, str], object]


def encode_features(layer: str, gdf: gpd.GeoDataFrame) -> pd.Series:
    """Each row's feature as layer_collection makes it, as script-safe JSON text (None: nothing to draw).

    Indexed like `gdf`: a filter change then joins the texts of the rows in view. A crossing's label
    side depends on which crossings are in view, so its text holds a slot that features_payload fills.
    """
    slot = _SIDE_SLOT_VALUE if layer == "crossings" else None
    texts = [None if feature is None else to_script_json(feature) for feature in _features(layer, gdf, slot)]
    return pd.Series(texts, index=gdf.index, dtype=object)


_SIDE_SLOT_VALUE = "\x00"  # not a side; written by to_script_json as the text below
_SIDE_SLOT = '"label_side":"\\u0000"'


def features_payload(layer: str, frame: gpd.GeoDataFrame, texts: pd.Series | None = None) -> tuple[str, int]:
    """to_script_json(layer_collection(layer, frame)) and its feature count, from encode_features texts if given."""
    if texts is None or not frame.index.isin(texts.index).all():
        collection = layer_collection(layer, frame)
        return to_script_json(collection), len(collection["features"])
    parts = [text for text in texts.loc[frame.index].tolist() if text is not None]
    if layer == "crossings":
        sides = crossing_label_side(frame) if len(frame) else {}
        ids = [fid for fid, text in zip(frame["id"].tolist(), texts.loc[frame.index].tolist(), strict=True) if text]
        parts = [
            text.replace(_SIDE_SLOT, f'"label_side":"{sides.get(as_text(fid)) or "right"}"', 1)
            for fid, text in zip(ids, parts, strict=True)
        ]
    return '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}", len(parts)


def serialise_group(
    group_id: str, layer: str, frame: gpd.GeoDataFrame, encoded: Encoded | None = None
) -> tuple[str, int, str]:
    """(payload, features drawn, mode) for one data group; `encoded` may give the layer's cached encodings."""
    points = drawable(frame)
    mode = draw_mode(layer, points)
    if mode == "features":
        texts = encoded(layer, "features") if encoded is not None else None
        return (*features_payload(layer, frame, texts), mode)
    codes = encoded(layer, "points") if encoded is not None else None
    payload = columns_payload if mode == "columns" else grid_payload
    return payload(layer, points, style=group_id, codes=codes), len(points), mode


def serialise_map(layers: Mapping[str, gpd.GeoDataFrame], encoded: Encoded | None = None) -> MapLayers:
    """Every data group's payload. `encoded` may give each layer's encodings, cached per dataset version."""
    payloads, counts, modes = {}, {}, {}
    for group_id, frame in split_groups(layers).items():
        layer = GROUP_LAYER[group_id]
        payloads[group_id], counts[group_id], modes[group_id] = serialise_group(group_id, layer, frame, encoded)
    return MapLayers(payloads, counts, modes, view_for(layers))


def serialise_groups(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[dict[str, str], dict[str, int]]:
    result = serialise_map(layers)
    return result.payloads, result.counts


def view_for(layers: Mapping[str, gpd.GeoDataFrame], width_px: int = 560, height_px: int = 470) -> tuple:
    """A centre (lat, lon) and zoom that frame every drawn feature, or the default view."""
    geometries = [np.asarray(gdf.geometry.array) for gdf in layers.values() if len(gdf)]
    bounds = shapely.total_bounds(np.concatenate(geometries)) if geometries else np.full(4, np.nan)
    return view_for_bounds(bounds, width_px, height_px)


def row_bounds(gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Each row's (minx, miny, maxx, maxy); NaN where the geometry is missing or empty."""
    return shapely.bounds(np.asarray(gdf.geometry.array))


def selected_bounds(bounds: Mapping[str, np.ndarray], masks: Mapping[str, np.ndarray]) -> np.ndarray:
    """shapely.total_bounds of the selected rows' geometries, from row_bounds and a mask per layer."""
    boxes = [bounds[name][mask] for name, mask in masks.items() if mask.any()]
    stacked = np.concatenate(boxes) if boxes else np.empty((0, 4))
    drawn = stacked[~np.isnan(stacked[:, 0])]  # a row's bounds are all NaN or none
    if not len(drawn):
        return np.full(4, np.nan)
    return np.array([drawn[:, 0].min(), drawn[:, 1].min(), drawn[:, 2].max(), drawn[:, 3].max()])


def view_for_bounds(bounds: np.ndarray, width_px: int = 560, height_px: int = 470) -> tuple:
    """view_for of features whose total bounds are `bounds` (NaN: nothing drawn, the default view)."""
    if np.isnan(bounds).any():
        return MAP_CENTER, MAP_ZOOM
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    # Crossing labels sit to the east of their symbols: leave them room on that side.
    maxx = maxx + 0.12 * max(maxx - minx, 0.25)
    center = (float(miny + maxy) / 2, float(minx + maxx) / 2)
    span_x = max(maxx - minx, 0.25) * 1.25
    span_y = max(maxy - miny, 0.25) * 1.25 / math.cos(math.radians(center[0]))
    zoom_x = math.log2(width_px * 360 / (256 * span_x))
    zoom_y = math.log2(height_px * 360 / (256 * span_y))
    zoom = max(MIN_ZOOM, min(10.0, math.floor(min(zoom_x, zoom_y) * 4) / 4))
    return (round(center[0], 4), round(center[1], 4)), zoom
