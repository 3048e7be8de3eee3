"""Crossings: entrypoint. Page config, shared filters, navigation and the provenance footer."""

from datetime import date

import streamlit as st

from geo.ui.data import follow_revisions, get_data_span, get_dataset
from geo.ui.session import signed_in
from geo.ui.signin import confirm_account, render_sign_in
from geo.ui.widgets import render_filters, render_footer

st.set_page_config(
    page_title="Crossings — forced repatriation of North Koreans from China", page_icon="🗺️", layout="wide"
)

# Constant CSS only (no data): tighter top margin so the map fits a 720-pixel-high screen.
st.html("<style>.block-container{padding-top:3rem;padding-bottom:1rem}</style>")

confirm_account()  # before any data is read: a disabled account sees the public view at once
dataset = get_dataset()
if dataset.revision is not None:  # read from the store: a new revision reaches this open page within seconds
    follow_revisions(dataset.revision)
span = get_data_span(dataset)
today = date.today()

account = signed_in()  # None for every viewer: nobody signs in to read
editing = []
if account is not None and account.may("propose"):
    editing.append(st.Page("views/edit.py", title="Propose a change", icon=":material/edit:", url_path="edit"))
if account is not None and account.may("review"):
    editing.append(st.Page("views/review.py", title="Review", icon=":material/fact_check:", url_path="review"))
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
        *editing,  # registered only for signed-in roles; each page and the store check the role again
    ]
)
render_filters(dataset, span, today)
render_sign_in()
pages.run()
render_footer(dataset)
