"""The timeline: month bins, event spans and the events table, each event cited by its sources.

Pure: no Streamlit. The people reported returned over time are counted in geo.returns, drawn by
geo.charts; the replay and the monthly playback are geo.replay.

Rule kept here: a date known to the month or the year is a span over that month or year, never a
false day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import pandas as pd

from geo.i18n import SOURCE_LANGUAGE, language
from geo.io import source_outlets
from geo.schema import as_id_list, as_text
from geo.text import MONTHS, SHORT_TEXT_CHARS, display_text, format_count, format_dates, is_missing
from geo.vocab import KIND_LABELS

SHORT_SPAN = timedelta(days=21)
TIMELINE_START = date(2020, 1, 1)
TIMELINE_END = date(2025, 12, 31)


# What a count counts, as a noun phrase after the number.
COUNT_NOUNS: dict[str, str] = {
    "returned": "people returned",
    "returned_claim": "people returned (a statement of the total)",
    "returned_total_since_2020": "people returned since 2020 (a cumulative total)",
    "returned_total_since_2024": "people returned since 2024 (a cumulative total)",
    "held": "people held in China",
    "arrested": "people arrested",
    "deaths": "deaths",
    "named_person": "named person",
    "voluntary_returnees": "voluntary returnees (not forced)",
}


def _int_or_none(value: object) -> int | None:
    return None if is_missing(value) else int(value)


def _day(value: object) -> date | None:
    if value is None or is_missing(value):
        return None
    return pd.Timestamp(value).date()


# ---------------------------------------------------------------- months


@dataclass(frozen=True)
class MonthBin:
    start: date
    end: date

    @property
    def key(self) -> str:
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self) -> str:
        if language() != SOURCE_LANGUAGE:  # 2023년 10월
            return format_dates(self.key, None, "month")
        return f"{MONTHS[self.start.month - 1]} {self.start.year}"

    def overlaps(self, first: date, last: date) -> bool:
        return first <= self.end and last >= self.start


def month_bins(start: date, end: date) -> list[MonthBin]:
    """Whole calendar months from the month of `start` to the month of `end`, both included."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    bins = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        bins.append(MonthBin(first, following - timedelta(days=1)))
        year, month = following.year, following.month
    return bins


def bin_events(events: gpd.GeoDataFrame, bins: Sequence[MonthBin]) -> dict[str, list[str]]:
    """For each month (by key), the ids of the events whose date span overlaps it.

    An event dated to the month is in that month only; one dated to the year is in each of its
    twelve months; an undated event is in none.
    """
    binned: dict[str, list[str]] = {b.key: [] for b in bins}
    for fid, first, last in zip(events["id"], events["span_start"], events["span_end"], strict=True):
        start, end = _day(first), _day(last)
        if start is None or end is None:
            continue
        for b in bins:
            if b.overlaps(start, end):
                binned[b.key].append(str(fid))
    return binned


def timeline_domain(events: gpd.GeoDataFrame) -> tuple[date, date]:
    """2020 to the end of 2025, or to the end of the year of a later event."""
    ends = events["span_end"].dropna()
    last_year = max(TIMELINE_END.year, ends.max().year) if len(ends) else TIMELINE_END.year
    return TIMELINE_START, date(last_year, 12, 31)


# ---------------------------------------------------------------- sources


def cite(ids: Iterable[str], outlets: Mapping[str, str]) -> str:
    """'S1 (NBC News); S2 (Reuters via Daily Maverick)'."""
    return "; ".join(f"{sid} ({outlets[sid]})" if sid in outlets else sid for sid in ids)


def _union(*groups: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for group in groups:
        for sid in group:
            seen.setdefault(sid, None)
    return list(seen)


# ---------------------------------------------------------------- spans


def count_phrase(low: object, high: object, count_of: object) -> str:
    """'500–600 people returned', 'one named person', 'unknown'."""
    noun = COUNT_NOUNS.get(as_text(count_of), "people")
    low_i, high_i = _int_or_none(low), _int_or_none(high)
    if low_i is None and high_i is None:
        return "unknown"
    if low_i == high_i == 1 and as_text(count_of) in ("named_person", "deaths"):
        return "one named person" if as_text(count_of) == "named_person" else "one death"
    return f"{format_count(low_i if low_i is not None else pd.NA, high_i if high_i is not None else pd.NA)} {noun}"


def _lanes(rows: list[dict], gap: timedelta) -> None:
    """Give overlapping marks of the same kind separate lanes, so none hides another."""
    by_kind: dict[str, list[dict]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], []).append(row)
    for items in by_kind.values():
        lane_ends: list[date] = []
        for row in sorted(items, key=lambda r: (r["start_day"], r["id"])):
            for lane, last in enumerate(lane_ends):
                if row["start_day"] > last + gap:
                    lane_ends[lane] = row["last_day"]
                    row["lane"] = lane
                    break
            else:
                lane_ends.append(row["last_day"])
                row["lane"] = len(lane_ends) - 1


