"""The folium map: a base map built from constants only, and data layers as compact JSON.

The base map's JavaScript never depends on the data or the filters, so streamlit-folium never
remounts it; filtered data reaches the browser through `feature_group_to_add` as one JSON
document per layer, drawn by static/crossings/map.js.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping

import folium
import geopandas as gpd
from branca.element import MacroElement
from jinja2 import Template

from geo.schema import DEFAULT_UNCERTAINTY_M, EVENT_KINDS, is_blank
from geo.text import confidence_label, format_count, format_dates, location_label

STATIC = "/app/static"
MAP_JS = [
    ("leaflet", f"{STATIC}/vendor/leaflet/leaflet.js"),
    ("crossings_map", f"{STATIC}/crossings/map.js"),
]
MAP_CSS = [
    ("leaflet_css", f"{STATIC}/vendor/leaflet/leaflet.css"),
    ("crossings_map_css", f"{STATIC}/crossings/map.css"),
]

MAP_CENTER = (41.7, 127.2)
MAP_ZOOM = 6
MIN_ZOOM, MAX_ZOOM = 6, 13
MAP_MAX_BOUNDS = ((37.0, 118.0), (45.5, 133.0))
COORD_DECIMALS = 5  # about 1 m

BASEMAP_ATTRIBUTION = "Natural Earth · GSHHG/WDBII (LGPL-3.0) · GeoNames (CC BY 4.0)"

KIND_LABELS: dict[str, str] = {
    "detention_centre": "Detention centre in China",
    "crossing": "Border crossing",
    "receiving_facility": "Receiving facility in North Korea",
    "route_leg": "Transport leg, 9 Oct 2023",
    "repatriation": "Forced repatriation",
    "arrest": "Arrest",
    "statement": "Statement",
    "report": "Report",
    "policy": "Border policy",
    "context": "Context",
}
assert set(EVENT_KINDS) <= set(KIND_LABELS)

# (group id, layer name, title in the layer control); later groups draw on top.
DATA_GROUPS: tuple[tuple[str, str, str], ...] = (
    ("routes", "routes", "9 Oct 2023 legs (schematic)"),
    ("events", "events", "Events with a place"),
    ("receiving_facilities", "receiving_facilities", "Receiving facilities, North Korea"),
    ("other_crossings", "crossings", "Other crossings (not linked to 9 Oct)"),
    ("detention_centres", "detention_centres", "Detention centres, China"),
    ("crossings", "crossings", "Crossings used on 9 Oct 2023"),
)


def _round(value: float) -> float:
    return round(float(value), COORD_DECIMALS)


def geometry_json(geom: object) -> dict | None:
    if geom is None or getattr(geom, "is_empty", True):
        return None
    if geom.geom_type == "Point":
        return {"type": "Point", "coordinates": [_round(geom.x), _round(geom.y)]}
    if geom.geom_type == "LineString":
        return {"type": "LineString", "coordinates": [[_round(x), _round(y)] for x, y in geom.coords]}
    raise ValueError(f"cannot draw geometry type {geom.geom_type}")


def _text(value: object) -> str:
    return "" if is_blank(value) else str(value)


def crossing_label_side(gdf: gpd.GeoDataFrame) -> dict[str, str]:
    """Put a crossing's label on the left when another labelled crossing sits just east of it."""
    used = gdf[gdf["used_2023_10_09"] == True]  # noqa: E712 (object column of booleans)
    points = [(fid, geom.x, geom.y) for fid, geom in zip(used["id"], used.geometry, strict=True)]
    sides = {}
    for fid, x, y in points:
        crowded = any(0 < ox - x < 1.0 and abs(oy - y) < 0.5 for other, ox, oy in points if other != fid)
        sides[fid] = "left" if crowded else "right"
    return sides


