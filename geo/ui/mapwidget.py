"""st_folium glue: a constant base map, data through feature_group_to_add, view through center/zoom."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.details import find_feature
from geo.filters import FilterSpec
from geo.i18n import _, language
from geo.io import Dataset
from geo.mapview import LayerControl, build_base_map, build_feature_groups, clicked_feature_id, selection_groups
from geo.payload import AGGREGATE_ABOVE, GRID_CELL_DEG, selected_geometry
from geo.text import format_number
from geo.ui import state
from geo.ui.data import filtered_layers, get_map_basemap, map_layers
from geo.ui.uploaded import uploaded_map_groups

MAP_KEY = "crossings-map"
MAP_HEIGHT = 600
# Constant CSS: what is above the map on the map page takes about 260 px of the window.
MAP_CONTAINER = "main-map"
MAP_FRAME_CSS = (
    '<style>.st-key-main-map iframe[title="streamlit_folium.st_folium"]'
    f"{{height:clamp(420px,calc(100vh - 270px),{MAP_HEIGHT}px)}}</style>"
)


def render_map(dataset: Dataset, spec: FilterSpec, height: int = MAP_HEIGHT) -> None:
    # Cached per (dataset version, filter spec): a rerun that changes no filter serialises nothing,
    # and streamlit sends the unchanged map element as a reference to the copy the browser has.
    layers = map_layers(dataset, spec)
    center, zoom = layers.view
    focus = state.take_focus()
    if focus:
        center, zoom = focus_view(dataset, focus, (center, zoom))
    point = state.take_focus_point()
    if point:
        center, zoom = (point[0], point[1]), point[2]
    # Built fresh every rerun (st_folium mutates the map it is given) from constants only.
    base = build_base_map(get_map_basemap(dataset.version), language())
    # On a short screen (1280×720) the frame, and the map in it (map.js fillFrame), end above the fold.
    st.html(MAP_FRAME_CSS)
    with st.container(key=MAP_CONTAINER):  # map.js fits the frame in it to the window's height
        result = st_folium(
            base,
            key=MAP_KEY,
            height=height,
            use_container_width=True,
            feature_group_to_add=build_feature_groups(layers.payloads, layers.counts, layers.modes)
            + uploaded_map_groups(spec)
            + selection_groups(selected_geometry(filtered_layers(dataset, spec), state.selected_feature())),
            layer_control=LayerControl(collapsed=True, position="topright"),
            center=center,
            zoom=zoom,
            returned_objects=["last_object_clicked_tooltip"],
        )
    if layers.aggregated():
        st.caption(
            _(
                "{count} features in view: more than {limit} points are drawn as counts per {cell}° grid cell, "
                "not one by one. Narrow the dates, kinds or crossings to see each one.",
                count=format_number(layers.aggregated()),
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


def focus_view(dataset: Dataset, fid: str, fallback: tuple) -> tuple:
    found = find_feature(dataset, fid)
    if found is None or found[1].get("geometry") is None:
        return fallback
    centroid = found[1]["geometry"].centroid
    return (round(centroid.y, 4), round(centroid.x, 4)), 9