def event_spans(
    events: gpd.GeoDataFrame, sources: pd.DataFrame, lane_gap: timedelta = timedelta(days=30)
) -> pd.DataFrame:
    """One row per dated event, ready to draw: a dot for an event known to the day (a single day, or
    a few days that a dot covers anyway), a span for a date known only to the month or year or an
    event lasting weeks.

    `start` is the first day covered and `end` the day after the last one (so a month is drawn
    over the whole month); dates are ISO strings (Vega-Lite and folium cannot take timestamps).
    """
    outlets = source_outlets(sources)
    rows = []
    for record in events.to_dict("records"):
        first, last = _day(record.get("span_start")), _day(record.get("span_end"))
        if first is None or last is None:
            continue
        precision = as_text(record.get("date_precision"))
        # Known to the day and over within a few weeks: a dot (wider on the axis than the span itself).
        is_span = precision != "day" or (last - first) > SHORT_SPAN
        ids = as_id_list(record.get("source_ids"))
        count_ids = as_id_list(record.get("count_source_ids"))
        kind = as_text(record.get("kind"))
        has_count = not (is_missing(record.get("count_low")) and is_missing(record.get("count_high")))
        rows.append(
            {
                "id": as_text(record.get("id")),
                "name": display_text(record.get("name_en"), SHORT_TEXT_CHARS),  # a tooltip: cut, bidi shown
                "kind": kind,
                "kind_label": KIND_LABELS.get(kind, kind),
                "start": first.isoformat(),
                "end": (last + timedelta(days=1)).isoformat(),
                "start_day": first,
                "last_day": last,
                "precision": precision,
                "mark": "span" if is_span else "point",
                "dates": format_dates(record.get("date_start"), record.get("date_end"), precision),
                "people": count_phrase(record.get("count_low"), record.get("count_high"), record.get("count_of"))
                if has_count
                else "no number reported",
                "confidence": as_text(record.get("confidence")),
                "sources": cite(ids, outlets),
                "count_sources": cite(count_ids, outlets) if count_ids else "",
                "source_ids": ", ".join(ids),
                "lane": 0,
            }
        )
    _lanes(rows, lane_gap)
    columns = [
        "id",
        "name",
        "kind",
        "kind_label",
        "start",
        "end",
        "start_day",
        "last_day",
        "precision",
        "mark",
        "dates",
        "people",
        "confidence",
        "sources",
        "count_sources",
        "source_ids",
        "lane",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values(["start_day", "id"], ignore_index=True) if len(frame) else frame


def events_table(events: gpd.GeoDataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """The event table under the chart: every event (dated or not), its number and its sources."""
    outlets = source_outlets(sources)
    rows = []
    for record in events.to_dict("records"):
        kind = as_text(record.get("kind"))
        count_ids = as_id_list(record.get("count_source_ids"))
        has_count = not (is_missing(record.get("count_low")) and is_missing(record.get("count_high")))
        rows.append(
            {
                "Date": format_dates(record.get("date_start"), record.get("date_end"), record.get("date_precision")),
                "Kind": KIND_LABELS.get(kind, kind),
                "Event": as_text(record.get("name_en")),
                "People": count_phrase(record.get("count_low"), record.get("count_high"), record.get("count_of"))
                if has_count
                else "no number reported",
                "Sources of the number": cite(count_ids, outlets) if has_count else "",
                "Confidence": as_text(record.get("confidence")),
                "Sources": cite(as_id_list(record.get("source_ids")), outlets),
                "Id": as_text(record.get("id")),
                "_start": _day(record.get("span_start")) or date.min,
            }
        )
    frame = pd.DataFrame(rows)
    if not len(frame):
        return pd.DataFrame(columns=["Date", "Kind", "Event", "People", "Sources of the number", "Confidence"])
    return frame.sort_values(["_start", "Id"], ignore_index=True).drop(columns="_start")


# ---------------------------------------------------------------- people reported returned over time
