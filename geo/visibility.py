"""Per-record visibility: the one choke point between the data and anything the public can see.

Every record may carry `visibility` (public | generalised | restricted; missing or blank = public).
`public_view(dataset)` is the only function that turns the full dataset into what the public may
see; the app's loader, the exports, the briefing, figures, search, timeline, replay and presenter
all read its result, so an output added later cannot forget it.

What the public sees:

- **public**: the record as it is.
- **restricted**: nothing. The record is removed, and so is everything that would reveal it: route
  legs that start, end or cross at it, its id in other records' `crossing_ids`, its rejected rows,
  its row revision, and sources cited by nothing else that remains. A deep link to its id finds
  exactly what a link to an id that never existed finds.
- **generalised**: published at a coarser precision, deterministically:
  * a point at `city` or `region` precision is already the centre of a place taken from the data and
    keeps it; any finer point (exact, bridge or port, town) is moved to the centre of its cell in a
    GRID_DEGREES grid (0.1°: about 11 km north–south and 8 km east–west here), its precision becomes
    `city` and its uncertainty radius grows to at least GENERALISED_RADIUS_M (10 km, more than the
    cell's half diagonal, so the drawn circle still contains the true place);
  * a route leg that is generalised or that touches a generalised point has every vertex snapped
    to the same grid (its ends then meet the generalised points);
  * a date given to the day is published to the month (`date_precision` becomes `month`);
  * counts (every count_* field but the free-text count_note), confidence, kind, sources, province
    and country are kept (they do not locate anyone); every other text (notes, place names, the
    reported sentence, names in Korean and Chinese, point names) is withheld, because free text
    is where a place gets described. `notes` says why.
    `name_en` is kept: it is the public headline, and the edit form tells editors to write it so.
- Fail closed: an unknown visibility value is treated as restricted.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString, Point

from geo.i18n import N_
from geo.io import Dataset, add_date_spans
from geo.schema import VISIBILITIES, as_id_list, is_blank

VISIBILITY_FIELD = "visibility"
VISIBILITY_LABELS = {  # message ids: translated where shown
    "public": N_("Public"),
    "generalised": N_("Generalised (published at about 10 km and to the month)"),
    "restricted": N_("Restricted (editors only)"),
}
# Ordered from most to least visible: a change towards the end takes effect at once (fail closed).
VISIBILITY_RANK = {name: rank for rank, name in enumerate(VISIBILITIES)}

GRID_DEGREES = 0.1
GENERALISED_RADIUS_M = 10_000
GENERALISED_PRECISION = "city"
KEEPS_ITS_POINT = ("city", "region")
WITHHELD_NOTE = "Location generalised to protect people: published at about 10 km and to the month; details withheld."
# The fields a generalised record publishes as they are; any other field is withheld (blanked).
GENERALISED_KEEPS = frozenset(
    {
        "id",
        "kind",
        "name_en",
        "confidence",
        "count_low",
        "count_high",
        "count_of",
        "count_source_ids",
        "source_ids",
        "coord_source_ids",
        "province",
        "country",
        "date_start",
        "date_end",
        "date_precision",
        "location_precision",
        "uncertainty_m",
        VISIBILITY_FIELD,
        "from_id",
        "to_id",
        "crossing_id",
        "crossing_ids",
        "evidence",
        "leg",
        "schematic",
        "used_2023_10_09",
        "side_cn_en",
        "side_kp_en",
        "span_start",
        "span_end",
        "geometry",
    }
)
SOURCE_FIELDS = ("source_ids", "count_source_ids", "coord_source_ids")
# The version suffix of the full (editors') dataset: its caches can never be shared with the public's.
EDITOR_VERSION_SUFFIX = "+editors"


def is_kept_when_generalised(field: str) -> bool:
    """Counts and their qualifiers (count_*, except the free-text count_note) and every *source_ids list
    are kept with GENERALISED_KEEPS; any other field is withheld."""
    if field in GENERALISED_KEEPS or field.endswith("source_ids"):
        return True
    return field.startswith("count_") and field != "count_note"


def visibility_of(value: object) -> str:
    """A record's visibility: blank is public; anything unknown is restricted (fail closed)."""
    if is_blank(value):
        return "public"
    text = str(value).strip()
    return text if text in VISIBILITY_RANK else "restricted"


