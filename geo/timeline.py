"""The timeline: month bins, event spans, the people reported returned over time, and the stages
of the 9 October 2023 replay and of the 2020–2025 monthly playback.

Pure: no Streamlit. The charts are Altair specs and the replay is a folium map whose stepping runs
in the browser (static/crossings/replay.js), so nothing here reruns a script per frame.

Rules kept here:
- a date known to the month or the year is a span over that month or year, never a false day;
- only sourced counts are counted: a number without `count_source_ids` is left out and listed;
- a range stays a range: the low and high bounds are summed separately, and once one high bound is
  missing the top of the band is unknown from then on (it is not guessed);
- claims about a total ("returned_claim"), named people and people held are never summed;
- every caption line and every step carries the ids of its sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import altair as alt
import geopandas as gpd
import pandas as pd

from geo.io import Dataset, source_outlets
from geo.mapview import STATIC, Map, ScriptCall, build_base_map, layer_collection, to_script_json
from geo.schema import EVENT_KINDS, as_id_list, as_text
from geo.text import (
    MONTHS,
    SHORT_TEXT_CHARS,
    count_confidence_phrase,
    display_text,
    format_count,
    format_dates,
    is_missing,
    location_label,
    publisher_names,
)
from geo.vocab import KIND_LABELS

SHORT_SPAN = timedelta(days=21)
TIMELINE_START = date(2020, 1, 1)
TIMELINE_END = date(2025, 12, 31)
REPLAY_JS = ("crossings_replay", f"{STATIC}/crossings/replay.js")
REPLAY_DAY = "2023-10-09"

# Okabe–Ito, colour-blind safe; every kind also has its own row on the axis.
KIND_COLOURS: dict[str, str] = {
    "repatriation": "#D55E00",
    "arrest": "#CC79A7",
    "statement": "#0072B2",
    "report": "#009E73",
    "policy": "#E69F00",
    "context": "#8C8C8C",
}
assert set(KIND_COLOURS) == set(EVENT_KINDS)

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

# Counts that are never summed into the series, and why.
NOT_SUMMED: dict[str, str] = {
    "returned_claim": "a statement about a total, not a separate return",
    "named_person": "one named person, part of a counted repatriation",
    "held": "people held, not people returned",
    "arrested": "people arrested, not people returned",
    "deaths": "deaths, not people returned",
    "voluntary_returnees": "voluntary returnees, not a forced repatriation",
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


@dataclass(frozen=True)
class Step:
    """One sourced count added to the running total. Bounds are None where nobody reported one."""

    event_id: str
    name: str
    day: date  # the last day of the event's span: by then the people had been returned
    dates: str
    added_low: int | None
    added_high: int | None
    total_low: int  # the sum of the reported lower bounds: a lower bound itself
    total_high: int | None  # None once any step's upper bound is unknown
    source_ids: tuple[str, ...]

    @property
    def added_label(self) -> str:
        return format_count(_na(self.added_low), _na(self.added_high))

    @property
    def total_label(self) -> str:
        return format_count(self.total_low, _na(self.total_high))


@dataclass(frozen=True)
class Checkpoint:
    """A cumulative total stated by a source (such as HRW's 'since 2020'), drawn as a reference."""

    event_id: str
    name: str
    day: date
    since: date
    low: int | None
    high: int | None
    note: str
    source_ids: tuple[str, ...]

    @property
    def label(self) -> str:
        return format_count(_na(self.low), _na(self.high))


@dataclass(frozen=True)
class Exclusion:
    event_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class CumulativeSeries:
    steps: tuple[Step, ...]
    checkpoints: tuple[Checkpoint, ...]
    excluded: tuple[Exclusion, ...] = field(default=())

    @property
    def high_unknown_from(self) -> Step | None:
        """The first step from which the top of the band is unknown."""
        return next((s for s in self.steps if s.total_high is None), None)


def _na(value: int | None) -> object:
    return pd.NA if value is None else value


def cumulative_returned(events: gpd.GeoDataFrame) -> CumulativeSeries:
    """People reported returned over time, from the sourced counts of forced repatriations only."""
    candidates = []
    checkpoints = []
    excluded = []
    for record in events.to_dict("records"):
        fid, name = as_text(record.get("id")), as_text(record.get("name_en"))
        kind, count_of = as_text(record.get("kind")), as_text(record.get("count_of"))
        low, high = _int_or_none(record.get("count_low")), _int_or_none(record.get("count_high"))
        count_ids = tuple(as_id_list(record.get("count_source_ids")))
        last = _day(record.get("span_end"))
        has_count = low is not None or high is not None
        if count_of.startswith("returned_total_since_") and count_of != "returned_total_since_2020":
            if has_count:
                base = count_of.removeprefix("returned_total_since_")
                excluded.append(
                    Exclusion(
                        fid, name, f"a stated total since {base}: another base than this chart's (2020), not drawn"
                    )
                )
            continue
        if count_of == "returned_total_since_2020":
            if not has_count:
                continue
            if not count_ids:
                excluded.append(Exclusion(fid, name, "a total without a source is not shown"))
            elif last is None:
                excluded.append(Exclusion(fid, name, "an undated total cannot be placed on the axis"))
            else:
                note = as_text(record.get("count_note"))
                checkpoints.append(Checkpoint(fid, name, last, date(2020, 1, 1), low, high, note, count_ids))
            continue
        if kind != "repatriation" and count_of not in ("returned", "returned_claim"):
            continue
        if not has_count:
            excluded.append(Exclusion(fid, name, "no number reported"))
        elif count_of != "returned":
            excluded.append(Exclusion(fid, name, f"not summed: {NOT_SUMMED.get(count_of, 'not a count of returns')}"))
        elif kind != "repatriation":
            excluded.append(Exclusion(fid, name, "not summed: not a forced repatriation event"))
        elif not count_ids:
            excluded.append(Exclusion(fid, name, "not counted: the number has no source"))
        elif last is None:
            excluded.append(Exclusion(fid, name, "not counted: undated"))
        else:
            candidates.append((last, fid, name, record, low, high, count_ids))

    steps = []
    total_low, total_high = 0, 0
    high_known = True
    for last, fid, name, record, low, high, count_ids in sorted(candidates, key=lambda c: (c[0], c[1])):
        total_low += low or 0
        if high is None:
            high_known = False
        else:
            total_high += high
        dates = format_dates(record.get("date_start"), record.get("date_end"), record.get("date_precision"))
        steps.append(Step(fid, name, last, dates, low, high, total_low, total_high if high_known else None, count_ids))
    return CumulativeSeries(tuple(steps), tuple(sorted(checkpoints, key=lambda c: c.day)), tuple(excluded))


def cumulative_table(series: CumulativeSeries, sources: pd.DataFrame) -> pd.DataFrame:
    outlets = source_outlets(sources)
    rows = [
        {
            "Date": step.dates,
            "Event": step.name,
            "Added": step.added_label,
            "Running total (low–high)": step.total_label
            if step.total_high is not None
            else f"{step.total_label} (top unknown)",
            "Sources of the number": cite(step.source_ids, outlets),
        }
        for step in series.steps
    ]
    return pd.DataFrame(rows, columns=["Date", "Event", "Added", "Running total (low–high)", "Sources of the number"])


# ---------------------------------------------------------------- charts (Altair, drawn by Vega-Lite)

BRUSH = "brush"
STRIP_HEIGHT = 92  # Streamlit fits the whole chart, axis included, in this height


def _utc(day: date) -> alt.DateTime:
    return alt.DateTime(year=day.year, month=day.month, date=day.day, utc=True)


def _time_scale(domain: tuple[date, date]) -> alt.Scale:
    """A UTC scale over the domain: brushed values come back as UTC milliseconds."""
    return alt.Scale(type="utc", domain=[_utc(domain[0]), _utc(domain[1] + timedelta(days=1))])


def _x(domain: tuple[date, date] | None, title: str | None = None, field_name: str = "start") -> alt.X:
    """The time axis; layers after the first pass domain=None and share the first one's scale
    (Vega-Lite warns about 'conflicting' domains when each layer repeats the same one)."""
    return alt.X(
        f"{field_name}:T",
        title=title,
        scale=_time_scale(domain) if domain else alt.Scale(type="utc"),
        axis=alt.Axis(format="%Y", tickCount="year", labelFontSize=13, grid=True, gridOpacity=0.35),
    )


def _range_rows(date_from: date | None, date_to: date | None, domain: tuple[date, date]) -> list[dict]:
    first = max(date_from or domain[0], domain[0])
    last = min(date_to or domain[1], domain[1])
    if last < first:
        return []
    return [{"start": first.isoformat(), "end": (last + timedelta(days=1)).isoformat()}]


def _kind_scale() -> alt.Scale:
    return alt.Scale(domain=[KIND_LABELS[k] for k in EVENT_KINDS], range=[KIND_COLOURS[k] for k in EVENT_KINDS])


TOOLTIP = [
    alt.Tooltip("name:N", title="Event"),
    alt.Tooltip("dates:N", title="Date"),
    alt.Tooltip("kind_label:N", title="Kind"),
    alt.Tooltip("people:N", title="People"),
    alt.Tooltip("confidence:N", title="Confidence"),
    alt.Tooltip("sources:N", title="Sources"),
    alt.Tooltip("count_sources:N", title="Sources of the number"),
]


def events_chart(
    spans: pd.DataFrame,
    domain: tuple[date, date],
    current: tuple[date | None, date | None] = (None, None),
    brush: bool = True,
) -> alt.LayerChart:
    """Every dated event by kind; spans for month/year dates; the current range shaded behind.

    With `brush`, an interval selection named BRUSH on x lets a person pick a period.
    """
    data = spans.drop(columns=["start_day", "last_day"]) if len(spans) else spans
    y = alt.Y(
        "kind_label:N",
        title=None,
        sort=[KIND_LABELS[k] for k in EVENT_KINDS],
        scale=alt.Scale(domain=[KIND_LABELS[k] for k in EVENT_KINDS]),
        axis=alt.Axis(labelFontSize=13, labelLimit=160),
    )
    colour = alt.Color("kind_label:N", scale=_kind_scale(), legend=None)
    y_offset = alt.YOffset("lane:O", scale=alt.Scale(paddingInner=0.15))
    current_range = (
        alt.Chart(alt.Data(values=_range_rows(*current, domain)))
        .mark_rect(color="#0072B2", opacity=0.10)
        .encode(x=_x(None), x2="end:T")
    )
    spans_layer = (
        alt.Chart(data)
        .transform_filter(alt.datum.mark == "span")
        .mark_bar(cornerRadius=3, opacity=0.85, minBandSize=3)
        .encode(x=_x(None), x2="end:T", y=y, yOffset=y_offset, color=colour, tooltip=TOOLTIP)
    )
    points_layer = (
        alt.Chart(data)
        .transform_filter(alt.datum.mark == "point")
        .mark_point(filled=True, size=110, opacity=0.95, stroke="#ffffff", strokeWidth=1)
        .encode(x=_x(domain), y=y, yOffset=y_offset, color=colour, tooltip=TOOLTIP)
    )
    base = current_range
    if brush:
        brush_mark = alt.BrushConfig(fill="#0072B2", fillOpacity=0.12, stroke="#0072B2", strokeWidth=1.5)
        base = current_range.add_params(alt.selection_interval(name=BRUSH, encodings=["x"], mark=brush_mark))
    lanes = int(spans["lane"].max()) + 1 if len(spans) else 1
    return (
        alt.layer(base, spans_layer, points_layer)
        .properties(height=len(EVENT_KINDS) * max(30, 11 * lanes))
        .configure_view(stroke=None)
    )


# Above this many events the strip draws weekly counts: a tick (and a tooltip) per event would make
# the chart's spec grow with the data (about 30 MB at 100,000 events, sent on every rerun).
STRIP_TICK_LIMIT = 2_000


def weekly_counts(spans: pd.DataFrame) -> pd.DataFrame:
    """Events per kind and week (Monday to Sunday) of their first day: the strip's marks for many events."""
    columns = ["start", "end", "kind_label", "week", "events"]
    if not len(spans):
        return pd.DataFrame(columns=columns)
    first_days = pd.to_datetime(pd.Series([d.isoformat() for d in spans["start_day"]], index=spans.index))
    weeks = (first_days - pd.to_timedelta(first_days.dt.day_of_week, unit="D")).dt.date
    counts = (
        pd.DataFrame({"week_start": weeks, "kind_label": spans["kind_label"]})
        .groupby(["week_start", "kind_label"], sort=True)
        .size()
        .reset_index(name="events")
    )
    counts["start"] = [d.isoformat() for d in counts["week_start"]]
    counts["end"] = [(d + timedelta(days=7)).isoformat() for d in counts["week_start"]]
    counts["week"] = [f"week of {format_dates(d.isoformat(), None, 'day')}" for d in counts["week_start"]]
    return counts[columns]


@dataclass(frozen=True)
class StripMarks:
    """What the strip draws: one row per event, or (weekly=True) counts per week and kind."""

    rows: pd.DataFrame
    weekly: bool


def strip_marks(spans: pd.DataFrame, limit: int = STRIP_TICK_LIMIT) -> StripMarks:
    if len(spans) > limit:
        return StripMarks(weekly_counts(spans), weekly=True)
    return StripMarks(spans.drop(columns=["start_day", "last_day"]) if len(spans) else spans, weekly=False)


def strip_chart(spans: pd.DataFrame | StripMarks, domain: tuple[date, date], current: tuple[date | None, date | None]):
    """The small strip under the map: a tick per event (weekly counts above STRIP_TICK_LIMIT events),
    the current range as a band. Takes event_spans() rows or their strip_marks() (cacheable)."""
    marks = spans if isinstance(spans, StripMarks) else strip_marks(spans)
    if marks.weekly:
        return _weekly_strip_chart(marks.rows, domain, current)
    row = alt.Y("row:N", axis=None, title=None, scale=alt.Scale(paddingInner=0, paddingOuter=0.1))
    data = marks.rows
    band = (
        alt.Chart(alt.Data(values=_range_rows(*current, domain)))
        .transform_calculate(row="'events'")
        .mark_rect(color="#0072B2", opacity=0.22, stroke="#0072B2", strokeWidth=2)
        .encode(x=_x(None), x2="end:T", y=row)
    )
    ticks = (
        alt.Chart(data)
        .transform_calculate(row="'events'")
        .mark_tick(thickness=2, opacity=0.9)
        .encode(
            x=_x(domain),
            y=row,
            color=alt.Color("kind_label:N", scale=_kind_scale(), legend=None),
            tooltip=TOOLTIP[:4],
        )
    )
    return alt.layer(band, ticks).properties(height=STRIP_HEIGHT).configure_view(stroke=None)


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite document (validated here, once), for st.vega_lite_chart.

    Without Altair's default 300 px view (Streamlit drops it too: the width follows the page).
    A cached document spares every rerun Altair's schema validation, the main cost of a chart.
    """
    spec = chart.to_dict()
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    return spec


def with_band(document: dict, current: tuple[date | None, date | None], domain: tuple[date, date]) -> dict:
    """A chart document (vega_lite_spec of strip_chart or events_chart) with its band on `current`: the
    document that chart builds for `current`, without building and validating the chart again.

    Only the band (the first layer's inline rows) depends on the date range (events_chart's view name
    is a hash that Streamlit replaces with a counter). A new top-level dict,
    layer list and band layer; everything else is shared with `document`, which is not modified.
    """
    layers = list(document["layer"])
    layers[0] = {**layers[0], "data": {"values": _range_rows(*current, domain)}}
    return {**document, "layer": layers}


def _weekly_strip_chart(counts: pd.DataFrame, domain: tuple[date, date], current: tuple[date | None, date | None]):
    """The strip for many events: bars of events per week, stacked by kind."""
    band = (
        alt.Chart(alt.Data(values=_range_rows(*current, domain)))
        .mark_rect(color="#0072B2", opacity=0.22, stroke="#0072B2", strokeWidth=2)
        .encode(x=_x(None), x2="end:T")
    )
    bars = (
        alt.Chart(counts)
        .mark_bar(opacity=0.9)
        .encode(
            x=_x(domain),
            x2="end:T",
            y=alt.Y("sum(events):Q", axis=None, title=None, stack="zero"),
            color=alt.Color("kind_label:N", scale=_kind_scale(), legend=None),
            tooltip=[
                alt.Tooltip("week:N", title="Week"),
                alt.Tooltip("kind_label:N", title="Kind"),
                alt.Tooltip("sum(events):Q", title="Events", format=","),
            ],
        )
    )
    return alt.layer(band, bars).properties(height=STRIP_HEIGHT).configure_view(stroke=None)


def _series_rows(series: CumulativeSeries, outlets: Mapping[str, str], end: date) -> list[dict]:
    rows = []
    for step in series.steps:
        rows.append(
            {
                "day": step.day.isoformat(),
                "low": step.total_low,
                "high": step.total_high,
                "event": step.name,
                "dates": step.dates,
                "added": step.added_label,
                "total": step.total_label + ("" if step.total_high is not None else " (top of the range unknown)"),
                "sources": cite(step.source_ids, outlets),
            }
        )
    if rows and series.steps[-1].day < end:
        rows.append({**rows[-1], "day": end.isoformat(), "is_end": True})
    return rows


def cumulative_chart(series: CumulativeSeries, sources: pd.DataFrame, domain: tuple[date, date]) -> alt.LayerChart:
    """The running total as a low–high band of steps, each step with its sources; the stated
    cumulative totals (checkpoints) as separate reference points; the band stops where its top
    becomes unknown, and says so."""
    outlets = source_outlets(sources)
    end = max([domain[1], *(c.day for c in series.checkpoints)])
    rows = _series_rows(series, outlets, end)
    x = alt.X(
        "day:T",
        title=None,
        scale=_time_scale(domain),
        axis=alt.Axis(format="%Y", tickCount="year", labelFontSize=13),
    )
    peak = max([0, *(r["high"] or r["low"] for r in rows), *(c.high or c.low or 0 for c in series.checkpoints)])
    y = alt.Y(
        "low:Q",
        title="People reported returned (cumulative)",
        scale=alt.Scale(domain=[0, int(peak * 1.15) + 1]),
        axis=alt.Axis(labelFontSize=12, titleFontSize=13),
    )
    tooltip = [
        alt.Tooltip("event:N", title="Step"),
        alt.Tooltip("dates:N", title="Date"),
        alt.Tooltip("added:N", title="Added"),
        alt.Tooltip("total:N", title="Running total"),
        alt.Tooltip("sources:N", title="Sources of the number"),
    ]
    data = alt.Data(values=rows)
    known = [r for r in rows if r["high"] is not None]
    # The band runs to the first step whose top is unknown, then stops.
    band_rows = list(known)
    unknown_from = series.high_unknown_from
    if unknown_from is not None and band_rows:
        band_rows.append({**band_rows[-1], "day": unknown_from.day.isoformat()})
    band = (
        alt.Chart(alt.Data(values=band_rows))
        .mark_area(interpolate="step-after", color="#D55E00", opacity=0.18)
        .encode(x=x, y=y, y2="high:Q")
    )
    high_line = (
        alt.Chart(alt.Data(values=band_rows))
        .mark_line(interpolate="step-after", color="#D55E00", strokeDash=[5, 3], strokeWidth=1.5)
        .encode(x=x, y=alt.Y("high:Q"))
    )
    low_line = alt.Chart(data).mark_line(interpolate="step-after", color="#B04600", strokeWidth=2.5).encode(x=x, y=y)
    points = (
        alt.Chart(alt.Data(values=[r for r in rows if not r.get("is_end")]))
        .mark_point(filled=True, size=90, color="#B04600")
        .encode(x=x, y=y, tooltip=tooltip)
    )
    layers = [band, high_line, low_line, points]
    if unknown_from is not None:
        note = [
            {
                "day": unknown_from.day.isoformat(),
                "low": unknown_from.total_low,
                "text": f"top of the range unknown from {unknown_from.dates}",
            }
        ]
        layers.append(
            alt.Chart(alt.Data(values=note))
            .mark_text(align="left", dx=8, dy=-14, fontSize=12, color="#7a3300")
            .encode(x=x, y=y, text="text:N")
        )
    if series.checkpoints:
        check_rows = [
            {
                "day": c.day.isoformat(),
                "low": c.low if c.low is not None else c.high,
                "event": c.name,
                "dates": format_dates(c.day.isoformat(), None, "day"),
                "total": f"{c.label} since {c.since.year}",
                "note": c.note,
                "sources": cite(c.source_ids, outlets),
                "text": f"{c.label} since {c.since.year} (stated total)",
            }
            for c in series.checkpoints
        ]
        check_tooltip = [
            alt.Tooltip("event:N", title="Stated total"),
            alt.Tooltip("dates:N", title="Date"),
            alt.Tooltip("total:N", title="Total"),
            alt.Tooltip("note:N", title="Note"),
            alt.Tooltip("sources:N", title="Sources of the number"),
        ]
        check = alt.Chart(alt.Data(values=check_rows))
        layers.append(
            check.mark_point(shape="diamond", filled=True, size=170, color="#0072B2").encode(
                x=x, y=y, tooltip=check_tooltip
            )
        )
        layers.append(
            check.mark_text(align="right", dx=-12, dy=-2, fontSize=12, color="#0b3d66").encode(x=x, y=y, text="text:N")
        )
    return alt.layer(*layers).properties(height=300).configure_view(stroke=None)


def dates_from_brush(
    selection: object, limits: tuple[date, date], field_name: str = "start"
) -> tuple[date, date] | None:
    """The (first day, last day) of a brushed interval, clamped to the date widget's limits.

    Vega-Lite gives a temporal interval as two epoch milliseconds (UTC, with our scale); ISO
    strings are accepted too. An empty or malformed selection gives None (the filter is kept).
    """
    if not isinstance(selection, Mapping):
        return None
    values = selection.get(field_name)
    if values is None and len(selection) == 1:
        values = next(iter(selection.values()))
    if not isinstance(values, list | tuple) or len(values) != 2:
        return None
    days = []
    for value in values:
        if isinstance(value, bool):
            return None
        if isinstance(value, int | float):
            days.append(datetime.fromtimestamp(value / 1000, tz=UTC).date())
        elif isinstance(value, str):
            try:
                days.append(pd.Timestamp(value).date())
            except ValueError:
                return None
        else:
            return None
    first, last = sorted(days)
    first, last = max(first, limits[0]), min(last, limits[1])
    if last < first:
        return None
    return first, last


# ---------------------------------------------------------------- replay of 9 October 2023

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z‘'\"(])")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text.strip()) if s.strip()] if text else []


def first_sentence(text: str) -> str:
    parts = sentences(text)
    return parts[0] if parts else ""


def _without_drawing_notes(text: str) -> str:
    """Notes minus the drawing convention ('Schematic: …', stated once under the map) and minus a
    leading 'Inferred:' (the caption tags the line)."""
    kept = " ".join(s for s in sentences(text) if not s.startswith("Schematic:"))
    return re.sub(r"^Inferred:\s*", "", kept)


def _leg_text(leg: Mapping[str, object]) -> str:
    if leg.get("evidence") == "reported" and as_text(leg.get("reported")):
        return as_text(leg.get("reported"))
    return _without_drawing_notes(as_text(leg.get("notes")))


def _number_text(number: str, note: str) -> str:
    """A crossing's number with the first sentence of its note, without saying the number twice."""
    if not note:
        return f"{number}."
    if number == "unknown" and note.lower().startswith("unknown:"):
        return f"unknown — {note[len('unknown:') :].strip()}"
    if note.lower().startswith(number.lower()):
        return note
    return f"{number}. {note}"


def _line(text: str, evidence: str | None, source_ids: Iterable[str]) -> dict:
    return {"text": text, "evidence": evidence, "source_ids": list(source_ids)}


def _records(gdf: gpd.GeoDataFrame) -> dict[str, dict]:
    return {str(r["id"]): r for r in gdf.to_dict("records")}


def _stage(
    stage_id: str, title: str, time: str, lines: list[dict], current: list[str], drawn: list[str], **extra
) -> dict:
    return {
        "id": stage_id,
        "title": title,
        "time": time,
        "lines": lines,
        "feature_ids": list(current),
        "drawn_ids": list(drawn),
        "source_ids": _union(*(line["source_ids"] for line in lines)),
        **extra,
    }


def _repatriation_day_event(events: gpd.GeoDataFrame, day: str) -> dict | None:
    """The event of the day that names the crossings used (the largest number of them)."""
    same_day = [
        r
        for r in events.to_dict("records")
        if as_text(r.get("kind")) == "repatriation"
        and as_text(r.get("date_start")) == day
        and r.get("count_of") == "returned"
    ]
    if not same_day:
        return None
    return max(same_day, key=lambda r: (len(as_id_list(r.get("crossing_ids"))), as_text(r.get("id"))))


def replay_stages(dataset: Dataset, day: str = REPLAY_DAY) -> list[dict]:
    """The evening of 9 October 2023 in four stages, each built from the dataset's fields:
    detention centres → convoy legs → the five crossings → handover legs and receiving facilities.

    Each stage gives its title, the lines of its caption (text, 'reported' / 'inferred' /
    'not reported', the ids of the sources of that line), the ids drawn for the first time
    (`feature_ids`), every id drawn at that stage (`drawn_ids`, earlier stages included) and the
    union of its sources.
    """
    layers = dataset.layers
    routes = layers["routes"]
    on_day = routes[routes["date_start"] == day]
    origin_legs = on_day[on_day["leg"] == "origin"].sort_values("id").to_dict("records")
    handover_legs = on_day[on_day["leg"] == "handover"].sort_values("id").to_dict("records")
    centres = _records(layers["detention_centres"])
    crossings = _records(layers["crossings"])
    facilities = _records(layers["receiving_facilities"])
    names = publisher_names(dataset.sources)
    event = _repatriation_day_event(layers["events"], day)
    time = format_dates(day, None, "day")
    if event is not None:
        time = f"{time}, {first_sentence(as_text(event.get('name_en'))).lower()}"
    stages: list[dict] = []
    drawn: list[str] = []

    # 1. Where the detainees were held: the origin of each convoy leg.
    lines, current, places = [], [], []
    for leg in origin_legs:
        centre = centres.get(as_text(leg["from_id"]))
        if centre is None or centre["id"] in current:
            continue
        current.append(centre["id"])
        role = "named as an origin by a source" if leg["evidence"] == "reported" else "origin inferred"
        places.append(location_label(centre.get("location_precision"), centre.get("uncertainty_m")))
        lines.append(
            _line(
                f"{as_text(centre['name_en'])}: {role}.",
                as_text(leg["evidence"]),
                _union(as_id_list(centre.get("source_ids")), as_id_list(leg.get("source_ids"))),
            )
        )
    if len(set(places)) == 1 and len(places) > 1:
        lines.append(_line(f"Location of all {len(places)}: {places[0]}.", None, []))
    else:
        for line, place in zip(lines, places, strict=True):
            line["text"] = f"{line['text'][:-1]}; location {place}."
    drawn += current
    stages.append(_stage("detention-centres", "Detention centres", time, lines, current, drawn))

    # 2. The convoys: one line per origin leg, in the words of its report or its reasoning.
    lines, current = [], []
    if event is not None and as_text(event.get("reported")):
        lines.append(_line(first_sentence(as_text(event["reported"])), "reported", as_id_list(event.get("source_ids"))))
    for leg in origin_legs:
        current.append(leg["id"])
        text = _leg_text(leg)
        lines.append(
            _line(f"{as_text(leg['name_en'])}: {text}", as_text(leg["evidence"]), as_id_list(leg["source_ids"]))
        )
    drawn += current
    stages.append(_stage("convoys", "Convoys to the crossings", time, lines, current, drawn))

    # 3. The crossings: the total and each crossing's own number, or "unknown".
    lines, current = [], []
    used_ids = as_id_list(event.get("crossing_ids")) if event is not None else []
    used_ids += [fid for fid, r in crossings.items() if r.get("used_2023_10_09") is True and fid not in used_ids]
    if event is not None:
        note = first_sentence(as_text(event.get("count_note")))
        total = format_count(event.get("count_low"), event.get("count_high"))
        through = f"{len(used_ids)} crossing{'s' if len(used_ids) != 1 else ''}"
        lines.append(
            _line(
                f"In total: {total} people, through {through}." + (f" {note}" if note else ""),
                "reported",
                as_id_list(event.get("count_source_ids")),
            )
        )
    for fid in used_ids:
        crossing = crossings.get(fid)
        if crossing is None:
            continue
        current.append(fid)
        number = format_count(crossing.get("count_low"), crossing.get("count_high"))
        note = first_sentence(as_text(crossing.get("count_note")))
        # The crossing's confidence and its number's own: "crossing used: confirmed · about 300: single source (…)".
        used = f"crossing used: {as_text(crossing.get('confidence'))}"
        phrase = count_confidence_phrase(crossing, names)
        said = (
            f"{used} · {phrase}." + (f" {note}" if note else "") if phrase else f"{used} · {_number_text(number, note)}"
        )
        lines.append(
            _line(
                f"{as_text(crossing['name_en'])}: {said}",
                "reported",
                _union(as_id_list(crossing.get("source_ids")), as_id_list(crossing.get("count_source_ids"))),
            )
        )
    drawn += current
    stages.append(_stage("crossings", "The crossings", time, lines, current, drawn))

    # 4. After the crossing: handover legs and the facilities they reach; gaps said as gaps.
    lines, current = [], []
    handed = set()
    for leg in handover_legs:
        facility = facilities.get(as_text(leg["to_id"]))
        current.append(leg["id"])
        handed.add(as_text(leg["crossing_id"]))
        text = _leg_text(leg)
        ids = as_id_list(leg.get("source_ids"))
        if facility is not None:
            if facility["id"] not in current:
                current.append(facility["id"])
            ids = _union(ids, as_id_list(facility.get("source_ids")))
        lines.append(_line(f"{as_text(leg['name_en'])}: {text}", as_text(leg["evidence"]), ids))
    for fid in used_ids:
        if fid in crossings and fid not in handed:
            lines.append(
                _line(
                    f"{as_text(crossings[fid]['name_en'])}: where the returnees were taken after the crossing is not "
                    "reported in this dataset.",
                    "not reported",
                    [],
                )
            )
    drawn += current
    stages.append(_stage("handover", "Handover and receiving facilities", time, lines, current, drawn))
    return [dict(stage, number=index + 1, of=len(stages)) for index, stage in enumerate(stages)]


# ---------------------------------------------------------------- playback over the years


def _crossing_number(crossing: Mapping[str, object], event: Mapping[str, object], n_crossings: int):
    """The number for one crossing in one repatriation: the crossing's own sourced count for that
    day, or the event's count when the event names this crossing alone; otherwise unknown."""
    own_ids = as_id_list(crossing.get("count_source_ids"))
    own_has = not (is_missing(crossing.get("count_low")) and is_missing(crossing.get("count_high")))
    if (
        own_has
        and own_ids
        and as_text(crossing.get("count_of")) == "returned"
        and as_text(crossing.get("date_start")) == as_text(event.get("date_start"))
    ):
        return format_count(crossing.get("count_low"), crossing.get("count_high")), own_ids
    event_ids = as_id_list(event.get("count_source_ids"))
    event_has = not (is_missing(event.get("count_low")) and is_missing(event.get("count_high")))
    if n_crossings == 1 and event_has and event_ids and as_text(event.get("count_of")) == "returned":
        return format_count(event.get("count_low"), event.get("count_high")), event_ids
    return "unknown", []


def monthly_stages(dataset: Dataset, start: date = TIMELINE_START, end: date = TIMELINE_END) -> list[dict]:
    """One stage per month: the crossings used by a forced repatriation that month light up with
    the number reported for them (or 'unknown'); events with a place that month are drawn; the
    caption lists the month's events with their numbers and sources. No number without a source.
    """
    layers = dataset.layers
    events = layers["events"]
    crossings = _records(layers["crossings"])
    crossing_order = list(crossings)
    bins = month_bins(start, end)
    binned = bin_events(events, bins)
    records = _records(events)
    located = {fid for fid, geom in zip(events["id"], events.geometry, strict=True) if geom is not None}
    stages = []
    for index, month in enumerate(bins):
        month_events = sorted(
            (records[fid] for fid in binned[month.key]),
            key=lambda r: (
                r.get("kind") != "repatriation",
                _day(r.get("span_start")),
                r.get("count_of") != "returned",
                as_text(r.get("id")),
            ),
        )
        lines: list[dict] = []
        lit: dict[str, tuple[str, list[str]]] = {}
        for record in month_events:
            has_count = not (is_missing(record.get("count_low")) and is_missing(record.get("count_high")))
            count_ids = as_id_list(record.get("count_source_ids"))
            people = count_phrase(record.get("count_low"), record.get("count_high"), record.get("count_of"))
            dates = format_dates(record.get("date_start"), record.get("date_end"), record.get("date_precision"))
            text = f"{dates} · {as_text(record.get('name_en'))}"
            if has_count and count_ids:
                text += f" — {people}"
            named = as_id_list(record.get("crossing_ids"))
            if record.get("kind") == "repatriation" and record.get("count_of") == "returned" and not named:
                text += " (crossing not given)"
            lines.append(_line(text, "reported", _union(as_id_list(record.get("source_ids")), count_ids)))
            if record.get("kind") != "repatriation":
                continue
            for cid in named:
                if cid not in crossings:
                    continue
                number, ids = _crossing_number(crossings[cid], record, len(named))
                if cid not in lit or (lit[cid][0] == "unknown" and number != "unknown"):
                    lit[cid] = (number, ids)
        for cid in crossing_order:
            if cid in lit:
                number, ids = lit[cid]
                lines.append(
                    _line(
                        f"{as_text(crossings[cid]['name_en'])}: {number if ids else 'number unknown'}",
                        "reported" if ids else "not reported",
                        ids,
                    )
                )
        if not lines:
            lines.append(_line("No dated event in the dataset for this month.", None, []))
        drawn_events = [fid for fid in binned[month.key] if fid in located]
        props = {cid: {"count_label": ""} for cid in crossing_order if cid not in lit}
        props.update({cid: {"count_label": f"{month.label}: {number}"} for cid, (number, _) in lit.items()})
        stages.append(
            _stage(
                month.key,
                month.label,
                f"{month.label} · {len(month_events)} dated event{'s' if len(month_events) != 1 else ''}",
                lines,
                [*lit, *drawn_events],
                [*crossing_order, *drawn_events],
                props=props,
                number=index + 1,
                of=len(bins),
                has_events=bool(month_events),
            )
        )
    return stages


# ---------------------------------------------------------------- the replay map

REPLAY_SETS = {
    "oct9": "9 October 2023, stage by stage",
    "months": "2020–2025, month by month",
}


def replay_payload(dataset: Dataset, set_id: str) -> dict:
    """Everything replay.js needs: the stages, the features they draw (display strings already
    formatted, as on the main map) and the sources they cite (id and outlet)."""
    if set_id == "oct9":
        stages, interval_ms = replay_stages(dataset), 4500
    elif set_id == "months":
        stages, interval_ms = monthly_stages(dataset), 1100
    else:
        raise ValueError(f"unknown replay {set_id!r}")
    wanted = {fid for stage in stages for fid in stage["drawn_ids"]}
    features: dict[str, dict] = {}
    for layer in ("routes", "events", "receiving_facilities", "detention_centres", "crossings"):
        gdf = dataset.layers[layer]
        for feature in layer_collection(layer, gdf[gdf["id"].isin(wanted)])["features"]:
            features[feature["properties"]["id"]] = {"layer": layer, "feature": feature}
    cited = sorted({sid for stage in stages for sid in stage["source_ids"]})
    outlets = source_outlets(dataset.sources)
    return {
        "set": set_id,
        "title": REPLAY_SETS[set_id],
        "interval_ms": interval_ms,
        "stages": stages,
        "features": features,
        "sources": {sid: outlets.get(sid, "") for sid in cited},
    }


def build_replay_map(basemap_json: str, payload: Mapping) -> Map:
    """The constant base map plus the replay control; the stages step in the browser."""
    fmap = build_base_map(basemap_json)
    # Leaflet fades a closed tooltip out for 200 ms; stepping faster than that would stack the
    # labels of earlier stages (invisible, but still in the page). Here they go at once.
    fmap.options["fade_animation"] = False
    fmap.default_js = [*fmap.default_js, REPLAY_JS]
    ScriptCall("ReplayControl", "CrossingsReplay.mount", to_script_json(payload)).add_to(fmap)
    return fmap
