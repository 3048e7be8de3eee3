"""The filter spec, applying it to the layers, and describing it in one sentence (English or Korean)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import urlencode

import geopandas as gpd
import numpy as np
import pandas as pd
from babel.dates import format_date

from geo.i18n import N_, _, language, ngettext
from geo.schema import CONFIDENCE_LEVELS, CONTEXT_LAYERS, as_id_list, as_text, is_blank
from geo.text import MONTHS, format_number
from geo.vocab import KIND_LABELS, kind_label

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
    shown, added = _shown_rows(layers, spec, index if index is not None else index_layers(layers))
    result = {name: gdf[shown[name]] for name, gdf in layers.items()}
    for name, extra in added.items():
        result[name] = pd.concat([result[name], layers[name][extra]]).sort_index()
    return result


def select_rows(
    layers: Mapping[str, gpd.GeoDataFrame], spec: FilterSpec, index: Mapping[str, LayerIndex] | None = None
) -> dict[str, np.ndarray]:
    """apply_filters as a boolean mask per layer (the same rows; their order is the layer's), without
    building the filtered frames: what counts and bounds need."""
    shown, added = _shown_rows(layers, spec, index if index is not None else index_layers(layers))
    return {name: shown[name] | added[name] if name in added else shown[name] for name in layers}


def _shown_rows(
    layers: Mapping[str, gpd.GeoDataFrame], spec: FilterSpec, index: Mapping[str, LayerIndex]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(rows shown, rows added back as a leg's end points in a layer whose index is not in order)."""
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
    return shown, added


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
    return ngettext(
        "; not dated, so not counted or filtered by date: {n} regular route (NKDB), not 9 October, "
        "drawn only while their map layer is on",
        "; not dated, so not counted or filtered by date: {n} regular routes (NKDB), not 9 October, "
        "drawn only while their map layer is on",
        count,
    )


def format_day(day: date) -> str:
    if language() != "en":
        return format_date(day, "long", locale=language())
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def format_range(date_from: date | None, date_to: date | None) -> str:
    if date_from is None and date_to is None:
        return _("all dates")
    if date_from is None:
        return _("until {day}", day=format_day(date_to))
    if date_to is None:
        return _("from {day}", day=format_day(date_from))
    if date_from == date_to:
        return format_day(date_from)
    if language() != "en":  # whole dates on both sides
        return f"{format_day(date_from)} – {format_day(date_to)}"
    if (date_from.year, date_from.month) == (date_to.year, date_to.month):
        return f"{date_from.day}–{date_to.day} {MONTHS[date_to.month - 1]} {date_to.year}"
    if date_from.year == date_to.year:
        return f"{date_from.day} {MONTHS[date_from.month - 1]} – {format_day(date_to)}"
    return f"{format_day(date_from)} – {format_day(date_to)}"


MIN_CONFIDENCE_WORDS = {"single-source": N_("single-source"), "confirmed": N_("confirmed")}


def describe(
    spec: FilterSpec,
    shown: int,
    total: int,
    crossing_names: Mapping[str, str] | None = None,
    kind_labels: Mapping[str, str] | None = None,
) -> str:
    """One sentence in the active language: what is shown, of how many, under which filters."""
    names = crossing_names or {}
    parts = [format_range(spec.date_from, spec.date_to)]
    if spec.crossings:
        labels = [names.get(c, c) for c in spec.crossings]
        parts.append(ngettext("crossing {names}", "crossings {names}", len(labels), names=_join(labels)))
    if spec.kinds:
        kinds = [(kind_labels or {}).get(k, k.replace("_", " ")) for k in spec.kinds]
        parts.append(_("kinds {kinds}", kinds=_join(kinds)))
    if spec.min_confidence != "unknown":
        level = spec.min_confidence
        parts.append(_("confidence at least {level}", level=_(MIN_CONFIDENCE_WORDS.get(level, level))))
    return ngettext(
        "Showing {shown} of {n} feature: {filters}",
        "Showing {shown} of {n} features: {filters}",
        total,
        shown=format_number(shown),
        filters=", ".join(parts),
    )


def endpoint_only(shown: Mapping[str, gpd.GeoDataFrame], spec: FilterSpec) -> list[tuple[str, str]]:
    """(id, name) of the places shown only because a leg in view ends there: their own dates are outside
    the range (apply_filters brings a leg's end points, so that a leg never ends in nothing)."""
    found: list[tuple[str, str]] = []
    for name in POINT_LAYERS:
        gdf = shown.get(name)
        if gdf is None or not len(gdf):
            continue
        outside = gdf[~date_mask(gdf, spec.date_from, spec.date_to)]
        found += [
            (str(fid), local_name(row)) for fid, row in zip(outside["id"], outside.to_dict("records"), strict=True)
        ]
    return found


def describe_endpoint_only(found: list[tuple[str, str]]) -> str:
    if not found:
        return ""
    return ngettext(
        "{names} is here only as the end of a leg in the range: its own dates fall outside it.",
        "{names} are here only as the end of a leg in the range: their own dates fall outside it.",
        len(found),
        names=_join([name for _fid, name in found]),
    )


def _fold(value: str) -> str:
    return " ".join(value.casefold().split())


def resolve_choices(values: Iterable[str], names: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """The ids that URL values name, and the values that name nothing. A value is an id or, as in links
    made before ids were used, a name (`names` maps id -> name); case and spacing do not matter."""
    lookup = {_fold(fid): fid for fid in names} | {_fold(name): fid for fid, name in names.items()}
    ids: list[str] = []
    unknown: list[str] = []
    for value in values:
        fid = lookup.get(_fold(value))
        if fid is None:
            unknown.append(value)
        elif fid not in ids:
            ids.append(fid)
    return ids, unknown


def view_query(spec: FilterSpec) -> str:
    """The spec as the query string of the app's address (ids, ISO dates): opening it gives the same view."""
    params: list[tuple[str, str]] = []
    params += [("dates", day.isoformat()) for day in (spec.date_from, spec.date_to) if day is not None]
    params += [("crossing", fid) for fid in spec.crossings]
    params += [("kind", kind) for kind in spec.kinds]
    if spec.min_confidence != "unknown":
        params.append(("confidence", spec.min_confidence))
    return urlencode(params)


def describe_on_map(shown: int, drawn: int) -> str:
    """What of the features shown the map draws (every one of them can be seen and clicked there)."""
    if shown == 0:
        return ""
    if drawn >= shown:
        return _("All of them are on the map.")
    return ngettext(
        "{drawn} of them on the map; the other {n} has no place to draw "
        "(events known by date only: see the Timeline and the Data page).",
        "{drawn} of them on the map; the other {n} have no place to draw "
        "(events known by date only: see the Timeline and the Data page).",
        shown - drawn,
        drawn=drawn,
    )


def local_name(row: Mapping[str, object]) -> str:
    """A feature's name in the active language: its Korean name in Korean where the data has one, else
    its English name (never an invented translation)."""
    if language() == "ko" and not is_blank(row.get("name_ko")):
        return as_text(row.get("name_ko"))
    return as_text(row.get("name_en"))


def crossing_names(crossings: gpd.GeoDataFrame, localised: bool = True) -> dict[str, str]:
    """Crossing id -> name in the active language (`localised=False`: the English name, as links name them)."""
    if not localised or language() != "ko" or "name_ko" not in crossings:
        return dict(zip(crossings["id"], crossings["name_en"], strict=True))
    return {
        fid: local_name({"name_en": en, "name_ko": ko})
        for fid, en, ko in zip(crossings["id"], crossings["name_en"], crossings["name_ko"], strict=True)
    }


def describe_view(
    spec: FilterSpec, shown: int, layers: Mapping[str, gpd.GeoDataFrame], escape: Callable[[str], str] = str
) -> str:
    """The sentence above the map, in the exports' citation and on the pages: `shown` features of all
    those in `layers` (unfiltered), under `spec`. `escape` is applied to the crossing names from data
    (the pages show the sentence with st.markdown; a file keeps them as they are)."""
    names = {fid: escape(name) for fid, name in crossing_names(layers["crossings"]).items()}
    kinds = {kind: kind_label(kind) for kind in KIND_LABELS}
    sentence = describe(spec, shown, count_features(layers), names, kinds)
    return sentence + context_note(regular_routes_shown(spec, layers))


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("{first} and {last}", first=", ".join(items[:-1]), last=items[-1])


def data_span(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[date, date]:
    starts = pd.concat([gdf["span_start"] for gdf in layers.values()]).dropna()
    ends = pd.concat([gdf["span_end"] for gdf in layers.values()]).dropna()
    return starts.min().date(), ends.max().date()


def date_presets(today: date, span: tuple[date, date]) -> dict[str, tuple[date, date]]:
    return {
        N_("9 Oct 2023"): (date(2023, 10, 9), date(2023, 10, 9)),
        N_("Aug–Dec 2023"): (date(2023, 8, 1), date(2023, 12, 31)),
        N_("2020 to now"): (date(2020, 1, 1), today),
        N_("All dates"): (span[0], max(span[1], today)),
    }
