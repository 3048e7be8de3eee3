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
FOCUS = "_focus_feature"  # a selection made outside the map (search, tables): move the map to it once
FOCUS_POINT = "_focus_point"  # a place that is not a feature (a town found by search): move the map there once


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


def select_feature(fid: str | None, focus: bool = False) -> None:
    """Select a feature for the details panel; with focus, the map also moves to it on its next draw."""
    st.session_state[SELECTED] = fid
    st.session_state[FOCUS] = fid if focus else None
    if fid:
        st.query_params[SELECTED] = fid
    elif SELECTED in st.query_params:
        del st.query_params[SELECTED]


def take_focus() -> str | None:
    """The feature the map should move to now, once."""
    fid = st.session_state.get(FOCUS)
    st.session_state[FOCUS] = None
    return fid


def focus_point(lat: float, lon: float, zoom: float = 10) -> None:
    """Move the map to a place that is not a feature (a town from the place search) on its next draw."""
    st.session_state[FOCUS_POINT] = (round(lat, 4), round(lon, 4), zoom)


def take_focus_point() -> tuple[float, float, float] | None:
    """The place the map should move to now, once."""
    point = st.session_state.get(FOCUS_POINT)
    st.session_state[FOCUS_POINT] = None
    return point
