"""The timeline's charts: Altair specs (drawn by Vega-Lite in the browser), the strip of weekly
marks, and the brush that turns a dragged period back into dates.

Pure: no Streamlit. The only core module that imports altair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import altair as alt
import pandas as pd

from geo.i18n import N_, _
from geo.io import source_outlets
from geo.returns import CumulativeSeries
from geo.schema import EVENT_KINDS
from geo.text import format_dates
from geo.timeline import cite
from geo.vocab import kind_label

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

# ---------------------------------------------------------------- charts (Altair, drawn by Vega-Lite)

BRUSH = "brush"
# The time axis labels a year (d3-time-format): "2023" in English, "2023년" in Korean.
YEAR_FORMAT = N_("%Y")
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
        axis=alt.Axis(format=_(YEAR_FORMAT), tickCount="year", labelFontSize=13, grid=True, gridOpacity=0.35),
    )


def _range_rows(date_from: date | None, date_to: date | None, domain: tuple[date, date]) -> list[dict]:
    first = max(date_from or domain[0], domain[0])
    last = min(date_to or domain[1], domain[1])
    if last < first:
        return []
    return [{"start": first.isoformat(), "end": (last + timedelta(days=1)).isoformat()}]


def _kind_scale() -> alt.Scale:
    return alt.Scale(domain=[kind_label(k) for k in EVENT_KINDS], range=[KIND_COLOURS[k] for k in EVENT_KINDS])


def tooltip() -> list[alt.Tooltip]:
    """An event's tooltip, its titles in the active language."""
    return [
        alt.Tooltip("name:N", title=_("Event")),
        alt.Tooltip("dates:N", title=_("Date")),
        alt.Tooltip("kind_label:N", title=_("Kind")),
        alt.Tooltip("people:N", title=_("People")),
        alt.Tooltip("confidence:N", title=_("Confidence")),
        alt.Tooltip("sources:N", title=_("Sources")),
        alt.Tooltip("count_sources:N", title=_("Sources of the number")),
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
        sort=[kind_label(k) for k in EVENT_KINDS],
        scale=alt.Scale(domain=[kind_label(k) for k in EVENT_KINDS]),
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
        .encode(x=_x(None), x2="end:T", y=y, yOffset=y_offset, color=colour, tooltip=tooltip())
    )
    points_layer = (
        alt.Chart(data)
        .transform_filter(alt.datum.mark == "point")
        .mark_point(filled=True, size=110, opacity=0.95, stroke="#ffffff", strokeWidth=1)
        .encode(x=_x(domain), y=y, yOffset=y_offset, color=colour, tooltip=tooltip())
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
    counts["week"] = [_("week of {date}", date=format_dates(d.isoformat(), None, "day")) for d in counts["week_start"]]
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
            tooltip=tooltip()[:4],
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
                alt.Tooltip("week:N", title=_("Week")),
                alt.Tooltip("kind_label:N", title=_("Kind")),
                alt.Tooltip("sum(events):Q", title=_("Events"), format=","),
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
                "total": step.total_label
                if step.total_high is not None
                else _("{total} (top of the range unknown)", total=step.total_label),
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
        axis=alt.Axis(format=_(YEAR_FORMAT), tickCount="year", labelFontSize=13),
    )
    peak = max([0, *(r["high"] or r["low"] for r in rows), *(c.high or c.low or 0 for c in series.checkpoints)])
    y = alt.Y(
        "low:Q",
        title=_("People reported returned (cumulative)"),
        scale=alt.Scale(domain=[0, int(peak * 1.15) + 1]),
        axis=alt.Axis(labelFontSize=12, titleFontSize=13),
    )
    tooltip = [
        alt.Tooltip("event:N", title=_("Step")),
        alt.Tooltip("dates:N", title=_("Date")),
        alt.Tooltip("added:N", title=_("Added")),
        alt.Tooltip("total:N", title=_("Running total")),
        alt.Tooltip("sources:N", title=_("Sources of the number")),
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
                "text": _("top of the range unknown from {dates}", dates=unknown_from.dates),
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
                "total": _("{total} since {year}", total=c.label, year=c.since.year),
                "note": c.note,
                "sources": cite(c.source_ids, outlets),
                "text": _("{total} since {year} (stated total)", total=c.label, year=c.since.year),
            }
            for c in series.checkpoints
        ]
        check_tooltip = [
            alt.Tooltip("event:N", title=_("Stated total")),
            alt.Tooltip("dates:N", title=_("Date")),
            alt.Tooltip("total:N", title=_("Total")),
            alt.Tooltip("note:N", title=_("Note")),
            alt.Tooltip("sources:N", title=_("Sources of the number")),
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