def feature_properties(layer: str, row: Mapping[str, object], label_side: str | None = None) -> dict:
    """Only what the map draws and its tooltip says: display strings are formatted here."""
    precision = _text(row.get("location_precision"))
    radius = row.get("uncertainty_m")
    props: dict[str, object] = {
        "id": _text(row.get("id")),
        "name_en": _text(row.get("name_en")),
        "name_ko": _text(row.get("name_ko")),
        "name_zh": _text(row.get("name_zh")),
        "kind_label": KIND_LABELS.get(_text(row.get("kind")), _text(row.get("kind"))),
        "date_label": format_dates(row.get("date_start"), row.get("date_end"), row.get("date_precision")),
        "confidence": _text(row.get("confidence")),
        "confidence_label": confidence_label(row.get("confidence")),
    }
    if layer != "routes":
        props["precision_label"] = location_label(precision, radius)
        props["area_precision"] = precision in ("town", "city", "region")
        props["radius_m"] = float(radius) if not is_blank(radius) else DEFAULT_UNCERTAINTY_M.get(precision, 0)
    if layer in ("crossings", "detention_centres", "events"):
        props["count_label"] = format_count(row.get("count_low"), row.get("count_high"))
        if layer != "crossings" and props["count_label"] == "unknown":
            props["count_label"] = ""  # only crossings promise a number; elsewhere silence is not a claim
    if layer == "crossings":
        used = row.get("used_2023_10_09") is True
        props["used"] = used
        props["label"] = re.sub(r"\s*\([^)]*\)", "", _text(row.get("name_en")))
        props["label_side"] = label_side or "right"
        if used:
            props["count_label"] = f"9 Oct: {props['count_label']}"
    if layer == "routes":
        props["evidence"] = _text(row.get("evidence"))
        props["kind_label"] = (
            "Reported leg, 9 Oct 2023 (schematic)"
            if props["evidence"] == "reported"
            else "Inferred leg, 9 Oct 2023 (schematic, not stated by any source)"
        )
    return props


def layer_collection(layer: str, gdf: gpd.GeoDataFrame) -> dict:
    """A GeoJSON FeatureCollection of the features that have a geometry."""
    sides = crossing_label_side(gdf) if layer == "crossings" and len(gdf) else {}
    features = []
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    for values, geom in zip(gdf[columns].itertuples(index=False, name=None), gdf.geometry, strict=True):
        geometry = geometry_json(geom)
        if geometry is None:
            continue
        row = dict(zip(columns, values, strict=True))
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": feature_properties(layer, row, sides.get(_text(row.get("id")))),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def to_script_json(document: object) -> str:
    """Compact JSON that is also safe inside an HTML <script> element."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def split_groups(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    crossings = layers["crossings"]
    used = crossings["used_2023_10_09"].map(lambda v: v is True) if len(crossings) else crossings["id"].astype(bool)
    return {
        "routes": layers["routes"],
        "events": layers["events"][layers["events"].geometry.notna()],
        "receiving_facilities": layers["receiving_facilities"],
        "other_crossings": crossings[~used],
        "detention_centres": layers["detention_centres"],
        "crossings": crossings[used],
    }


class JsonLayer(MacroElement):
    """Draws one pre-serialised FeatureCollection into its parent FeatureGroup."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "CrossingsMap.draw({{ this._parent.get_name() }}, {{ this.layer_json }}, {{ this.data_json }});"
        "{% endmacro %}"
    )

    def __init__(self, layer: str, data_json: str) -> None:
        super().__init__()
        self._name = "JsonLayer"
        self.layer_json = json.dumps(layer)
        self.data_json = data_json


