"""Crossings: entrypoint. Page config, shared filters, navigation and the provenance footer."""

from datetime import date

import streamlit as st

from geo.ui.data import StoreUnavailable, follow_revisions, get_data_span, get_dataset, store_outage
from geo.ui.widgets import render_filters, render_footer

STORE_DOWN = "The data store cannot be reached right now."

st.set_page_config(
    page_title="Crossings — forced repatriation of North Koreans from China", page_icon="🗺️", layout="wide"
)

# Constant CSS only (no data): tighter top margin so the map fits a 720-pixel-high screen.
st.html("<style>.block-container{padding-top:3rem;padding-bottom:1rem}</style>")

try:
    dataset = get_dataset()
except StoreUnavailable:  # the database is down and this process never read the data: say so, retry
    st.error(STORE_DOWN + " There is nothing to show yet: this page loads by itself as soon as it is back.")
    follow_revisions(None, outage_shown=True)
    st.stop()
if dataset.revision is not None:  # read from the store: a new revision reaches this open page within seconds;
    # so does the store going away, and coming back.
    follow_revisions(dataset.revision, outage_shown=store_outage() is not None)
if store_outage() is not None:
    st.warning(
        STORE_DOWN
        + f" Showing the data as of revision {dataset.revision}; this page updates by itself when it is back."
    )
span = get_data_span(dataset)
today = date.today()

pages = st.navigation(
    [
        st.Page("views/map.py", title="Map", icon=":material/map:", default=True),
        st.Page("views/timeline.py", title="Timeline", icon=":material/timeline:", url_path="timeline"),
        st.Page("views/data.py", title="Data", icon=":material/table:", url_path="data"),
        st.Page("views/crossing.py", title="Crossing profiles", icon=":material/swap_horiz:", url_path="crossing"),
        st.Page("views/sources.py", title="Sources", icon=":material/menu_book:", url_path="sources"),
        st.Page("views/import_data.py", title="Import", icon=":material/upload_file:", url_path="import"),
        st.Page("views/presenter.py", title="Presenter", icon=":material/slideshow:", url_path="presenter"),
        st.Page("views/about.py", title="About", icon=":material/info:", url_path="about"),
    ]
)
render_filters(dataset, span, today)
pages.run()
render_footer(dataset)
