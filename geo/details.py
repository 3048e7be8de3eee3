"""What the details panel says about one feature: names, reports, numbers, dates, sources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from geo.filters import local_name
from geo.i18n import _
from geo.io import Dataset
from geo.schema import LAYERS, as_id_list, as_text
from geo.text import (
    confidence_label,
    count_confidence_phrase,
    format_count,
    format_dates,
    location_label,
    precision_phrase,
    publisher_names,
    safe_url,
)
from geo.vocab import kind_label


@dataclass(frozen=True)
class SourceEntry:
    id: str
    outlet: str
    title: str
    url: str | None
    date: str
    is_mirror: bool


@dataclass(frozen=True)
class FeatureDetails:
    id: str
    layer: str
    layer_title: str
    kind: str
    name_en: str
    name_ko: str
    name_zh: str
    reported: str
    dates: str
    date_precision: str
    count: str | None
    count_note: str
    confidence: str
    location: str | None
    facts: tuple[tuple[str, str], ...]
    notes: str
    sources: tuple[SourceEntry, ...]
    count_sources: tuple[SourceEntry, ...]
    coord_sources: tuple[SourceEntry, ...]
    count_confidence: str = ""  # the number's own confidence: "about 300: single source (The Economist)"


def source_entries(sources: pd.DataFrame, ids: object) -> tuple[SourceEntry, ...]:
    by_id = sources.set_index("id", drop=False)
    entries = []
    for sid in as_id_list(ids):
        if sid not in by_id.index:
            continue
        row = by_id.loc[sid]
        date = row["published"] or row["date_note"] or "date unknown"
        entries.append(
            SourceEntry(sid, row["outlet"], row["title"], safe_url(row["url"]), date, row["is_mirror"] == "true")
        )
    return tuple(entries)


def find_feature(dataset: Dataset, fid: str) -> tuple[str, Mapping[str, object]] | None:
    for layer, gdf in dataset.layers.items():
        match = gdf[gdf["id"] == fid]
        if len(match):
            return layer, match.iloc[0].to_dict()
    return None


def _names(dataset: Dataset, fid: object) -> str:
    found = find_feature(dataset, as_text(fid))
    return local_name(found[1]) if found else as_text(fid)


def feature_details(dataset: Dataset, fid: str) -> FeatureDetails | None:
    found = find_feature(dataset, fid)
    if found is None:
        return None
    layer, row = found
    facts: list[tuple[str, str]] = []
    if layer == "crossings":
        facts.append(
            (
                _("Chinese side"),
                " · ".join(
                    filter(None, map(as_text, (row.get("side_cn_en"), row.get("side_cn_ko"), row.get("side_cn_zh"))))
                ),
            )
        )
        facts.append(
            (
                _("North Korean side"),
                " · ".join(
                    filter(None, map(as_text, (row.get("side_kp_en"), row.get("side_kp_ko"), row.get("side_kp_zh"))))
                ),
            )
        )
        facts.append((_("Crossing point"), as_text(row.get("point_name"))))
        used = row.get("used_2023_10_09") is True
        facts.append((_("Used on 9 Oct 2023"), _("yes") if used else _("no source links it to 9 Oct 2023")))
    if layer == "routes":
        facts.append((_("From"), _names(dataset, row.get("from_id"))))
        facts.append((_("To"), _names(dataset, row.get("to_id"))))
        reported = as_text(row.get("evidence")) == "reported"
        facts.append(
            (_("Evidence"), _("reported by a source") if reported else _("inferred: not stated by any source"))
        )
        facts.append((_("Drawing"), _("schematic straight line, not the road taken")))
    if layer == "regular_routes":
        facts.append((_("Chinese side (border detention centre)"), as_text(row.get("side_cn_en"))))
        facts.append((_("Via"), as_text(row.get("via_en"))))
        facts.append((_("North Korean side (State Security office)"), as_text(row.get("side_kp_en"))))
        facts.append((_("Onward (provincial State Security holding centre)"), as_text(row.get("onward_en"))))
        facts.append(
            (_("Dates"), _("not dated: a usual route over the years per NKDB, not a record of 9 October 2023"))
        )
        facts.append((_("Drawing"), _("schematic straight lines between town and city centres, not the road taken")))
    if layer in ("detention_centres", "receiving_facilities"):
        place = " · ".join(filter(None, map(as_text, (row.get("place_en"), row.get("place_ko"), row.get("place_zh")))))
        facts.append((_("Place"), ", ".join(filter(None, (place, as_text(row.get("province")))))))
    if layer == "events" and as_text(row.get("place_en")):
        facts.append((_("Place"), as_text(row.get("place_en"))))
    has_count = layer not in ("routes", "regular_routes")
    location = None
    if row.get("geometry") is not None and has_count:
        geom = row["geometry"]
        precision = location_label(row.get("location_precision"), row.get("uncertainty_m"))
        location = _("{lat}° N, {lon}° E — {precision}", lat=f"{geom.y:.4f}", lon=f"{geom.x:.4f}", precision=precision)
    return FeatureDetails(
        id=fid,
        layer=layer,
        layer_title=LAYERS[layer].title,
        kind=kind_label(row.get("kind")),
        name_en=as_text(row.get("name_en")),
        name_ko=as_text(row.get("name_ko")),
        name_zh=as_text(row.get("name_zh")),
        reported=as_text(row.get("reported")),
        dates=format_dates(row.get("date_start"), row.get("date_end"), row.get("date_precision")),
        date_precision=precision_phrase(row.get("date_precision")) if as_text(row.get("date_start")) else "",
        count=format_count(row.get("count_low"), row.get("count_high")) if has_count else None,
        count_note=as_text(row.get("count_note")),
        count_confidence=count_confidence_phrase(row, publisher_names(dataset.sources)) if has_count else "",
        confidence=confidence_label(row.get("confidence")),
        location=location,
        facts=tuple((k, v) for k, v in facts if v),
        notes=as_text(row.get("notes")),
        sources=source_entries(dataset.sources, row.get("source_ids")),
        count_sources=source_entries(dataset.sources, row.get("count_source_ids")),
        coord_sources=source_entries(dataset.sources, row.get("coord_source_ids")),
    )
