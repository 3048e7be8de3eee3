"""The filter spec, applying it to the layers, and describing it in one English sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.schema import CONFIDENCE_LEVELS, CONTEXT_LAYERS, as_id_list
from geo.text import MONTHS
from geo.vocab import KIND_LABELS

POINT_LAYERS = ("detention_centres", "crossings", "receiving_facilities")


@dataclass(frozen=True)
class FilterSpec:
    date_from: date | None = None
    date_to: date | None = None
    crossings: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    min_confidence: str = "unknown"

    def __post_init__(self) -> None:
        if self.min_confidence not in CONFIDENCE_LEVELS:
            raise ValueError(f"unknown confidence level {self.min_confidence!r}")
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError(f"date range ends ({self.date_to}) before it starts ({self.date_from})")

    def with_dates(self, date_from: date | None, date_to: date | None) -> FilterSpec:
        return replace(self, date_from=date_from, date_to=date_to)


def allowed_confidence(min_confidence: str) -> tuple[str, ...]:
    return CONFIDENCE_LEVELS[: CONFIDENCE_LEVELS.index(min_confidence) + 1]


def date_mask(gdf: gpd.GeoDataFrame, date_from: date | None, date_to: date | None) -> pd.Series:
    """True where the feature's date span overlaps the range; undated (context) features always match."""
    mask = pd.Series(True, index=gdf.index)
    undated = gdf["span_start"].isna()
    if date_from is not None:
        mask &= gdf["span_end"] >= pd.Timestamp(date_from)
    if date_to is not None:
        mask &= gdf["span_start"] <= pd.Timestamp(date_to)
    return mask | undated


@dataclass(frozen=True)
class LayerIndex:
    """The columns of one layer that the filters read, as numpy arrays.

    Built once per dataset version (geo/ui/data.py caches it): on small layers pandas' per-operation
    overhead costs far more than the comparisons, and on large ones the codes are cheaper to test.
    """

    confidence: tuple[np.ndarray, pd.Index]  # pd.factorize codes (-1: missing) and their values
    kind: tuple[np.ndarray, pd.Index]
    start: np.ndarray  # datetime64, NaT where undated
    end: np.ndarray
    ids: dict[str, np.ndarray]  # id, crossing_id, from_id, to_id where the layer has them (objects)
    in_order: bool  # the index is increasing: a row added back keeps its place without sorting


def index_layers(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, LayerIndex]:
    return {name: _index_layer(gdf) for name, gdf in layers.items()}


def _index_layer(gdf: gpd.GeoDataFrame) -> LayerIndex:
    ids = {c: gdf[c].to_numpy(dtype=object) for c in ("id", "crossing_id", "from_id", "to_id") if c in gdf}
    return LayerIndex(
        confidence=pd.factorize(gdf["confidence"]),
        kind=pd.factorize(gdf["kind"]),
        start=np.asarray(gdf["span_start"], dtype="datetime64[ns]"),
        end=np.asarray(gdf["span_end"], dtype="datetime64[ns]"),
        ids=ids,
        in_order=gdf.index.is_monotonic_increasing and gdf.index.is_unique,
    )


def _coded_in(coded: tuple[np.ndarray, pd.Index], wanted: Iterable[str]) -> np.ndarray:
    codes, values = coded
    wanted = set(wanted)
    return np.isin(codes, [code for code, value in enumerate(values) if value in wanted])


def _member(values: np.ndarray, wanted: set) -> np.ndarray:
    return np.fromiter((value in wanted for value in values), dtype=bool, count=len(values))


def _index_masks(index: LayerIndex, spec: FilterSpec) -> tuple[np.ndarray, np.ndarray]:
    """(attribute mask, attribute and date mask) of one layer: date_mask and the confidence/kind filters."""
    attribute = _coded_in(index.confidence, allowed_confidence(spec.min_confidence))
    if spec.kinds:
        attribute &= _coded_in(index.kind, spec.kinds)
    dates = np.ones(len(index.start), dtype=bool)
    if spec.date_from is not None:
        dates &= index.end >= np.datetime64(spec.date_from, "ns")
    if spec.date_to is not None:
        dates &= index.start <= np.datetime64(spec.date_to, "ns")
    return attribute, attribute & (dates | np.isnat(index.start))


def _touches_crossings(values: pd.Series, selected: set[str]) -> pd.Series:
    return values.map(lambda v: bool(selected.intersection(as_id_list(v))))


