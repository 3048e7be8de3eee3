"""One profile per border crossing: names on both sides, a locator map, the people reported on
9 October 2023, every event there, the legs that fed it and its sources."""

import pandas as pd
import streamlit as st

from geo.i18n import _
from geo.profile import crossing_options, crossing_profile
from geo.text import escape_markdown as md
from geo.ui import state
from geo.ui.data import get_dataset
from geo.ui.details_panel import source_line
from geo.ui.locator import render_locator
from geo.ui.navigate import open_map

PROFILE = "profile"  # widget key and query parameter: ?profile=<crossing name>

dataset = get_dataset()
options = crossing_options(dataset)

st.markdown("## " + _("Crossing profiles"))
crossing_id = st.selectbox(
    _("Crossing"),
    options=list(options),
    format_func=lambda fid: options.get(fid, fid),
    key=PROFILE,
    bind="query-params",
    help=_("The five crossings of 9 Oct 2023 first, then the crossings no source links to that day."),
)
profile = crossing_profile(dataset, crossing_id) if crossing_id else None
if profile is None:
    st.info(_("Choose a crossing."))
    st.stop()

st.markdown(f"### {md(profile.name)}")
if profile.used_2023_10_09:
    st.caption(_("One of the five crossings used on 9 Oct 2023. The profile ignores the sidebar filters."))
else:
    st.caption(_("No source found links this crossing to 9 Oct 2023. The profile ignores the sidebar filters."))

facts_column, map_column = st.columns([0.5, 0.5], gap="medium")
with facts_column:
    st.table(
        pd.DataFrame(
            [{_("English"): n.en, _("Korean"): n.ko or "—", _("Chinese"): n.zh or "—"} for n in profile.names],
            index=[n.part for n in profile.names],
        )
    )
    facts = [
        (_("Crossing point"), profile.point_name),
        (_("Location"), profile.location),
        (_("Confidence"), profile.confidence),
    ]
    st.markdown("\n".join(f"- **{md(k)}:** {md(v)}" for k, v in facts if v))
    st.markdown("#### " + _("People reported on 9 October 2023"))
    st.markdown(f"**{md(profile.people)}**")
    if profile.count_note:
        st.caption(md(profile.count_note))
    if profile.count_sources:
        st.markdown("\n".join(source_line(e) for e in profile.count_sources))
with map_column, st.container(key="crossing-locator"):
    render_locator(dataset, profile.id)
    if st.button(_("Open on the map"), key="profile-open-map", icon=":material/map:"):
        state.select_feature(profile.id, focus=True)
        open_map(profile.id)

if profile.reported:
    st.markdown(_("**What is reported.** {text}", text=md(profile.reported)))
if profile.notes:
    st.markdown(_("**Notes.** {text}", text=md(profile.notes)))

st.markdown("#### " + _("Events at this crossing ({n})", n=len(profile.events)))
if profile.events:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Dates": e.dates,
                    "Event": e.name,
                    "Kind": e.kind,
                    "People": e.people,
                    "Confidence": e.confidence,
                    "Sources": ", ".join(e.source_ids),
                    "Id": e.id,
                }
                for e in profile.events
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Dates": _("Dates"),
            "Event": _("Event"),
            "Kind": _("Kind"),
            "People": _("People"),
            "Confidence": _("Confidence"),
            "Sources": _("Sources"),
            "Id": _("Id"),
        },
    )
else:
    st.caption(_("No dated event in the data names this crossing."))

st.markdown("#### " + _("The routes of 9 October 2023"))
if profile.legs:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Leg": _("detention centre → crossing") if leg.leg == "origin" else _("crossing → North Korea"),
                    "From": leg.from_name,
                    "To": leg.to_name,
                    "Evidence": _("reported") if leg.evidence == "reported" else _("inferred (no source states it)"),
                    "Confidence": leg.confidence,
                    "Sources": ", ".join(leg.source_ids),
                }
                for leg in profile.legs
            ]
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Leg": _("Leg"),
            "From": _("From"),
            "To": _("To"),
            "Evidence": _("Evidence"),
            "Confidence": _("Confidence"),
            "Sources": _("Sources"),
        },
    )
    fed = ", ".join(md(name) for _id, name in profile.origins) or _("no detention centre in the data")
    led = ", ".join(md(name) for _id, name in profile.receiving) or _("no receiving facility in the data")
    st.markdown(_("- **Fed by:** {fed}\n- **Led to:** {led}", fed=fed, led=led))
    st.caption(_("Every leg is a schematic straight line, not the road taken."))
else:
    st.caption(_("No leg of 9 Oct 2023 in the data runs through this crossing."))

st.markdown("#### " + _("Sources"))
for title, entries in (
    (_("Sources of the crossing"), profile.sources),
    (_("Sources of the number"), profile.count_sources),
    (_("Sources of the coordinates"), profile.coord_sources),
):
    if entries:
        st.markdown(f"**{title}**\n\n" + "\n".join(source_line(e) for e in entries))
