"""A researcher's uploaded layer, kept in this browser session only (st.session_state, never data/).

The hook the map and the details panel read:

- st.session_state["uploaded_layer"]: a GeoDataFrame in EPSG:4326 with the columns of
  geo.upload.UPLOAD_COLUMNS (id, name_en, name_ko, name_zh, kind, date_start, date_end,
  date_precision, location_precision, uncertainty_m, confidence, count_low/count_high as Int64,
  count_source_ids and source_ids as lists of str, notes, upload_where), span_start/span_end
  (datetime64, as geo.io.add_date_spans makes them) and Point or LineString geometries.
- st.session_state["uploaded_sources"]: the sources generated from the upload's `source` column
  (the columns of data/sources.csv, ids U1, U2, …).
- st.session_state["uploaded_label"]: the file name, for captions only (never put into HTML).
"""

from __future__ import annotations

from dataclasses import astuple

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.details import FeatureDetails
from geo.filters import FilterSpec
from geo.i18n import N_, _
from geo.io import Dataset
from geo.mapview import FeatureGroup, JsonLayer
from geo.payload import serialise_group
from geo.upload import ImportResult, combined_sources, filter_uploaded, uploaded_feature_details
from geo.upload_read import UPLOAD_LAYER
from geo.vocab import KIND_LABELS

LAYER = "uploaded_layer"
SOURCES = "uploaded_sources"
LABEL = "uploaded_label"
_MAP_CACHE = "_uploaded_map_cache"
MAP_GROUP_TITLE = N_("Your upload, this session only")  # a constant: Leaflet's layer control renders it as HTML


def set_layer(result: ImportResult, label: str) -> None:
    st.session_state[LAYER] = result.layer
    st.session_state[SOURCES] = result.sources
    st.session_state[LABEL] = label
    st.session_state.pop(_MAP_CACHE, None)


def clear_layer() -> None:
    for key in (LAYER, SOURCES, LABEL, _MAP_CACHE):
        st.session_state.pop(key, None)


def current_layer() -> gpd.GeoDataFrame | None:
    layer = st.session_state.get(LAYER)
    return layer if isinstance(layer, gpd.GeoDataFrame) else None


def current_label() -> str:
    return str(st.session_state.get(LABEL) or _("your file"))


def uploaded_map_groups(spec: FilterSpec) -> list[FeatureGroup]:
    """The extra map layer (empty list without an upload), filtered like the bundled layers."""
    layer = current_layer()
    if layer is None or not len(layer):
        return []
    key = (id(layer), astuple(spec))
    cached = st.session_state.get(_MAP_CACHE)
    if not cached or cached[0] != key:
        # Rich icons up to ICON_LIMIT points, canvas points above it: the same choice as the bundled layers.
        payload, count, _mode = serialise_group(UPLOAD_LAYER, UPLOAD_LAYER, filter_uploaded(layer, spec))
        cached = (key, payload, count)
        st.session_state[_MAP_CACHE] = cached
    group = FeatureGroup(name=_("{title} ({count})", title=_(MAP_GROUP_TITLE), count=cached[2]), show=True)
    JsonLayer(UPLOAD_LAYER, cached[1]).add_to(group)
    return [group]


def uploaded_details(dataset: Dataset, fid: str) -> FeatureDetails | None:
    layer = current_layer()
    if layer is None:
        return None
    generated = st.session_state.get(SOURCES)
    sources = combined_sources(dataset.sources, generated if isinstance(generated, pd.DataFrame) else pd.DataFrame())
    return uploaded_feature_details(layer, sources, fid, KIND_LABELS)
