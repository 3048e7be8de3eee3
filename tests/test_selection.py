"""The selection ring: the feature open in the details panel is marked on the map, only when drawn."""

from __future__ import annotations

import folium
import pytest

from geo.filters import FilterSpec, apply_filters
from geo.io import load_dataset
from geo.mapview import SELECTION_GROUP_TITLE, selection_groups
from geo.payload import geometry_json, selected_geometry


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_a_selected_point_gives_its_drawn_geometry(dataset):
    geometry = selected_geometry(dataset.layers, "x-tumen-namyang")
    crossings = dataset.layers["crossings"]
    expected = geometry_json(crossings[crossings["id"] == "x-tumen-namyang"].geometry.iloc[0])
    assert geometry == expected and geometry["type"] == "Point"


def test_a_selected_leg_gives_its_line(dataset):
    routes = dataset.layers["routes"]
    fid = routes["id"].iloc[0]
    geometry = selected_geometry(dataset.layers, fid)
    assert geometry["type"] == "LineString"
    assert geometry == geometry_json(routes.geometry.iloc[0])


def test_no_ring_without_a_selection_or_for_a_feature_out_of_view(dataset):
    assert selected_geometry(dataset.layers, None) is None
    assert selected_geometry(dataset.layers, "no-such-feature") is None
    only_tumen = apply_filters(dataset.layers, FilterSpec(crossings=("x-tumen-namyang",)))
    assert selected_geometry(only_tumen, "x-dandong-sinuiju") is None
    assert selected_geometry(only_tumen, "x-tumen-namyang") is not None
    assert selection_groups(None) == []


def test_the_ring_is_its_own_layer_and_leaves_the_base_map_alone(dataset):
    (group,) = selection_groups(selected_geometry(dataset.layers, "x-tumen-namyang"))
    assert isinstance(group, folium.FeatureGroup) and group.layer_name == SELECTION_GROUP_TITLE
    fmap = folium.Map()
    group.add_to(fmap)
    html = fmap.get_root().render()
    assert f"CrossingsMap.highlight({group.get_name()}, " in html
    assert '"type":"Point"' in html
