"""The project's map elements render each macro once (geo.render_once): the same HTML as branca's own render,
no template second pass, and branca itself untouched for everyone else."""

from __future__ import annotations

import itertools
import subprocess
import sys

import folium
import pytest
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.io import load_dataset
from geo.mapview import LayerControl, Map, build_base_map, build_feature_groups, selection_groups
from geo.payload import selected_geometry, serialise_map
from geo.render_once import BRANCA_MACRO_RENDER, RenderOnce, branca_own_render
from geo.ui.data import get_basemap_json


def build_full_map() -> folium.Map:
    dataset = load_dataset()
    layers = serialise_map(dataset.layers)
    fmap = build_base_map(get_basemap_json(dataset.version))
    groups = build_feature_groups(layers.payloads, layers.counts, layers.modes)
    groups += selection_groups(selected_geometry(dataset.layers, "x-tumen-namyang"))
    for group in groups:
        group.add_to(fmap)
    LayerControl().add_to(fmap)
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
    assert Map.render is not BRANCA_MACRO_RENDER and RenderOnce.render is not BRANCA_MACRO_RENDER
    counted_ids()
    once = build_full_map().get_root().render()
    counted_ids()
    assert once == _rendered_by_branca(build_full_map())
    assert "CrossingsMap.basemap(" in once and "CrossingsMap.draw(" in once and "CrossingsMap.highlight(" in once


class RawScript(RenderOnce):
    """A macro of the project's whose output contains template syntax (as data could, unescaped)."""

    _template = Template("{% macro script(this, kwargs) %}var shown = '{{ this.text }}';{% endmacro %}")

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class PlainScript(MacroElement):
    """The same macro as folium's own elements are made: branca's render, with its second pass."""

    _template = RawScript._template

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


def test_a_macro_output_is_not_rendered_a_second_time():
    fmap = Map(tiles=None)
    RawScript("{{ 7 * 7 }}").add_to(fmap)
    html = fmap.get_root().render()
    assert "var shown = '{{ 7 * 7 }}';" in html
    assert "'49'" in _rendered_by_branca(fmap)  # what branca's second pass made of it


def test_branca_is_left_as_it_ships():
    """Importing every module of the app changes no class of branca's or folium's: a map someone else
    builds with folium in the same process renders as folium ships it."""
    code = (
        "import branca.element, folium\n"
        "own = branca.element.MacroElement.render\n"
        "import geo.mapview, geo.presenter, geo.timeline, geo.replay, geo.briefing, geo.figure, geo.ui.mapwidget\n"
        "import geo.ui.locator, geo.ui.presenter, geo.ui.uploaded\n"
        "assert branca.element.MacroElement.render is own\n"
        "assert 'render' not in vars(folium.Map) and folium.Map.render is folium.elements.JSCSSMixin.render\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
    assert MacroElement.render is BRANCA_MACRO_RENDER  # and in this process, after the imports above


def test_a_plain_folium_map_still_renders_twice():
    """Only the project's classes take the single pass: folium's own elements keep branca's behaviour."""
    plain = folium.Map(tiles=None)
    PlainScript("{{ 7 * 7 }}").add_to(plain)
    assert "'49'" in plain.get_root().render()
