"""Each folium macro is rendered once (geo.mapview patches branca): the same HTML, no template second pass."""

from __future__ import annotations

import itertools

import folium
import pytest
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.io import load_dataset
from geo.mapview import (
    BRANCA_MACRO_RENDER,
    branca_own_render,
    build_base_map,
    build_feature_groups,
    selected_geometry,
    selection_groups,
    serialise_map,
)
from geo.ui.data import get_basemap_json


def build_full_map() -> folium.Map:
    dataset = load_dataset()
    layers = serialise_map(dataset.layers)
    fmap = build_base_map(get_basemap_json(dataset.version))
    groups = build_feature_groups(layers.payloads, layers.counts, layers.modes)
    groups += selection_groups(selected_geometry(dataset.layers, "x-tumen-namyang"))
    for group in groups:
        group.add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def _rendered_by_branca(fmap: folium.Map) -> str:
    with branca_own_render():
        return fmap.get_root().render()


@pytest.fixture
def counted_ids(monkeypatch):
    """Element ids from a counter, so that two builds of the same map render the same text."""

    def start() -> None:
        counter = itertools.count()
        monkeypatch.setattr(Element, "_generate_id", classmethod(lambda cls: f"{next(counter):032x}"))

    return start


def test_the_map_html_is_what_branca_renders(counted_ids):
    assert MacroElement.render is not BRANCA_MACRO_RENDER  # the patch is in place
    counted_ids()
    once = build_full_map().get_root().render()
    counted_ids()
    assert once == _rendered_by_branca(build_full_map())
    assert "CrossingsMap.basemap(" in once and "CrossingsMap.draw(" in once and "CrossingsMap.highlight(" in once


class RawScript(MacroElement):
    """A macro whose output contains template syntax (as data could, unescaped)."""

    _template = Template("{% macro script(this, kwargs) %}var shown = '{{ this.text }}';{% endmacro %}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def test_a_macro_output_is_not_rendered_a_second_time():
    fmap = folium.Map(tiles=None)
    RawScript("{{ 7 * 7 }}").add_to(fmap)
    html = fmap.get_root().render()
    assert "var shown = '{{ 7 * 7 }}';" in html
    assert "'49'" in _rendered_by_branca(fmap)  # what branca's second pass made of it