def apply_filters(
    layers: Mapping[str, gpd.GeoDataFrame], spec: FilterSpec, index: Mapping[str, LayerIndex] | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """The features each layer shows under the spec.

    A chosen crossing keeps its routes, their origins and receiving facilities, and its events.
    A route shown brings its two end points, even when their own dates fall outside the range
    (a leg must not end in nothing); a leg whose end point fails the confidence or kind filter
    is not shown. `index` is index_layers(layers), when the caller keeps it (it is built otherwise).
    """
    index = index if index is not None else index_layers(layers)
    # Masks on numpy arrays; each layer is indexed once at the end.
    attribute, shown = {}, {}
    for name in layers:
        attribute[name], shown[name] = _index_masks(index[name], spec)
    selected = set(spec.crossings)
    if selected:
        shown["crossings"] &= _member(index["crossings"].ids["id"], selected)
        routes = index["routes"].ids
        shown["routes"] &= _member(routes["crossing_id"], selected)
        endpoints = set(routes["from_id"][shown["routes"]]) | set(routes["to_id"][shown["routes"]])
        for name in ("detention_centres", "receiving_facilities"):
            shown[name] &= _member(index[name].ids["id"], endpoints)
        events = shown["events"]
        if events.any():
            crossing_ids = layers["events"]["crossing_ids"][events]
            events[events] = _touches_crossings(crossing_ids, selected).to_numpy(dtype=bool)

    available = {fid for name in POINT_LAYERS for fid in index[name].ids["id"][attribute[name]]}
    routes = index["routes"].ids
    shown["routes"] &= _member(routes["from_id"], available) & _member(routes["to_id"], available)
    needed = set(routes["from_id"][shown["routes"]]) | set(routes["to_id"][shown["routes"]])
    added: dict[str, np.ndarray] = {}
    for name in POINT_LAYERS:
        ids = index[name].ids["id"]
        extra = attribute[name] & _member(ids, needed) & ~_member(ids, set(ids[shown[name]]))
        if extra.any():
            if index[name].in_order:
                shown[name] |= extra
            else:
                added[name] = extra
    for name in CONTEXT_LAYERS:
        # Undated context: dates do not select it; it belongs to no crossing, so a crossing choice hides it.
        if name in shown:
            shown[name] = attribute[name] & (not selected)
    result = {name: gdf[shown[name]] for name, gdf in layers.items()}
    for name, extra in added.items():
        result[name] = pd.concat([result[name], layers[name][extra]]).sort_index()
    return result


def count_features(layers: Mapping[str, gpd.GeoDataFrame]) -> int:
    """Features the filters selected; the undated context layers (CONTEXT_LAYERS) are not counted."""
    return sum(len(gdf) for name, gdf in layers.items() if name not in CONTEXT_LAYERS)


def regular_routes_shown(spec: FilterSpec, layers: Mapping[str, gpd.GeoDataFrame]) -> int:
    """How many of NKDB's regular routes the spec lets through (dates never select them; see apply_filters)."""
    routes = layers.get("regular_routes")
    if routes is None or not len(routes) or spec.crossings:
        return 0
    keep = routes["confidence"].isin(allowed_confidence(spec.min_confidence))
    if spec.kinds:
        keep &= routes["kind"].isin(spec.kinds)
    return int(keep.sum())


def context_note(count: int) -> str:
    """The clause the filter sentence adds while regular routes pass the filters: they are not dated."""
    if not count:
        return ""
    noun = "regular route" if count == 1 else "regular routes"
    return (
        f"; not dated, so not counted or filtered by date: {count} {noun} (NKDB), not 9 October, "
        "drawn only while their map layer is on"
    )


def format_day(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_range(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return "all dates"
    if date_from is None:
        return f"until {format_day(date_to)}"
    if date_to is None:
        return f"from {format_day(date_from)}"
    if date_from == date_to:
        return format_day(date_from)
    if (date_from.year, date_from.month) == (date_to.year, date_to.month):
        return f"{date_from.day}–{date_to.day} {MONTHS[date_to.month - 1]} {date_to.year}"
    if date_from.year == date_to.year:
        return f"{date_from.day} {MONTHS[date_from.month - 1]} – {format_day(date_to)}"
    return f"{format_day(date_from)} – {format_day(date_to)}"


def describe(
    spec: FilterSpec,
    shown: int,
    total: int,
    crossing_names: Mapping[str, str] | None = None,
    kind_labels: Mapping[str, str] | None = None,
) -> str:
    """One English sentence: what is shown, of how many, under which filters."""
    names = crossing_names or {}
    parts = [format_range(spec.date_from, spec.date_to)]
    if spec.crossings:
        labels = [names.get(c, c) for c in spec.crossings]
        noun = "crossing" if len(labels) == 1 else "crossings"
        parts.append(f"{noun} {_join(labels)}")
    if spec.kinds:
        kinds = [(kind_labels or {}).get(k, k.replace("_", " ")) for k in spec.kinds]
        parts.append(f"kinds {_join(kinds)}")
    if spec.min_confidence != "unknown":
        parts.append(f"confidence at least {spec.min_confidence}")
    noun = "feature" if total == 1 else "features"
    return f"Showing {shown} of {total} {noun}: {', '.join(parts)}"


def crossing_names(crossings: gpd.GeoDataFrame) -> dict[str, str]:
    """Crossing id -> English name."""
    return dict(zip(crossings["id"], crossings["name_en"], strict=True))


def describe_view(
    spec: FilterSpec, shown: int, layers: Mapping[str, gpd.GeoDataFrame], escape: Callable[[str], str] = str
) -> str:
    """The sentence above the map, in the exports' citation and on the pages: `shown` features of all
    those in `layers` (unfiltered), under `spec`. `escape` is applied to the crossing names from data
    (the pages show the sentence with st.markdown; a file keeps them as they are)."""
    names = {fid: escape(name) for fid, name in crossing_names(layers["crossings"]).items()}
    sentence = describe(spec, shown, count_features(layers), names, KIND_LABELS)
    return sentence + context_note(regular_routes_shown(spec, layers))


def _join(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def data_span(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[date, date]:
    starts = pd.concat([gdf["span_start"] for gdf in layers.values()]).dropna()
    ends = pd.concat([gdf["span_end"] for gdf in layers.values()]).dropna()
    return starts.min().date(), ends.max().date()


def date_presets(today: date, span: tuple[date, date]) -> dict[str, tuple[date, date]]:
    return {
        "9 Oct 2023": (date(2023, 10, 9), date(2023, 10, 9)),
        "Aug–Dec 2023": (date(2023, 8, 1), date(2023, 12, 31)),
        "2020 to now": (date(2020, 1, 1), today),
        "All dates": (span[0], max(span[1], today)),
    }
