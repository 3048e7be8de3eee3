"""Switching to the map from another page without losing the filters in the URL.

`st.switch_page` without query_params tries to clear every query parameter and fails while
filter widgets are bound to the URL; with query_params it keeps the bound ones (their widgets
write them back) and sets the rest, here the selected feature.
"""

from __future__ import annotations

import streamlit as st

from geo.ui import state

MAP_PAGE = "views/map.py"


def open_map(feature: str | None = None) -> None:
    """Go to the map; with a feature id, the map shows that feature selected (without one, the
    current selection stays in the URL)."""
    selected = feature or state.selected_feature()
    st.switch_page(MAP_PAGE, query_params={state.SELECTED: selected} if selected else {})
