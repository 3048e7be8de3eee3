"""The place-name search box: type a name in any of its spellings, choose a result, and the map
moves there (a town) or selects it (a feature)."""

from __future__ import annotations

import streamlit as st

from geo.i18n import N_, _
from geo.io import DATA_DIR, Dataset
from geo.search import PlaceIndex, SearchHit, load_index, search
from geo.text import escape_markdown as md
from geo.ui import state
from geo.ui.data import get_dataset
from geo.ui.navigate import open_map


@st.cache_resource(show_spinner=False)
def get_place_index(version: str) -> PlaceIndex:
    return load_index(get_dataset(), DATA_DIR)


def choose(hit: SearchHit) -> None:
    """A feature is selected and the map moves to it; a town only moves the map."""
    place = hit.place
    if place.kind == "feature":
        state.select_feature(place.key, focus=True)
    elif place.lat is not None and place.lon is not None:
        state.focus_point(place.lat, place.lon)


def render_place_search(
    dataset: Dataset,
    key: str,
    shown_ids: set[str] | None = None,
    limit: int = 8,
    compact: bool = False,
    label: str = N_("Find a place"),
) -> None:
    """A search box with its results as buttons; choosing one opens the map there."""
    query = st.text_input(
        _(label),
        key=key,
        placeholder="Tumen, Domun, 图们, 도문, Sinŭiju…",
        help=_("English, Korean or Chinese names and common alternative spellings; accents and case do not matter."),
    )
    if not query or not query.strip():
        return
    hits = search(get_place_index(dataset.version), query, limit=limit)
    if not hits:
        st.caption(_("No place called “{query}” in the data or on the basemap.", query=md(query.strip())))
        return
    for position, hit in enumerate(hits):
        outside = shown_ids is not None and hit.place.kind == "feature" and hit.place.key not in shown_ids
        help_text = hit.place.detail + (" — " + _("outside the current filters") if outside else "")
        title = hit.place.label if compact else f"{hit.place.label} — {hit.place.detail}"
        if st.button(
            md(title),
            key=f"{key}-hit-{position}",
            help=md(f"{help_text}. {hit.explanation}."),
            width="stretch",
            icon=":material/location_on:" if hit.place.kind == "town" else ":material/place:",
        ):
            choose(hit)
            open_map(hit.place.key if hit.place.kind == "feature" else None)
    if not compact:
        st.caption(_("Choosing a result opens the map there; a feature of the data is also selected."))