class OfflineBasemap(folium.map.Layer):
    """The project's own vector basemap, as the default base layer."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = CrossingsMap.basemap({{ this.data_json }}, {{ this.attribution_json }});"
        "{% endmacro %}"
    )

    def __init__(self, data_json: str, name: str = "Offline basemap (no network needed)") -> None:
        super().__init__(name=name, overlay=False, control=True, show=True)
        self._name = "OfflineBasemap"
        self.data_json = data_json
        self.attribution_json = json.dumps(BASEMAP_ATTRIBUTION)


class Legend(MacroElement):
    _template = Template(
        "{% macro script(this, kwargs) %}CrossingsMap.legend({{ this._parent.get_name() }});{% endmacro %}"
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "Legend"


ONLINE_TILES: tuple[dict[str, str], ...] = (
    {
        "name": "OpenStreetMap (online)",
        "tiles": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "attr": "&copy; OpenStreetMap contributors (ODbL)",
    },
    {
        "name": "Light, CARTO (online)",
        "tiles": "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "attr": "&copy; OpenStreetMap contributors &copy; CARTO",
    },
    {
        "name": "Dark, CARTO (online)",
        "tiles": "https://{s}.basemaps.cartocdn.com/dark_all/{z}/{x}/{y}{r}.png",
        "attr": "&copy; OpenStreetMap contributors &copy; CARTO",
    },
    {
        "name": "Satellite, Esri (online)",
        "tiles": "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "attr": "Imagery &copy; Esri, Maxar, Earthstar Geographics, and the GIS User Community",
    },
)


def build_base_map(basemap_json: str) -> folium.Map:
    """The map that never changes: basemap, online tile options (off by default), legend, scale."""
    fmap = folium.Map(
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
    fmap.default_js = list(MAP_JS)
    fmap.default_css = list(MAP_CSS)
    OfflineBasemap(basemap_json).add_to(fmap)
    for tile in ONLINE_TILES:
        folium.TileLayer(
            tiles=tile["tiles"], attr=tile["attr"], name=tile["name"], overlay=False, control=True, show=False
        ).add_to(fmap)
    Legend().add_to(fmap)
    return fmap


def build_feature_groups(groups: Mapping[str, str], counts: Mapping[str, int]) -> list[folium.FeatureGroup]:
    """One FeatureGroup per data group, each carrying its JSON; titles show the counts."""
    feature_groups = []
    for group_id, layer, title in DATA_GROUPS:
        group = folium.FeatureGroup(name=f"{title} ({counts.get(group_id, 0)})", show=True)
        JsonLayer(layer, groups[group_id]).add_to(group)
        feature_groups.append(group)
    return feature_groups


def serialise_groups(layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[dict[str, str], dict[str, int]]:
    payloads, counts = {}, {}
    for group_id, frame in split_groups(layers).items():
        layer = next(layer for gid, layer, _ in DATA_GROUPS if gid == group_id)
        collection = layer_collection(layer, frame)
        payloads[group_id] = to_script_json(collection)
        counts[group_id] = len(collection["features"])
    return payloads, counts


def view_for(layers: Mapping[str, gpd.GeoDataFrame], width_px: int = 680, height_px: int = 640) -> tuple:
    """A centre (lat, lon) and zoom that frame every drawn feature, or the default view."""
    bounds = [gdf.geometry.dropna().total_bounds for gdf in layers.values() if gdf.geometry.notna().any()]
    if not bounds:
        return MAP_CENTER, MAP_ZOOM
    minx = min(b[0] for b in bounds)
    miny = min(b[1] for b in bounds)
    maxx = max(b[2] for b in bounds)
    maxy = max(b[3] for b in bounds)
    # Crossing labels sit to the east of their symbols: leave them room on that side.
    maxx = maxx + 0.12 * max(maxx - minx, 0.25)
    center = (float(miny + maxy) / 2, float(minx + maxx) / 2)
    span_x = max(maxx - minx, 0.25) * 1.25
    span_y = max(maxy - miny, 0.25) * 1.25 / math.cos(math.radians(center[0]))
    zoom_x = math.log2(width_px * 360 / (256 * span_x))
    zoom_y = math.log2(height_px * 360 / (256 * span_y))
    zoom = max(MIN_ZOOM, min(10.0, math.floor(min(zoom_x, zoom_y) * 4) / 4))
    return (round(center[0], 4), round(center[1], 4)), zoom


_CLICKED_ID = re.compile(r"\u27e6([^\u27e7]{1,200})\u27e7")


def clicked_feature_id(tooltip_text: object) -> str | None:
    """The feature id hidden in the clicked layer's tooltip text, if any."""
    if not isinstance(tooltip_text, str):
        return None
    match = _CLICKED_ID.search(tooltip_text)
    return match.group(1) if match else None
