"""The folium map: a base map built from constants only, and data layers as compact JSON.

The base map's JavaScript never depends on the data or the filters, so streamlit-folium never
remounts it; filtered data reaches the browser through `feature_group_to_add` as one JSON
document per layer, drawn by static/crossings/map.js.

The only module that imports folium: the payloads themselves are built by geo.payload (pure), the
basemap document by geo.basemap.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import folium
import xyzservices
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from geo.basemap import BASEMAP_ATTRIBUTION
from geo.i18n import N_, _, js_messages, language, use_language
from geo.payload import STATIC, map_words, to_script_json
from geo.render_once import RenderOnce
from geo.vocab import DATA_GROUPS, HIDDEN_BY_DEFAULT, MAP_CENTER, MAP_MAX_BOUNDS, MAP_ZOOM, MAX_ZOOM, MIN_ZOOM

MAP_JS = [
    ("leaflet", f"{STATIC}/vendor/leaflet/leaflet.js"),
    ("crossings_map", f"{STATIC}/crossings/map.js"),
]
MAP_CSS = [
    ("leaflet_css", f"{STATIC}/vendor/leaflet/leaflet.css"),
    ("crossings_map_css", f"{STATIC}/crossings/map.css"),
]


# ---------------------------------------------------------------- folium elements, each rendered once
# The folium classes the app draws with, with RenderOnce before MacroElement (geo/render_once.py).
class Map(folium.Map, RenderOnce):
    pass


class TileLayer(folium.TileLayer, RenderOnce):
    pass


# The groups and the layer control travel with every filter change: folium's templates without their
# indentation (the same code).
class FeatureGroup(folium.FeatureGroup, RenderOnce):
    _template = FoliumTemplate(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.featureGroup({{ this.options|tojavascript }});"
        "{% endmacro %}"
    )


class LayerControl(folium.LayerControl, RenderOnce):
    _template = FoliumTemplate(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }}_layers = {base_layers: { "
        "{%- for key, val in this.base_layers.items() %}{{ key|tojson }}: {{ val }},{%- endfor %}"
        "}, overlays: { "
        "{%- for key, val in this.overlays.items() %}{{ key|tojson }}: {{ val }},{%- endfor %}"
        "}};\n"
        "let {{ this.get_name() }} = L.control.layers({{ this.get_name() }}_layers.base_layers, "
        "{{ this.get_name() }}_layers.overlays, {{ this.options|tojavascript }}).addTo({{ this._parent.get_name() }});"
        "{%- if this.draggable %}new L.Draggable({{ this.get_name() }}.getContainer()).enable();{%- endif %}"
        "{% endmacro %}"
    )


class ScriptCall(RenderOnce):
    """`function(<the parent layer or map>, argument, ...)` in the map's script: how Python hands its data
    to static/crossings/*.js. Each argument is JSON text already made safe for a script (to_script_json)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this.function }}({{ this._parent.get_name() }}"
        "{% for argument in this.arguments %}, {{ argument }}{% endfor %});"
        "{% endmacro %}"
    )

    def __init__(self, name: str, function: str, *arguments: str) -> None:
        super().__init__()
        self._name = name
        self.function = function
        self.arguments = arguments


def JsonLayer(layer: str, data_json: str) -> ScriptCall:
    """Draws one pre-serialised FeatureCollection into its parent FeatureGroup."""
    return ScriptCall("JsonLayer", "CrossingsMap.draw", json.dumps(layer), data_json)


def SelectionRing(geometry: dict) -> ScriptCall:
    """Marks the feature open in the details panel (a ring round a point, a halo along a leg)."""
    return ScriptCall("SelectionRing", "CrossingsMap.highlight", to_script_json(geometry))


SELECTION_GROUP_TITLE = N_("Selected feature (ring)")
OFFLINE_BASEMAP_TITLE = N_("Offline basemap (no network needed)")


def selection_groups(geometry: dict | None) -> list[FeatureGroup]:
    """A layer with the selection ring, or none: added after the data so it lies on top."""
    if not geometry:
        return []
    group = FeatureGroup(name=_(SELECTION_GROUP_TITLE), show=True)
    SelectionRing(geometry).add_to(group)
    return [group]


class OfflineBasemap(folium.map.Layer, RenderOnce):
    """The project's own vector basemap, as the default base layer."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = CrossingsMap.basemap({{ this.data_json }}, {{ this.attribution_json }});"
        "{% endmacro %}"
    )

    def __init__(self, data_json: str, name: str = OFFLINE_BASEMAP_TITLE) -> None:
        super().__init__(name=name, overlay=False, control=True, show=True)
        self._name = "OfflineBasemap"
        self.data_json = data_json
        self.attribution_json = json.dumps(BASEMAP_ATTRIBUTION)


def Legend() -> ScriptCall:
    """The map's legend (static/crossings/map.js draws it)."""
    return ScriptCall("Legend", "CrossingsMap.legend")


ONLINE_TILES: tuple[dict[str, str], ...] = (
    {
        "name": N_("OpenStreetMap (online)"),
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "&copy; OpenStreetMap contributors (ODbL)",
    },
    {
        "name": N_("Light, CARTO (online)"),
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": "&copy; OpenStreetMap contributors &copy; CARTO",
    },
    {
        "name": N_("Dark, CARTO (online)"),
        "tiles": "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
        "attr": "&copy; OpenStreetMap contributors &copy; CARTO",
    },
    {
        "name": N_("Satellite, Esri (online)"),
        "tiles": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "attr": "Imagery &copy; Esri, Maxar, Earthstar Geographics, and the GIS User Community",
    },
)


def Settings(lang: str) -> ScriptCall:
    """The map code's constant settings: its language and its words in it (geo.i18n.js_messages)."""
    with use_language(lang):
        words = map_words()
    settings = {"lang": lang, "messages": js_messages(lang), "words": words}
    return ScriptCall("Settings", "CrossingsMap.settings", to_script_json(settings))


def _constant_map() -> Map:
    """A map with the project's fixed view limits and its own Leaflet and renderer (no CDN)."""
    fmap = Map(
        location=MAP_CENTER,
        zoom_start=MAP_ZOOM,
        tiles=None,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
        max_bounds=True,
        min_lat=MAP_MAX_BOUNDS[0][0],
        min_lon=MAP_MAX_BOUNDS[0][1],
        max_lat=MAP_MAX_BOUNDS[1][0],
        max_lon=MAP_MAX_BOUNDS[1][1],
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    # folium hands min_zoom/max_zoom to its tile layer only; with tiles=None the map must get them itself.
    fmap.options.update(minZoom=MIN_ZOOM, maxZoom=MAX_ZOOM)
    fmap.default_js = list(MAP_JS)
    fmap.default_css = list(MAP_CSS)
    return fmap


def build_base_map(basemap_json: str, lang: str = "en") -> Map:
    """The map that never changes for a language: settings, basemap, online tile options (off by default),
    legend, scale."""
    fmap = _constant_map()
    Settings(lang).add_to(fmap)  # first: the code below draws words
    with use_language(lang):
        OfflineBasemap(basemap_json, name=_(OFFLINE_BASEMAP_TITLE)).add_to(fmap)
    for tile in ONLINE_TILES:
        # A TileProvider, not the URL string: given a string, folium first searches every
        # xyzservices provider by name (about 10 ms a layer, on every rerun).
        with use_language(lang):
            name = _(tile["name"])
        provider = xyzservices.TileProvider(name=name, url=tile["tiles"], attribution=tile["attr"])
        TileLayer(tiles=provider, attr=tile["attr"], name=name, overlay=False, control=True, show=False).add_to(fmap)
    Legend().add_to(fmap)
    return fmap


# ---------------------------------------------------------------- the constant code, served as a file
# streamlit-folium sends the map's whole script with every rerun (one component message holds the script
# and the data groups), about 9 KB of constant code. `thin_map` keeps the map's elements (the layer control
# names them) but empties their scripts: the map's script becomes one line that runs the constant code
# from a static file (content-addressed, so cached by the browser and never stale), and a filter change
# sends only the groups and the layer control.
_EMPTY = Template("{% macro script(this, kwargs) %}{% endmacro %}")
# No header either: map.css styles the map's element (the header's <style>s and switches are constants).
_THIN_MAP = Template(
    "{% macro html(this, kwargs) %}"
    '<div class="folium-map" id={{ this.get_name()|tojson }} ></div>'
    "{% endmacro %}"
    "{% macro script(this, kwargs) %}"
    "eval(window.CrossingsBase[{{ this.base_key|tojson }}]);"
    "{% endmacro %}"
)


def base_file_text(key: str, script: str) -> str:
    """The static file that holds a base map's script, as a string the thin map's script evaluates (in
    the page's global scope, so its variables are the ones the groups and the layer control refer to)."""
    return (
        "window.CrossingsBase = window.CrossingsBase || {};\n"
        f"window.CrossingsBase[{json.dumps(key)}] = {to_script_json(script)};\n"
    )


def thin_map(fmap: Map, key: str, url: str) -> Map:
    """`fmap` whose script only evaluates the code of the static file at `url` (base_file_text(key, …))."""
    for child in fmap._children.values():
        child._template = _EMPTY
    fmap._template = _THIN_MAP
    fmap.base_key = key
    fmap.default_js = [*fmap.default_js, ("crossings_base", url)]
    return fmap


class Circle(folium.Circle, RenderOnce):
    pass


class CircleMarker(folium.CircleMarker, RenderOnce):
    pass


class Tooltip(folium.Tooltip, RenderOnce):
    pass


def build_edit_map(basemap_json: str) -> Map:
    """The edit form's small map: the offline basemap and a scale, nothing else; constant, like the main map."""
    fmap = _constant_map()
    Settings(language()).add_to(fmap)
    OfflineBasemap(basemap_json, name=_(OFFLINE_BASEMAP_TITLE)).add_to(fmap)
    return fmap


@dataclass(frozen=True)
class Position:
    """A point on the edit map: where it is drawn, and the radius of its uncertainty circle (metres)."""

    lat: float
    lon: float
    radius_m: float | None


# What the edit map draws: the record as it is now (grey, dashed) and the proposed position (blue).
NOW_COLOR, PROPOSED_COLOR = "#555555", "#0072B2"
EDIT_GROUP_TITLE = N_("Position")
# A mark's tooltip, one whole sentence each (with and without an uncertainty circle).
EDIT_MARK_WORDS = {
    "now": (N_("Now: {lat}, {lon}"), N_("Now: {lat}, {lon} (uncertainty {radius} m)")),
    "proposed": (N_("Proposed: {lat}, {lon}"), N_("Proposed: {lat}, {lon} (uncertainty {radius} m)")),
}


def position_groups(now: Position | None, proposed: Position | None) -> list[FeatureGroup]:
    """One layer with the current position and the proposed one (when it differs), each with its
    uncertainty circle. Tooltips are constant words (coordinates are numbers, formatted here)."""
    group = FeatureGroup(name=_(EDIT_GROUP_TITLE), show=True)
    marks = [(now, NOW_COLOR, "now", "5 5")]
    if proposed is not None and proposed != now:
        marks.append((proposed, PROPOSED_COLOR, "proposed", None))
    for position, color, which, dash in marks:
        if position is None:
            continue
        at = (position.lat, position.lon)
        plain, with_radius = EDIT_MARK_WORDS[which]
        lat, lon = f"{position.lat:.5f}", f"{position.lon:.5f}"
        words = _(plain, lat=lat, lon=lon)
        if position.radius_m:
            words = _(with_radius, lat=lat, lon=lon, radius=f"{position.radius_m:,.0f}")
            circle = Circle(at, radius=position.radius_m, color=color, weight=2, dash_array=dash, fill_opacity=0.08)
            circle.options["interactive"] = False  # a click inside the circle places the point, as anywhere
            circle.add_to(group)
        marker = CircleMarker(at, radius=7, color="#ffffff", weight=2, fill=True, fill_color=color, fill_opacity=1)
        Tooltip(html.escape(words)).add_to(marker)
        marker.add_to(group)
    return [group]


def edit_map_zoom(location_precision: object) -> int:
    """The edit map's zoom for a point of this precision class: close enough to place it at that precision."""
    return EDIT_MAP_ZOOM.get(str(location_precision), MAP_ZOOM + 2)


EDIT_MAP_ZOOM = {"exact": 12, "bridge_or_port": 12, "town": 10, "city": 9, "region": 7}


def group_title(title: str, count: int, mode: str | None) -> str:
    """A data group's name in the layer control: its title and the features it draws."""
    if mode == "grid":
        return _("{title} ({count}, counts per cell)", title=_(title), count=count)
    return _("{title} ({count})", title=_(title), count=count)


def build_feature_groups(
    groups: Mapping[str, str], counts: Mapping[str, int], modes: Mapping[str, str] | None = None
) -> list[FeatureGroup]:
    """One FeatureGroup per data group, each carrying its JSON; titles show the counts."""
    feature_groups = []
    for group_id, layer, title in DATA_GROUPS:
        name = group_title(title, counts.get(group_id, 0), (modes or {}).get(group_id))
        shown = group_id not in HIDDEN_BY_DEFAULT
        group = FeatureGroup(name=name, show=shown)
        JsonLayer(layer, groups[group_id]).add_to(group)
        if not group.show:
            ScriptCall("HiddenByDefault", "CrossingsMap.hideUntilAsked").add_to(group)
        feature_groups.append(group)
    return feature_groups


def build_client_groups(
    counts: Mapping[str, int], data_url: Mapping[str, str], spec_json: str, modes: Mapping[str, str] | None = None
) -> list[FeatureGroup]:
    """The data groups when the browser holds the data (geo.clientdata): the first group names the
    document and the filter, each group then draws its own part of the selection. Only the filter and
    the counts change between filter changes: a few hundred bytes, not the features. `modes`
    (geo.clientdata.view_modes) says which groups map.js draws as counts per grid cell."""
    feature_groups = []
    for index, (group_id, _layer, title) in enumerate(DATA_GROUPS):
        shown = group_id not in HIDDEN_BY_DEFAULT
        name = group_title(title, counts.get(group_id, 0), (modes or {}).get(group_id))
        group = FeatureGroup(name=name, show=shown)
        if index == 0:
            source = to_script_json(dict(data_url))  # the document's URL, and its binary columns' ("binary")
            ScriptCall("ClientData", "CrossingsMap.useData", source, spec_json).add_to(group)
        ScriptCall("ClientLayer", "CrossingsMap.drawSelection", json.dumps(group_id)).add_to(group)
        if not group.show:
            ScriptCall("HiddenByDefault", "CrossingsMap.hideUntilAsked").add_to(group)
        feature_groups.append(group)
    return feature_groups


_CLICKED_ID = re.compile(r"\u27e6([^\u27e7]{1,200})\u27e7")


def clicked_feature_id(tooltip_text: object) -> str | None:
    """The feature id hidden in the clicked layer's tooltip text, if any."""
    if not isinstance(tooltip_text, str):
        return None
    match = _CLICKED_ID.search(tooltip_text)
    return match.group(1) if match else None
