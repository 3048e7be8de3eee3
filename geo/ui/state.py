"""Session-state and query-parameter keys, and reading the shared filter spec from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

import streamlit as st

from geo.filters import FilterSpec, resolve_choices
from geo.i18n import N_, _

# Widget keys double as query-parameter names (bind="query-params"): the URL is the view.
DATES = "dates"
CROSSINGS = "crossing"
KINDS = "kind"
CONFIDENCE = "confidence"
SELECTED = "feature"
FOCUS = "_focus_feature"  # a selection made outside the map (search, tables): move the map to it once
FOCUS_POINT = "_focus_point"  # a place that is not a feature (a town found by search): move the map there once
URL_WRITTEN = "_url_written"  # per filter key: the values this session last wrote to the URL
URL_NOTICES = "_url_notices"  # per filter key: what a link asked for that the data does not have
PAGE = "_page"  # the url path of the page this run shows ("" for the map), set by the entrypoint
# Query parameters that belong to one page, not to the shared view.
PAGE_PARAMS = ("profile", "scene")


def sync_choice_from_url(key: str, names: Mapping[str, str], notice: str, multiple: bool = True) -> None:
    """Before the filter widget `key` is drawn: values in the URL that this session did not write (a shared
    link, Back) set it. They are ids; the names that older links used work too. A value that names nothing
    is left out and said on the page (url_notices): `notice` is that sentence's message (N_), with {values}."""
    written = st.session_state.setdefault(URL_WRITTEN, {})
    values = tuple(st.query_params.get_all(key))
    if not values or values == written.get(key):
        return
    ids, unknown = resolve_choices(values, names)
    st.session_state[key] = ids if multiple else (ids[0] if ids else next(iter(names)))
    written[key] = values
    notices = st.session_state.setdefault(URL_NOTICES, {})
    if unknown:
        quoted = ", ".join(f"“{value}”" for value in unknown)
        notices[key] = (notice, {"values": quoted})  # translated when shown: the language may change
    else:
        notices.pop(key, None)


def sync_choice_to_url(key: str, default: Sequence[str] = ()) -> None:
    """After the widget: the URL holds the filter's ids (nothing at its default), so a copied link is the view."""
    value = st.session_state.get(key)
    ids = tuple(value) if isinstance(value, list | tuple) else ((value,) if value else ())
    written = st.session_state.setdefault(URL_WRITTEN, {})
    if ids == tuple(default):
        if key in st.query_params:
            del st.query_params[key]
        written[key] = ()
        return
    if tuple(st.query_params.get_all(key)) != ids:
        st.query_params[key] = list(ids)
    written[key] = ids


def clear_url_notice(key: str) -> None:
    """The viewer changed the filter a link had set: what the link asked for no longer matters."""
    st.session_state.setdefault(URL_NOTICES, {}).pop(key, None)


def check_url_dates() -> None:
    """A date in the URL that is not a date (2023-13-45) is ignored by the date widget: say so."""
    bad = []
    for value in st.query_params.get_all(DATES):
        try:
            date.fromisoformat(value)
        except ValueError:
            bad.append(value)
    notices = st.session_state.setdefault(URL_NOTICES, {})
    if bad:
        quoted = ", ".join(f"“{value}”" for value in bad)
        notices[DATES] = (
            N_("The link's date range has {values}, which is not a date (YYYY-MM-DD): all dates are shown."),
            {"values": quoted},
        )
    else:
        notices.pop(DATES, None)


def url_notices() -> list[str]:
    """The notices in the active language."""
    return [_(message, **values) for message, values in st.session_state.get(URL_NOTICES, {}).values()]


def view_params() -> dict[str, list[str]]:
    """The shared view in the URL now (filters, selection), for a switch to another page. The dates are
    left to their widget, which is bound to the URL (Streamlit refuses to set a bound parameter)."""
    return {key: st.query_params.get_all(key) for key in st.query_params if key not in (*PAGE_PARAMS, DATES)}


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
