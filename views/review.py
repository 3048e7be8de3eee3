"""Review: approve or reject drafts with a note. Signed-in reviewers and admins only (checked here and by the store)."""

import streamlit as st

from geo.i18n import _
from geo.text import escape_markdown as md
from geo.ui.data import get_store
from geo.ui.review_panel import render_review_queue
from geo.ui.session import signed_in

st.title(_("Review queue"))
reviewer = signed_in()
store = get_store()
if reviewer is None or not reviewer.may("review") or store is None:
    st.error(_("This page is for signed-in reviewers. Sign in from the sidebar."))
    st.stop()
message = st.session_state.pop("_review_message", None)
if message:
    st.success(md(message))
render_review_queue(store, reviewer)
