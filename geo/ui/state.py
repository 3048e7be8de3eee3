"""Session-state and query-parameter keys, and reading the shared filter spec from them."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.filters import FilterSpec

# Widget keys double as query-parameter names (bind="query-params"): the URL is the view.
DATES = "dates"
CROSSINGS = "crossing"
KINDS = "kind"
CONFIDENCE = "confidence"
SELECTED = "feature"


def _date_pair(value: object, span: tuple[date, date]) -> tuple[date | None, date | None]:
    if isinstance(value, tuple | list):
        picked = [v for v in value if isinstance(v, date)]
        if len(picked) == 2:
            return picked[0], picked[1]
        if len(picked) == 1:
            return picked[0], picked[0]  # the second click of a range is still to come
    return span


def read_spec(span: tuple[date, date]) -> FilterSpec:
    state = st.session_state
    date_from, date_to = _date_pair(state.get(DATES), span)
    if date_from and date_to and date_to < date_from:
        date_from, date_to = date_to, date_from
    return FilterSpec(
        date_from=date_from,
        date_to=date_to,
        crossings=tuple(state.get(CROSSINGS) or ()),
        kinds=tuple(state.get(KINDS) or ()),
        min_confidence=state.get(CONFIDENCE) or "unknown",
    )


def selected_feature() -> str | None:
    value = st.session_state.get(SELECTED)
    if value is None:
        value = st.query_params.get(SELECTED)
        if value:
            st.session_state[SELECTED] = value
    return value or None


def select_feature(fid: str | None) -> None:
    st.session_state[SELECTED] = fid
    if fid:
        st.query_params[SELECTED] = fid
    elif SELECTED in st.query_params:
        del st.query_params[SELECTED]
