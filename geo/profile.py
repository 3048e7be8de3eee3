"""A crossing's profile: its names on both sides, where it is and how precisely, the people
reported on 9 October 2023, every event there, the legs that fed it and the facility it led to,
and its sources. Everything comes from the dataset; nothing here is formatted as HTML."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd

from geo.details import SourceEntry, source_entries
from geo.i18n import _, language
from geo.io import Dataset
from geo.schema import LAYERS, as_id_list, as_text
from geo.table import confidence_word
from geo.text import confidence_label, format_count, format_dates, location_label
from geo.vocab import kind_label


@dataclass(frozen=True)
class NameRow:
    part: str
    en: str
    ko: str
    zh: str


@dataclass(frozen=True)
class EventLine:
    id: str
    dates: str
    name: str
    kind: str
    people: str
    confidence: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class LegLine:
    id: str
    leg: str  # "origin" (detention centre → crossing) or "handover" (crossing → North Korean facility)
    from_name: str
    to_name: str
    evidence: str
    confidence: str
    source_ids: tuple[str, ...]


@dataclass(frozen=True)
class CrossingProfile:
    id: str
    name_en: str
    name: str  # in the interface's language where the data has it (name_ko), else the English name
    names: tuple[NameRow, ...]
    point_name: str
    lat: float | None
    lon: float | None
    location: str
    used_2023_10_09: bool
    people: str
    count_note: str
    confidence: str
    reported: str
    notes: str
    events: tuple[EventLine, ...]
    legs: tuple[LegLine, ...]
    origins: tuple[tuple[str, str], ...]  # (id, name) of the detention centres of the legs that fed it
    receiving: tuple[tuple[str, str], ...]  # (id, name) of the facilities in North Korea it led to
    sources: tuple[SourceEntry, ...]
    count_sources: tuple[SourceEntry, ...]
    coord_sources: tuple[SourceEntry, ...]


def local_name(name_en: object, name_ko: object) -> str:
    """The Korean name in the Korean interface where the data has one; otherwise the English name (never blank,
    never an invented translation)."""
    if language() == "ko" and as_text(name_ko):
        return as_text(name_ko)
    return as_text(name_en)


def crossing_options(dataset: Dataset) -> dict[str, str]:
    """Crossing id → name (Korean where the interface is Korean and the data has it), the five crossings of
    9 Oct 2023 first, then the others, by English name in every language."""
    crossings = dataset.layers["crossings"]
    rows = sorted(
        crossings.to_dict("records"), key=lambda r: (r.get("used_2023_10_09") is not True, as_text(r.get("name_en")))
    )
    return {as_text(r["id"]): local_name(r.get("name_en"), r.get("name_ko")) for r in rows}


def _name_of(dataset: Dataset, fid: str) -> str:
    for gdf in dataset.layers.values():
        match = gdf[gdf["id"] == fid]
        if len(match):
            record = match.iloc[0]
            return local_name(record.get("name_en"), record.get("name_ko"))
    return fid


def events_at(dataset: Dataset, crossing_id: str) -> gpd.GeoDataFrame:
    events = dataset.layers["events"]
    if not len(events):
        return events
    mask = events["crossing_ids"].map(lambda v: crossing_id in as_id_list(v))
    return events[mask].sort_values(["span_start", "id"], na_position="last")


def legs_of(dataset: Dataset, crossing_id: str) -> gpd.GeoDataFrame:
    routes = dataset.layers["routes"]
    legs = routes[routes["crossing_id"] == crossing_id]
    order = legs["leg"].map({"origin": 0, "handover": 1}).fillna(2)
    return legs.assign(_order=order).sort_values(["_order", "id"]).drop(columns="_order")


def crossing_profile(dataset: Dataset, crossing_id: str) -> CrossingProfile | None:
    crossings = dataset.layers["crossings"]
    match = crossings[crossings["id"] == crossing_id]
    if not len(match):
        return None
    row: Mapping[str, object] = match.iloc[0].to_dict()
    geom = row.get("geometry")
    lat = lon = None
    location = _("no location")
    if geom is not None and not getattr(geom, "is_empty", True):
        lat, lon = float(geom.y), float(geom.x)
        location = (
            f"{lat:.4f}° N, {lon:.4f}° E — {location_label(row.get('location_precision'), row.get('uncertainty_m'))}"
        )
    names = (
        NameRow(_("Crossing"), as_text(row.get("name_en")), as_text(row.get("name_ko")), as_text(row.get("name_zh"))),
        NameRow(
            _("Chinese side"),
            as_text(row.get("side_cn_en")),
            as_text(row.get("side_cn_ko")),
            as_text(row.get("side_cn_zh")),
        ),
        NameRow(
            _("North Korean side"),
            as_text(row.get("side_kp_en")),
            as_text(row.get("side_kp_ko")),
            as_text(row.get("side_kp_zh")),
        ),
    )
    events = tuple(
        EventLine(
            id=as_text(e["id"]),
            dates=format_dates(e.get("date_start"), e.get("date_end"), e.get("date_precision")),
            name=local_name(e.get("name_en"), e.get("name_ko")),
            kind=kind_label(e.get("kind")),
            people=format_count(e.get("count_low"), e.get("count_high")),
            confidence=confidence_word(e.get("confidence")),
            source_ids=tuple(dict.fromkeys(as_id_list(e.get("source_ids")) + as_id_list(e.get("count_source_ids")))),
        )
        for e in events_at(dataset, crossing_id).to_dict("records")
    )
    legs_frame = legs_of(dataset, crossing_id)
    legs = tuple(
        LegLine(
            id=as_text(leg["id"]),
            leg=as_text(leg.get("leg")),
            from_name=_name_of(dataset, as_text(leg.get("from_id"))),
            to_name=_name_of(dataset, as_text(leg.get("to_id"))),
            evidence=as_text(leg.get("evidence")),
            confidence=confidence_word(leg.get("confidence")),
            source_ids=tuple(as_id_list(leg.get("source_ids"))),
        )
        for leg in legs_frame.to_dict("records")
    )
    origins = tuple(
        dict.fromkeys(
            (as_text(r["from_id"]), _name_of(dataset, as_text(r["from_id"])))
            for r in legs_frame.to_dict("records")
            if r.get("leg") == "origin"
        )
    )
    receiving = tuple(
        dict.fromkeys(
            (as_text(r["to_id"]), _name_of(dataset, as_text(r["to_id"])))
            for r in legs_frame.to_dict("records")
            if r.get("leg") == "handover"
        )
    )
    used = row.get("used_2023_10_09") is True
    return CrossingProfile(
        id=crossing_id,
        name_en=as_text(row.get("name_en")),
        name=local_name(row.get("name_en"), row.get("name_ko")),
        names=names,
        point_name=as_text(row.get("point_name")),
        lat=lat,
        lon=lon,
        location=location,
        used_2023_10_09=used,
        people=format_count(row.get("count_low"), row.get("count_high"))
        if used
        else _("no source links this crossing to 9 Oct 2023"),
        count_note=as_text(row.get("count_note")),
        confidence=confidence_label(row.get("confidence")),
        reported=as_text(row.get("reported")),
        notes=as_text(row.get("notes")),
        events=events,
        legs=legs,
        origins=origins,
        receiving=receiving,
        sources=source_entries(dataset.sources, row.get("source_ids")),
        count_sources=source_entries(dataset.sources, row.get("count_source_ids")),
        coord_sources=source_entries(dataset.sources, row.get("coord_source_ids")),
    )


def locator_layers(dataset: Dataset, crossing_id: str) -> dict[str, gpd.GeoDataFrame]:
    """The layers a locator map of this crossing draws: the crossing, its legs and their ends, and
    the located events at it. Every layer key is present (empty where nothing applies)."""
    layers = {name: gdf.iloc[0:0] for name, gdf in dataset.layers.items()}
    crossings = dataset.layers["crossings"]
    layers["crossings"] = crossings[crossings["id"] == crossing_id]
    legs = legs_of(dataset, crossing_id)
    layers["routes"] = dataset.layers["routes"].loc[legs.index]
    ends = set(legs["from_id"]) | set(legs["to_id"])
    for name in ("detention_centres", "receiving_facilities"):
        gdf = dataset.layers[name]
        layers[name] = gdf[gdf["id"].isin(ends)]
    events = events_at(dataset, crossing_id)
    layers["events"] = events[events.geometry.notna()] if len(events) else events
    assert set(layers) == set(LAYERS)
    return layers
