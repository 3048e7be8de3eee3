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

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.filters import FilterSpec, allowed_confidence
from geo.payload import (
    LABEL_CHARS,
    columns_payload,
    draw_mode,
    drawable,
    encode_points,
    feature_properties,
    geometry_json,
    to_script_json,
)
from geo.schema import as_id_list, as_text, is_blank, is_missing
from geo.text import display_text, short_name
from geo.vocab import GROUP_LAYER, split_groups

FORMAT = "crossings-data-1"
_EPOCH = np.datetime64("1970-01-01", "D")
ID_COLUMNS = ("id", "crossing_id", "from_id", "to_id")


def _days(values: pd.Series) -> list[int | None]:
    """Days since 1970-01-01 (spans are whole days), None where undated."""
    days = (np.asarray(values, dtype="datetime64[ns]").astype("datetime64[D]") - _EPOCH).astype(np.int64)
    missing = pd.isna(values).to_numpy()
    return [None if gap else int(day) for day, gap in zip(days.tolist(), missing.tolist(), strict=True)]


def _codes(values: pd.Series) -> tuple[list[int], list[str]]:
    codes, uniques = pd.factorize(values)  # -1: missing, as geo.filters.LayerIndex codes them
    return codes.tolist(), [str(v) for v in uniques]


def layer_columns(name: str, gdf: gpd.GeoDataFrame) -> dict:
    """What apply_filters reads from one layer, row by row in the layer's order."""
    confidence, confidences = _codes(gdf["confidence"])
    kind, kinds = _codes(gdf["kind"])
    out: dict[str, object] = {
        "n": len(gdf),
        "conf": confidence,
        "confs": confidences,
        "kind": kind,
        "kinds": kinds,
        "ss": _days(gdf["span_start"]),
        "se": _days(gdf["span_end"]),
    }
    needs_ids = name != "events"  # apply_filters never reads an event's own id
    for column in ID_COLUMNS:
        if column in gdf.columns and (needs_ids or column != "id"):
            out[column] = [as_text(v) for v in gdf[column].tolist()]
    if name == "events" and "crossing_ids" in gdf.columns:
        lists = [tuple(as_id_list(v)) for v in gdf["crossing_ids"].tolist()]
        codes, uniques = pd.factorize(pd.Series(lists, dtype=object))
        out["cx"] = codes.tolist()
        out["cxs"] = [list(u) for u in uniques]
    return out


def client_modes(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, str] | None:
    """Each group's draw mode for the whole dataset; None when some group is drawn as grid counts
    (too many points to hold in the browser: the map then takes the server's payloads)."""
    modes = {g: draw_mode(GROUP_LAYER[g], drawable(frame)) for g, frame in split_groups(layers).items()}
    return None if "grid" in modes.values() else modes


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


def _group_entry(group_id: str, layer: str, frame: gpd.GeoDataFrame, positions: pd.Index, mode: str) -> str:
    if mode == "columns":
        points = drawable(frame)
        codes = encode_points(layer, points, neutral=True)
        rows = positions.get_indexer(codes.index)
        payload = columns_payload(layer, points, style=group_id, codes=codes)
    else:
        features, labels = [], []
        # Crossing label sides depend on which crossings are in view: map.js sets them (labelSides).
        for label, feature in _neutral_features(layer, frame):
            features.append(feature)
            labels.append(label)
        rows = positions.get_indexer(pd.Index(labels))
        payload = to_script_json({"type": "FeatureCollection", "features": features})
    head = to_script_json({"layer": layer, "mode": mode, "rows": np.asarray(rows, dtype=np.int64).tolist()})
    return head[:-1] + ',"payload":' + payload + "}"


def client_document(layers: Mapping[str, gpd.GeoDataFrame]) -> str | None:
    """The document map.js filters (JSON text), or None when the dataset is too large for it."""
    modes = client_modes(layers)
    if modes is None:
        return None
    columns = {name: layer_columns(name, gdf) for name, gdf in layers.items()}
    positions = {name: pd.Index(gdf.index) for name, gdf in layers.items()}
    groups = [
        json.dumps(g) + ":" + _group_entry(g, GROUP_LAYER[g], frame, positions[GROUP_LAYER[g]], modes[g])
        for g, frame in split_groups(layers).items()
    ]
    head = to_script_json({"format": FORMAT, "layers": columns})
    return head[:-1] + ',"groups":{' + ",".join(groups) + "}}"


def content_name(document: str) -> str:
    """The file name of a document: its content hash (a new dataset version is a new name)."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()[:20] + ".json"


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


def write_document(document: str, directory: Path) -> str:
    """Write the document as directory/<content hash>.json, atomically; returns the file name.

    An existing file of that name already holds these bytes (its name is their hash)."""
    name = content_name(document)
    write_named(document, directory, name)
    return name


def write_named(text: str, directory: Path, name: str) -> None:
    """Write `text` as directory/name atomically, unless that file exists (`name` is the text's hash)."""
    target = directory / name
    if target.is_file():
        return
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=directory, suffix=".tmp", delete=False) as handle:
        handle.write(text)
        temporary = Path(handle.name)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
