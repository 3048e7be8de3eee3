"""Switching to the map (from another page, or from the map page itself after a search) without
losing the view in the URL: `st.switch_page` replaces the query parameters with the ones it is
given, so it is given every parameter of the shared view, and the selected feature.
"""

from __future__ import annotations

import streamlit as st

from geo.ui import state

MAP_PAGE = "views/map.py"
MAP_URL_PATH = ""  # the default page


def open_map(feature: str | None = None) -> None:
    """Go to the map; with a feature id, the map shows that feature selected (without one, the
    current selection stays in the URL)."""
    if st.session_state.get(state.PAGE) == MAP_URL_PATH:
        # Already there: a rerun shows the selection and moves the map, and the URL keeps every parameter
        # (a switch to the same page would drop the ones bound to widgets, the dates).
        st.rerun()
    selected = feature or state.selected_feature()
    params = state.view_params()
    if selected:
        params[state.SELECTED] = [selected]
    st.switch_page(MAP_PAGE, query_params=params)