def is_less_visible(old: object, new: object) -> bool:
    """True when `new` shows less than `old` (takes effect at once, before review)."""
    return VISIBILITY_RANK[visibility_of(new)] > VISIBILITY_RANK[visibility_of(old)]


def snap_coordinate(value: float) -> float:
    """The centre of the GRID_DEGREES cell holding `value` (deterministic; rounded to 4 decimals)."""
    return round((math.floor(value / GRID_DEGREES) + 0.5) * GRID_DEGREES, 4)


def generalise_geometry(geometry: object, precision: object):
    if geometry is None or getattr(geometry, "is_empty", True):
        return geometry
    if isinstance(geometry, Point):
        if precision in KEEPS_ITS_POINT:
            return geometry
        return Point(snap_coordinate(geometry.x), snap_coordinate(geometry.y))
    if isinstance(geometry, LineString):
        return LineString([(snap_coordinate(x), snap_coordinate(y)) for x, y, *_ in geometry.coords])
    # Any other shape is published as the grid cell of its centroid.
    centre = geometry.centroid
    return Point(snap_coordinate(centre.x), snap_coordinate(centre.y))


def generalise_date(text: object, precision: object) -> object:
    if precision == "day" and not is_blank(text):
        return str(text)[:7]
    return text


def _visibilities(layer: gpd.GeoDataFrame) -> pd.Series:
    if VISIBILITY_FIELD not in layer.columns:
        return pd.Series("public", index=layer.index, dtype=object)
    values = layer[VISIBILITY_FIELD]
    text = values.astype(str).str.strip()
    blank = values.isna() | text.eq("") | values.map(type).ne(str)
    result = text.where(text.isin(VISIBILITY_RANK), "restricted")  # unknown: restricted (fail closed)
    result[blank] = [visibility_of(v) for v in values[blank]]
    return result


def hidden_ids(dataset: Dataset) -> tuple[set[str], set[str]]:
    """(restricted ids, generalised ids) across every layer."""
    restricted: set[str] = set()
    generalised: set[str] = set()
    for layer in dataset.layers.values():
        if not len(layer):
            continue
        kinds = _visibilities(layer)
        restricted |= set(layer.loc[kinds == "restricted", "id"].astype(str))
        generalised |= set(layer.loc[kinds == "generalised", "id"].astype(str))
    return restricted, generalised


def _touches(layer: gpd.GeoDataFrame, ids: set[str]) -> pd.Series:
    touching = pd.Series(False, index=layer.index)
    for column in ("from_id", "to_id", "crossing_id"):
        if column in layer.columns:
            touching |= layer[column].astype(str).isin(ids)
    return touching


def _generalise_rows(layer: gpd.GeoDataFrame, rows: pd.Series, snap_lines: pd.Series) -> gpd.GeoDataFrame:
    """The layer with its generalised rows (and the route legs to snap) rewritten; only those rows are
    touched, the rest are put back around them in their order."""
    touched = rows | snap_lines
    changed = _generalise_subset(layer[touched].copy(), rows[touched], snap_lines[touched])
    return pd.concat([layer[~touched], changed]).loc[layer.index]


def _generalise_subset(layer: gpd.GeoDataFrame, rows: pd.Series, snap_lines: pd.Series) -> gpd.GeoDataFrame:
    for column in layer.columns:
        if is_kept_when_generalised(column) or column.startswith("_"):
            continue
        if column == "notes":
            layer.loc[rows, column] = WITHHELD_NOTE
        else:
            layer.loc[rows, column] = ""
    for index in layer.index[rows | snap_lines]:
        precision = layer.at[index, "location_precision"] if "location_precision" in layer.columns else None
        old = layer.at[index, "geometry"]
        new = generalise_geometry(old, precision)
        layer.at[index, "geometry"] = new
        if isinstance(old, Point) and new is not old:
            layer.at[index, "location_precision"] = GENERALISED_PRECISION
        if isinstance(new, Point) and "uncertainty_m" in layer.columns:
            radius = layer.at[index, "uncertainty_m"]
            radius = radius if isinstance(radius, int | float) and not pd.isna(radius) else 0
            layer.at[index, "uncertainty_m"] = max(radius, GENERALISED_RADIUS_M)
    if rows.any() and "date_precision" in layer.columns:
        changed = []
        for index in layer.index[rows]:
            precision = layer.at[index, "date_precision"]
            if precision == "day":
                layer.at[index, "date_start"] = generalise_date(layer.at[index, "date_start"], precision)
                layer.at[index, "date_end"] = generalise_date(layer.at[index, "date_end"], precision)
                layer.at[index, "date_precision"] = "month"
                changed.append(index)
        if changed and "span_start" in layer.columns:  # only the changed rows' spans are computed again
            spans = add_date_spans(layer.loc[changed].drop(columns=["span_start", "span_end"]))
            layer.loc[changed, "span_start"] = spans["span_start"]
            layer.loc[changed, "span_end"] = spans["span_end"]
    return layer


