"""The map: the three layers with context, the filter sentence, and the details panel."""

from datetime import date

import streamlit as st

from geo.i18n import _
from geo.ui.data import filter_sentence, get_data_span, get_dataset, on_map_sentence
from geo.ui.details_panel import render_details_panel
from geo.ui.mapwidget import render_map
from geo.ui.state import read_spec
from geo.ui.timeline_strip import render_timeline_strip

dataset = get_dataset()
spec = read_spec((get_data_span(dataset)[0], date.today()))

with st.container(key="map-title"):  # keyed: on a phone the map comes right after the title (app.py's CSS)
    st.markdown("### " + _("Forced repatriation of North Koreans from China"))
summary = st.container(key="map-summary")
summary.caption(
    _(
        "On 9 October 2023 China handed 500–600 detained North Koreans, most of them women, to North Korea at "
        "five border crossings. Where they were held, where they crossed, and who says so."
    )
)
summary.markdown(f"**{filter_sentence(dataset, spec)}**")
summary.caption(on_map_sentence(dataset, spec))
# Below 640 px Streamlit stacks the columns: the details come under the map.
map_column, details_column = st.container(key="map-layout").columns([0.72, 0.28], gap="medium")
with map_column:
    render_map(dataset, spec)
with details_column, st.container(key="details-panel"):
    render_details_panel(dataset)
render_timeline_strip(dataset, spec)
