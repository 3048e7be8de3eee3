"""One profile per border crossing: names on both sides, a locator map, the people reported on
9 October 2023, every event there, the legs that fed it and its sources."""

import pandas as pd
import streamlit as st

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

st.markdown("## Crossing profiles")
crossing_id = st.selectbox(
    "Crossing",
    options=list(options),
    format_func=lambda fid: options.get(fid, fid),
    key=PROFILE,
    bind="query-params",
    help="The five crossings of 9 Oct 2023 first, then the crossings no source links to that day.",
)
profile = crossing_profile(dataset, crossing_id) if crossing_id else None
if profile is None:
    st.info("Choose a crossing.")
    st.stop()

st.markdown(f"### {md(profile.name_en)}")
if profile.used_2023_10_09:
    st.caption("One of the five crossings used on 9 Oct 2023. The profile ignores the sidebar filters.")
else:
    st.caption("No source found links this crossing to 9 Oct 2023. The profile ignores the sidebar filters.")

facts_column, map_column = st.columns([0.5, 0.5], gap="medium")
with facts_column:
    st.table(
        pd.DataFrame(
            [{"English": n.en, "Korean": n.ko or "—", "Chinese": n.zh or "—"} for n in profile.names],
            index=[n.part for n in profile.names],
        )
    )
    facts = [("Crossing point", profile.point_name), ("Location", profile.location), ("Confidence", profile.confidence)]
    st.markdown("\n".join(f"- **{md(k)}:** {md(v)}" for k, v in facts if v))
    st.markdown("#### People reported on 9 October 2023")
    st.markdown(f"**{md(profile.people)}**")
    if profile.count_note:
        st.caption(md(profile.count_note))
    if profile.count_sources:
        st.markdown("\n".join(source_line(e) for e in profile.count_sources))
with map_column, st.container(key="crossing-locator"):
    render_locator(dataset, profile.id)
    if st.button("Open on the map", key="profile-open-map", icon=":material/map:"):
        state.select_feature(profile.id, focus=True)
        open_map(profile.id)

if profile.reported:
    st.markdown(f"**What is reported.** {md(profile.reported)}")
if profile.notes:
    st.markdown(f"**Notes.** {md(profile.notes)}")

st.markdown(f"#### Events at this crossing ({len(profile.events)})")
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
    )
else:
    st.caption("No dated event in the data names this crossing.")

st.markdown("#### The routes of 9 October 2023")
if profile.legs:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Leg": "detention centre → crossing" if leg.leg == "origin" else "crossing → North Korea",
                    "From": leg.from_name,
                    "To": leg.to_name,
                    "Evidence": "reported" if leg.evidence == "reported" else "inferred (no source states it)",
                    "Confidence": leg.confidence,
                    "Sources": ", ".join(leg.source_ids),
                }
                for leg in profile.legs
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    fed = ", ".join(md(name) for _, name in profile.origins) or "no detention centre in the data"
    led = ", ".join(md(name) for _, name in profile.receiving) or "no receiving facility in the data"
    st.markdown(f"- **Fed by:** {fed}\n- **Led to:** {led}")
    st.caption("Every leg is a schematic straight line, not the road taken.")
else:
    st.caption("No leg of 9 Oct 2023 in the data runs through this crossing.")

st.markdown("#### Sources")
for title, entries in (
    ("Sources of the crossing", profile.sources),
    ("Sources of the number", profile.count_sources),
    ("Sources of the coordinates", profile.coord_sources),
):
    if entries:
        st.markdown(f"**{title}**\n\n" + "\n".join(source_line(e) for e in entries))
