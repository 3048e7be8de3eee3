"""The timeline: every dated event on a time axis (brushing a period sets the shared date filter),
the event table, the people reported returned over time, and the replays of 9 October 2023 and of
2020–2025 on the map."""

from datetime import date

import streamlit as st
from streamlit_folium import st_folium

from geo.chart_text import canvas_spec, cumulative_chart_text, events_chart_text
from geo.charts import BRUSH
from geo.i18n import _, ngettext
from geo.replay import REPLAY_SETS, build_replay_map
from geo.text import escape_markdown as md
from geo.timeline import column_label
from geo.ui.data import filter_sentence, get_data_span, get_dataset, get_map_basemap
from geo.ui.phone import pointer_or_touch
from geo.ui.state import read_spec
from geo.ui.timeline_data import events_axis, events_in_range, get_replay, get_returns, get_timeline_domain
from geo.ui.timeline_strip import CHART_KEY, apply_brush

REPLAY_HEIGHT = 640

dataset = get_dataset()
spec = read_spec((get_data_span(dataset)[0], date.today()))
domain = get_timeline_domain(dataset)

st.markdown("## " + _("Timeline"))
st.caption(
    _(
        "The events of 2020–2025 by kind, the people reported returned over time, and a replay of 9 October 2023. "
        "Every mark cites its sources; a number nobody reported is “unknown”."
    )
)
st.markdown(f"**{filter_sentence(dataset, spec)}**")

# Events: the crossing, kind and confidence filters apply; the date range is what the brush picks.
chart, off_axis, undated = events_axis(dataset, spec)
table = events_in_range(dataset, spec)
events_text = events_chart_text(len(table), domain, (spec.date_from, spec.date_to))
st.vega_lite_chart(
    spec=canvas_spec(chart),
    alt=events_text,
    key=CHART_KEY,
    on_select=apply_brush,
    selection_mode=BRUSH,
    width="stretch",
)
st.caption(
    _(
        "**Drag across the chart to choose a period**: the map, its sentence and the link follow (the shaded band is "
        "the current range; the presets in the sidebar reset it). Dots are events known to the day; bars are dates "
        "known only to the month or year (drawn over the whole month or year, not on a made-up day) and events "
        "lasting weeks."
    )
    + " "
    + ngettext(
        "Not on the axis: {n} dated event outside {first}–{last} and {undated} undated; they are in the table below.",
        "Not on the axis: {n} dated events outside {first}–{last} and {undated} undated; they are in the table below.",
        off_axis,
        first=domain[0].year,
        last=domain[1].year,
        undated=undated,
    )
)

st.markdown("#### " + _("Events in the current range"))
st.caption(_("{shown} of {total} events match the filters.", shown=len(table), total=len(dataset.layers["events"])))
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    height=320,
    column_config={
        "Date": st.column_config.TextColumn(column_label("Date"), width="small"),
        "Kind": st.column_config.TextColumn(column_label("Kind"), width="small"),
        "Event": st.column_config.TextColumn(column_label("Event"), width="large"),
        "People": st.column_config.TextColumn(column_label("People"), width="medium"),
        "Sources of the number": st.column_config.TextColumn(column_label("Sources of the number"), width="medium"),
        "Confidence": st.column_config.TextColumn(column_label("Confidence"), width="small"),
        "Sources": st.column_config.TextColumn(column_label("Sources"), width="large"),
        "Id": st.column_config.TextColumn(column_label("Id"), width="small"),
    },
)

st.markdown("### " + _("People reported returned over time"))
returns = get_returns(dataset)
series = returns.series
totals = [(step.dates, step.total_low, step.total_high) for step in series.steps]
cumulative_text = cumulative_chart_text(totals, len(series.checkpoints))
st.vega_lite_chart(spec=canvas_spec(returns.document), alt=cumulative_text, width="stretch")
unknown_from = series.high_unknown_from
st.caption(
    _(
        "The running total adds up the **sourced** counts of forced repatriations in this dataset, low and high "
        "bounds separately (the band)."
    )
    + " "
    + (
        _("From {dates} the top of the band is unknown: that step has no upper bound.", dates=md(unknown_from.dates))
        + " "
        if unknown_from
        else ""
    )
    + _(
        "The diamond is a cumulative total stated by a source, shown beside the sum and never added to it. "
        "Statements of the 9 October total, named people and people held are not summed."
    )
)
st.dataframe(
    returns.table,
    hide_index=True,
    width="stretch",
    column_config={column: column_label(column) for column in returns.table.columns},
)
if series.excluded:
    with st.expander(_("Counts not summed ({n}), and why", n=len(series.excluded))):
        st.markdown("\n".join(f"- **{md(e.event_id)}** {md(e.name)}: {md(e.reason)}" for e in series.excluded))

st.markdown("### " + _("Replay on the map"))
choice = st.segmented_control(
    _("Replay"),
    options=list(REPLAY_SETS),
    format_func=lambda set_id: _(REPLAY_SETS.get(set_id, set_id)),
    default="oct9",
    key="replay-set",
    label_visibility="collapsed",
)
choice = choice or "oct9"
payload = get_replay(dataset, choice)
with st.container(key=f"replay-map-{choice}"):
    st_folium(
        build_replay_map(get_map_basemap(dataset.version), payload),
        key=f"replay-{choice}",
        height=REPLAY_HEIGHT,
        use_container_width=True,
        returned_objects=[],
    )
pointer_or_touch(
    "replay-keys",
    _(
        "The stages step in the browser. **Keyboard:** click the map, then Space plays or pauses, ← and → step, "
        "Home and End jump to the first and last stage. Legs are schematic straight lines, not the roads taken; "
        "inferred legs are dashed and say so. Each caption line is tagged reported, inferred or not reported, with "
        "its source ids."
    ),
    _(
        "The stages step in the browser: tap Play to play or pause, Prev and Next to step. Legs are schematic "
        "straight lines, not the roads taken; inferred legs are dashed and say so. Each caption line is tagged "
        "reported, inferred or not reported, with its source ids."
    ),
    show=st.caption,
)
