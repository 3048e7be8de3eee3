"""The map page on a synthetic dataset: what the benchmark reruns (AppTest) and paints (Chromium).

bench/app.py runs main(); the benchmark imports this module too, so both share one
st.cache_resource of each synthetic dataset.

It is views/map.py with two differences: the dataset is `bench.synthetic.synthetic_dataset(n)`
(query parameter `n`; 0 = the empty map, -1 = the bundled data) instead of `get_dataset()`, and the
filter spec comes from a step counter instead of the sidebar widgets, so that every "Next filter"
is a new spec (a cache miss) that changes the data a little and keeps nearly every event in view:
date_from 1990-01-01 + 30 days per step (the synthetic events start on 1990-01-01), date_to 2030-01-01.
A toggle reruns the page without changing the data. Query parameter `mode=geojson` draws the
events with `folium.GeoJson(gdf)` through st_folium instead of the project's pipeline: the
reference path of the benchmark. Query parameter `strip=1` also draws the timeline strip that
views/map.py shows under the map (another component; measured apart).
"""

from __future__ import annotations

import contextlib
from dataclasses import astuple
from datetime import date, timedelta

import folium
import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError
from streamlit_folium import st_folium

from bench.synthetic import synthetic_dataset
from geo.filters import FilterSpec
from geo.io import Dataset
from geo.mapview import build_base_map
from geo.ui.data import filter_sentence, filtered_layers, get_dataset, get_map_basemap
from geo.ui.details_panel import render_details_panel
from geo.ui.mapwidget import MAP_HEIGHT, MAP_KEY, render_map
from geo.ui.timeline_strip import render_timeline_strip

STEP = "bench_step"
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2030, 1, 1)


@st.cache_resource(show_spinner=False, max_entries=6)
def bench_dataset(n: int) -> Dataset:
    return get_dataset() if n < 0 else synthetic_dataset(n, base=get_dataset())


def spec_for(step: int) -> FilterSpec:
    return FilterSpec(date_from=FIRST_DAY + timedelta(days=30 * step), date_to=LAST_DAY)


def _next_filter() -> None:
    st.session_state[STEP] = st.session_state.get(STEP, 0) + 1


def render_geojson_map(dataset: Dataset, spec: FilterSpec) -> None:
    """The reference: the filtered events as one folium.GeoJson(gdf), through st_folium."""
    events = filtered_layers(dataset, spec)["events"]
    events = events[events.geometry.notna()].copy()
    for column in ("span_start", "span_end"):
        events[column] = events[column].dt.strftime("%Y-%m-%d")  # folium.GeoJson cannot serialise timestamps
    group = folium.FeatureGroup(name="Events (GeoJson)")
    folium.GeoJson(events).add_to(group)
    st_folium(
        build_base_map(get_map_basemap(dataset.version)),
        key=MAP_KEY,
        height=MAP_HEIGHT,
        use_container_width=True,
        feature_group_to_add=[group],
        returned_objects=["last_object_clicked_tooltip"],
    )


def main() -> None:
    n = int(st.query_params.get("n", "-1"))
    mode = st.query_params.get("mode", "pipeline")
    dataset = bench_dataset(n)
    spec = spec_for(int(st.session_state.get(STEP, 0)))
    controls = st.columns(3)
    controls[0].button("Next filter", on_click=_next_filter, key="bench-next")
    controls[1].toggle("Rerun without a data change", key="bench_noop")
    controls[2].caption(f"bench: n={n}, mode={mode}, spec={astuple(spec)[:2]}")
    st.markdown("### Forced repatriation of North Koreans from China")
    st.markdown(f"**{filter_sentence(dataset, spec)}**")
    map_column, details_column = st.columns([0.72, 0.28], gap="medium")
    with map_column:
        if mode == "geojson":
            render_geojson_map(dataset, spec)
        else:
            render_map(dataset, spec)
    with details_column, st.container(key="details-panel"):
        render_details_panel(dataset)
    if st.query_params.get("strip") == "1":
        # views/map.py draws it under the map; its last element, a link to the Timeline page, needs
        # app.py's navigation, which this page does not have.
        with contextlib.suppress(StreamlitPageNotFoundError):
            render_timeline_strip(dataset, spec)
