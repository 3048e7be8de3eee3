"""Data never becomes code on the server either: folium/branca compile rendered map code as jinja
templates, so a "{{ … }}" or "{% … %}" from data must stay text (no server-side template injection,
no crashed map), and the Markdown escapes keep names readable while stripping their power."""

from __future__ import annotations

import json
import os

import folium
from streamlit_folium import generate_leaflet_string

from geo.mapview import JsonLayer, build_base_map
from geo.payload import to_script_json
from geo.text import escape_markdown_inline

SSTI = "Town {{ cycler.__init__.__globals__.os.getpid() }} {{7*7}} {# c #}"
BROKEN = "Name {% if %} {{"


def test_script_json_is_the_same_json_without_jinja_openers():
    document = {"name": SSTI, "other": BROKEN, "nested": [{"a": {}}, "{{{", "<b>&"]}
    text = to_script_json(document)
    assert json.loads(text) == document
    for opener in ("{{", "{%", "{#", "<", ">", "&"):
        assert opener not in text


def test_a_template_expression_in_basemap_data_is_not_run_on_the_server():
    towns = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name_en": SSTI}}]}
    html = build_base_map(to_script_json({"towns": towns})).get_root().render()  # what st_folium does
    assert f"Town {os.getpid()}" not in html and " 49 " not in html  # what running it would have written
    assert "\\u007b{ cycler.__init__.__globals__.os.getpid() }}" in html


def test_a_broken_template_in_layer_data_does_not_crash_the_map():
    fmap = folium.Map()
    group = folium.FeatureGroup(name="layer")
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name_en": BROKEN}}]}
    JsonLayer("crossings", to_script_json(collection)).add_to(group)
    group.add_to(fmap)
    group.render()  # streamlit-folium renders each feature group like this
    assert "Name \\u007b% if %} \\u007b{" in generate_leaflet_string(group, base_id="feature_group_0")


def test_inline_markdown_escape_keeps_ordinary_names_and_disarms_the_rest():
    assert escape_markdown_inline("Tumen–Namyang (Onsong County)") == "Tumen–Namyang (Onsong County)"
    assert escape_markdown_inline("[x](javascript:alert(1))") == "\\[x\\](javascript\\:alert(1))"
    assert escape_markdown_inline("![p](http://e/p.png)") == "\\!\\[p\\](http\\://e/p\\.png)"
    assert escape_markdown_inline("<b>a</b> `c` $x$ :red[r] *e* _u_ ~s~ |t| &amp;") == (
        "\\<b\\>a\\</b\\> \\`c\\` \\$x\\$ \\:red\\[r\\] \\*e\\* \\_u\\_ \\~s\\~ \\|t\\| \\&amp;"
    )
    assert escape_markdown_inline("two\nlines") == "two lines"
