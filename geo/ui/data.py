"""Cached access to the dataset, its filtered views and the serialised map layers.

The dataset is loaded once per process (st.cache_resource: shared, never mutated). Filtered
views are keyed on the dataset version and the plain values of the filter spec, because a
GeoDataFrame cannot be a cache argument.
"""

from __future__ import annotations

import json
from dataclasses import astuple

import streamlit as st

from geo.basemap import load_basemap
from geo.filters import FilterSpec, apply_filters, count_features, describe
from geo.io import DATA_DIR, Dataset, load_dataset
from geo.mapview import KIND_LABELS, serialise_groups, to_script_json
from geo.schema import REGION_BBOX


@st.cache_resource(show_spinner="Loading the dataset…")
def get_dataset() -> Dataset:
    return load_dataset(DATA_DIR)


@st.cache_resource(show_spinner="Loading the offline basemap…")
def get_basemap_json(version: str) -> str:
    layers = load_basemap(DATA_DIR / "basemap")
    document: dict[str, object] = {
        name: json.loads(gdf.to_json(na="null", drop_id=True)) for name, gdf in layers.items()
    }
    document["region"] = list(REGION_BBOX)
    return to_script_json(document)


def crossing_names(dataset: Dataset) -> dict[str, str]:
    crossings = dataset.layers["crossings"]
    return dict(zip(crossings["id"], crossings["name_en"], strict=True))


def filtered_layers(dataset: Dataset, spec: FilterSpec):
    return _filtered(dataset.version, astuple(spec))


@st.cache_data(show_spinner=False, max_entries=256)
def _filtered(version: str, spec_values: tuple):
    spec = FilterSpec(*spec_values)
    return apply_filters(get_dataset().layers, spec)


def filter_sentence(dataset: Dataset, spec: FilterSpec) -> str:
    shown = count_features(filtered_layers(dataset, spec))
    return describe(spec, shown, dataset.total_features(), crossing_names(dataset), KIND_LABELS)


@st.cache_data(show_spinner=False, max_entries=256)
def map_groups(version: str, spec_values: tuple) -> tuple[dict[str, str], dict[str, int]]:
    layers = _filtered(version, spec_values)
    return serialise_groups(layers)