def _without_ids(value: object, ids: set[str]) -> object:
    if isinstance(value, list | tuple):
        return [item for item in value if str(item) not in ids]
    return value


def _cited(layers: Iterable[gpd.GeoDataFrame], among: set[str] | None = None) -> set[str]:
    """The source ids these layers cite (only those in `among`, when given: much faster at scale)."""
    cited: set[str] = set()
    for layer in layers:
        for column in SOURCE_FIELDS:
            if column not in layer.columns or not len(layer):
                continue
            column_values = layer[column]
            texts = column_values.map(type).eq(str)  # "S1;S2" as text: split the few that are
            values = column_values[~texts].explode().dropna()
            ids = set(values.astype(str)) if among is None else set(values[values.isin(among)].astype(str))
            for value in column_values[texts]:
                ids.update(as_id_list(value))
            cited |= ids if among is None else ids & among
    return cited


def public_view(dataset: Dataset) -> Dataset:
    """What the public may see of `dataset` (see the module docstring). Pure; the input is not changed."""
    restricted, generalised = hidden_ids(dataset)
    if not restricted and not generalised:
        return dataset
    layers: dict[str, gpd.GeoDataFrame] = {}
    removed_layers: list[gpd.GeoDataFrame] = []
    for name, layer in dataset.layers.items():
        if not len(layer):
            layers[name] = layer
            continue
        kinds = _visibilities(layer)
        gone = (kinds == "restricted") | _touches(layer, restricted)
        removed_layers.append(layer[gone])
        kept = layer[~gone]
        kinds = kinds[~gone]
        rows = kinds == "generalised"
        snap_lines = _touches(kept, generalised) & kept.geometry.geom_type.eq("LineString")
        if rows.any() or snap_lines.any():
            kept = _generalise_rows(kept, rows, snap_lines)
        if "crossing_ids" in kept.columns and restricted and len(kept):
            exploded = kept["crossing_ids"].explode()
            naming = exploded[exploded.isin(restricted)].index.unique()
            if len(naming):
                kept = kept.copy()
                kept.loc[naming, "crossing_ids"] = kept.loc[naming, "crossing_ids"].map(
                    lambda value: _without_ids(value, restricted)
                )
        layers[name] = kept
    removed_ids = set().union(*(set(layer["id"].astype(str)) for layer in removed_layers)) if removed_layers else set()
    hidden_citations = _cited(removed_layers)
    only_hidden_sources = hidden_citations - _cited(layers.values(), hidden_citations)
    sources = dataset.sources[~dataset.sources["id"].isin(only_hidden_sources)].reset_index(drop=True)
    rejected = dataset.rejected[~dataset.rejected["id"].astype(str).isin(removed_ids | generalised)]
    row_revisions = {fid: entry for fid, entry in dataset.row_revisions.items() if fid not in removed_ids}
    return replace(dataset, layers=layers, sources=sources, rejected=rejected, row_revisions=row_revisions)


def editor_view(dataset: Dataset) -> Dataset:
    """The full dataset for signed-in editors, under a version of its own (caches never mix the two)."""
    return replace(dataset, version=dataset.version + EDITOR_VERSION_SUFFIX)


def is_public_record(dataset: Dataset, record_id: str) -> bool:
    """True when the public may see this record's history (it exists and is fully public)."""
    for layer in dataset.layers.values():
        if len(layer) and record_id in set(layer["id"].astype(str)):
            match = layer[layer["id"].astype(str) == record_id]
            return bool((_visibilities(match) == "public").all())
    return False
