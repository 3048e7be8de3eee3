"""A small locator map of one crossing: the same offline base map and drawing code as the main map,
with only the crossing, its legs, their ends and the located events there. It reports nothing
back (returned_objects=[]), so panning it never reruns the page."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import language, use_language
from geo.io import Dataset
from geo.mapview import LayerControl, build_base_map, build_feature_groups
from geo.payload import serialise_groups, view_for
from geo.profile import locator_layers
from geo.ui.data import get_dataset, get_map_basemap

LOCATOR_KEY = "crossing-locator-map"
LOCATOR_MAX_ZOOM = 8  # a locator shows the region around the crossing, not the bridge


@st.cache_data(show_spinner=False, max_entries=32)
def locator_groups(version: str, crossing_id: str, lang: str) -> tuple[dict[str, str], dict[str, int], tuple]:
    layers = locator_layers(get_dataset(), crossing_id)
    with use_language(lang):  # the payload carries words (labels, tooltips)
        payloads, counts = serialise_groups(layers)
    return payloads, counts, view_for(layers, width_px=520, height_px=340)


def render_locator(dataset: Dataset, crossing_id: str, height: int = 340) -> None:
    payloads, counts, (center, zoom) = locator_groups(dataset.version, crossing_id, language())
    st_folium(
        build_base_map(get_map_basemap(dataset.version), language()),
        key=LOCATOR_KEY,
        height=height,
        use_container_width=True,
        feature_group_to_add=build_feature_groups(payloads, counts),
        layer_control=LayerControl(collapsed=True, position="topright"),
        center=center,
        zoom=min(zoom, LOCATOR_MAX_ZOOM),
        returned_objects=[],
    )
