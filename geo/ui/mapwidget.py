"""st_folium glue: a constant base map, data through feature_group_to_add, view through center/zoom."""

from __future__ import annotations

import hashlib
import logging

import streamlit as st
import streamlit_folium
from streamlit_folium import st_folium

from geo.clientdata import spec_json, view_modes, write_named
from geo.details import find_feature
from geo.filters import FilterSpec
from geo.i18n import _, language
from geo.io import Dataset
from geo.mapview import (
    LayerControl,
    Map,
    base_file_text,
    build_base_map,
    build_client_groups,
    build_feature_groups,
    clicked_feature_id,
    selection_groups,
    thin_map,
)
from geo.payload import AGGREGATE_ABOVE, GRID_CELL_DEG, selected_geometry
from geo.text import format_number
from geo.ui import state
from geo.ui.data import (
    CLIENT_DATA_DIR,
    CLIENT_DATA_URL,
    client_data,
    client_group_counts,
    filtered_layers,
    get_map_basemap,
    map_layers,
    map_view,
)
from geo.ui.uploaded import uploaded_map_groups

log = logging.getLogger(__name__)

MAP_KEY = "crossings-map"
MAP_HEIGHT = 600
# Constant CSS: what is above the map on the map page takes about 260 px of the window.
MAP_CONTAINER = "main-map"
MAP_FRAME_CSS = (
    '<style>.st-key-main-map iframe[title="streamlit_folium.st_folium"]'
    f"{{height:clamp(420px,calc(100vh - 270px),{MAP_HEIGHT}px)}}</style>"
)


def render_map(dataset: Dataset, spec: FilterSpec, height: int = MAP_HEIGHT) -> None:
    # The browser holds the dataset's features (a static file, fetched once per dataset version) and
    # applies the filter itself, drawing more than AGGREGATE_ABOVE points in view as counts per grid cell;
    # otherwise (editors, data too large for the browser) each filter state's payloads are sent, cached
    # per (dataset version, filter spec). Either way a rerun that changes no filter sends the unchanged
    # map element as a reference to the copy the browser has.
    held = client_data(dataset)
    if held is not None:
        counts = client_group_counts(dataset, spec)
        modes = view_modes(held.modes, counts)
        groups = build_client_groups(counts, held.urls, spec_json(spec), modes)
        center, zoom = map_view(dataset, spec)
        aggregated = sum(counts.get(group, 0) for group, mode in modes.items() if mode == "grid")
    else:
        layers = map_layers(dataset, spec)
        groups = build_feature_groups(layers.payloads, layers.counts, layers.modes)
        center, zoom = layers.view
        aggregated = layers.aggregated()
    focus = state.take_focus()
    if focus:
        center, zoom = focus_view(dataset, focus, (center, zoom))
    point = state.take_focus_point()
    if point:
        center, zoom = (point[0], point[1]), point[2]
    # Built fresh every rerun (st_folium mutates the map it is given) from constants only.
    base = constant_map(get_map_basemap(dataset.version), language())
    # On a short screen (1280×720) the frame, and the map in it (map.js fillFrame), end above the fold.
    st.html(MAP_FRAME_CSS)
    with st.container(key=MAP_CONTAINER):  # map.js fits the frame in it to the window's height
        result = st_folium(
            base,
            key=MAP_KEY,
            height=height,
            use_container_width=True,
            feature_group_to_add=groups + uploaded_map_groups(spec) + selection_ring(dataset, spec),
            layer_control=LayerControl(collapsed=True, position="topright"),
            center=center,
            zoom=zoom,
            returned_objects=["last_object_clicked_tooltip"],
        )
    if aggregated:
        st.caption(
            _(
                "{count} features in view: more than {limit} points are drawn as counts per {cell}° grid cell, "
                "not one by one. Narrow the dates, kinds or crossings to see each one.",
                count=format_number(aggregated),
                limit=format_number(AGGREGATE_ABOVE),
                cell=format(GRID_CELL_DEG, "g"),
            )
        )
    clicked = clicked_feature_id((result or {}).get("last_object_clicked_tooltip"))
    if clicked and clicked != st.session_state.get("_last_clicked"):
        st.session_state["_last_clicked"] = clicked
        if clicked != state.selected_feature():
            state.select_feature(clicked)
            st.rerun()


def selection_ring(dataset: Dataset, spec: FilterSpec) -> list:
    """The ring round the feature open in the details panel, when it is in view (the filtered frames are
    only built when a feature is open)."""
    fid = state.selected_feature()
    return selection_groups(selected_geometry(filtered_layers(dataset, spec), fid)) if fid else []


def focus_view(dataset: Dataset, fid: str, fallback: tuple) -> tuple:
    found = find_feature(dataset, fid)
    if found is None or found[1].get("geometry") is None:
        return fallback
    centroid = found[1]["geometry"].centroid
    return (round(centroid.y, 4), round(centroid.x, 4)), 9


def constant_map(basemap_json: str, lang: str) -> Map:
    """The base map for st_folium: its constant code served as a static file (geo.mapview.thin_map),
    so a rerun sends only what changes; the whole map when that file cannot be written."""
    base = build_base_map(basemap_json, lang)
    served = _base_file(basemap_json, lang)
    return base if served is None else thin_map(base, *served)


@st.cache_resource(show_spinner=False, max_entries=8)
def _base_file(basemap_json: str, lang: str) -> tuple[str, str] | None:
    """(key, URL) of the static file holding the base map's script for this basemap and language."""
    full = build_base_map(basemap_json, lang)
    full.get_root().render()  # as st_folium does before it takes the script
    script = streamlit_folium._get_map_string(full)
    key = hashlib.sha256(script.encode("utf-8")).hexdigest()[:20]
    name = f"base-{key}.js"
    try:
        write_named(base_file_text(key, script), CLIENT_DATA_DIR, name)
    except OSError as error:
        log.warning("the map's base file cannot be written (%s): each rerun sends the whole map", error)
        return None
    return key, f"{CLIENT_DATA_URL}/{name}"
