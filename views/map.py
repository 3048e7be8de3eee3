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

st.markdown("### " + _("Forced repatriation of North Koreans from China"))
st.caption(
    _(
        "On 9 October 2023 China handed 500–600 detained North Koreans, most of them women, to North Korea at "
        "five border crossings. Where they were held, where they crossed, and who says so."
    )
)
st.markdown(f"**{filter_sentence(dataset, spec)}**")
st.caption(on_map_sentence(dataset, spec))
map_column, details_column = st.columns([0.72, 0.28], gap="medium")
with map_column:
    render_map(dataset, spec)
with details_column, st.container(key="details-panel"):
    render_details_panel(dataset)
render_timeline_strip(dataset, spec)
