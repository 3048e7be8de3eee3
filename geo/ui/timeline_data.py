"""The Timeline page's data, cached per dataset version and filter: the page only lays it out.

What depends on the dataset version alone (the running total, its chart and table, the replays) is
built once per version; the events chart once per version and crossing/kind/confidence filter (a
date range only moves its band); the event table once per filter state. Charts are kept as Vega-Lite
documents with their rows already Arrow, so a rerun neither validates a chart nor converts its data.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from geo import i18n
from geo.charts import cumulative_chart, events_chart, vega_lite_spec, with_band
from geo.filters import FilterSpec
from geo.i18n import use_language
from geo.io import Dataset
from geo.replay import replay_payload
from geo.returns import CumulativeSeries, cumulative_returned, cumulative_table
from geo.timeline import event_spans, events_table, timeline_domain
from geo.ui.data import filtered_layers


def vega_document(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite document with its named datasets as Arrow bytes, what Streamlit sends
    (given bytes, st.vega_lite_chart sends them as they are instead of converting rows on every rerun)."""
    document = vega_lite_spec(chart)
    if "datasets" in document:
        document["datasets"] = {
            name: dataframe_util.convert_anything_to_arrow_bytes(rows) for name, rows in document["datasets"].items()
        }
    return document


def get_timeline_domain(dataset: Dataset) -> tuple[date, date]:
    return _domain(dataset.version, dataset)


@st.cache_resource(show_spinner=False, max_entries=4)
def _domain(version: str, _dataset: Dataset) -> tuple[date, date]:
    return timeline_domain(_dataset.layers["events"])


@dataclass(frozen=True)
class EventsAxis:
    """The events chart for one crossing/kind/confidence filter, and what it leaves off the axis."""

    document: dict  # band on the whole axis; shared, never modified (with_band moves it in a copy)
    off_axis: int  # dated events outside the axis
    undated: int


def events_axis(dataset: Dataset, spec: FilterSpec) -> tuple[dict, int, int]:
    """(the chart's document with the band on the spec's dates, events off the axis, undated events)."""
    axis = _events_axis(dataset.version, spec.crossings, spec.kinds, spec.min_confidence, i18n.language(), dataset)
    document = with_band(axis.document, (spec.date_from, spec.date_to), get_timeline_domain(dataset))
    return document, axis.off_axis, axis.undated


@st.cache_resource(show_spinner=False, max_entries=32)
def _events_axis(
    version: str, crossings: tuple[str, ...], kinds: tuple[str, ...], min_confidence: str, lang: str, _dataset: Dataset
) -> EventsAxis:
    with use_language(lang):
        return _build_events_axis(crossings, kinds, min_confidence, _dataset)


def _build_events_axis(
    crossings: tuple[str, ...], kinds: tuple[str, ...], min_confidence: str, _dataset: Dataset
) -> EventsAxis:
    # The crossing, kind and confidence filters apply; the date range is what the brush picks.
    without_dates = FilterSpec(None, None, crossings, kinds, min_confidence)
    events = filtered_layers(_dataset, without_dates)["events"]
    domain = get_timeline_domain(_dataset)
    spans = event_spans(events, _dataset.sources)
    on_axis = spans[(spans["last_day"] >= domain[0]) & (spans["start_day"] <= domain[1])] if len(spans) else spans
    document = vega_document(events_chart(on_axis, domain, (None, None)))
    return EventsAxis(document, len(spans) - len(on_axis), int(events["span_start"].isna().sum()))


def events_in_range(dataset: Dataset, spec: FilterSpec) -> pd.DataFrame:
    """The event table of the filter state. Shared with every session: read it, never modify it."""
    return _events_in_range(dataset.version, astuple(spec), i18n.language(), dataset)


@st.cache_resource(show_spinner=False, max_entries=64)
def _events_in_range(version: str, spec_values: tuple, lang: str, _dataset: Dataset) -> pd.DataFrame:
    with use_language(lang):
        return events_table(filtered_layers(_dataset, FilterSpec(*spec_values))["events"], _dataset.sources)


@dataclass(frozen=True)
class Returns:
    """The people reported returned over time: the same for every filter."""

    series: CumulativeSeries
    document: dict
    table: pd.DataFrame


@st.cache_resource(show_spinner=False, max_entries=4)
def _returns(version: str, lang: str, _dataset: Dataset) -> Returns:
    with use_language(lang):
        series = cumulative_returned(_dataset.layers["events"])
        chart = cumulative_chart(series, _dataset.sources, get_timeline_domain(_dataset))
        return Returns(series, vega_document(chart), cumulative_table(series, _dataset.sources))


def get_returns(dataset: Dataset) -> Returns:
    """Shared with every session: read it, never modify it."""
    return _returns(dataset.version, i18n.language(), dataset)


def get_replay(dataset: Dataset, set_id: str) -> dict:
    """replay_payload once per dataset version and replay set. Shared: read it, never modify it."""
    return _replay(dataset.version, set_id, i18n.language(), dataset)


@st.cache_resource(show_spinner=False, max_entries=8)
def _replay(version: str, set_id: str, lang: str, _dataset: Dataset) -> dict:
    with use_language(lang):
        return replay_payload(_dataset, set_id)
