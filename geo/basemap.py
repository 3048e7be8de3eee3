"""The offline basemap the app reads: the layers of data/basemap (built by geo.basemap_build, a
maintainer's step) and the compact document static/crossings/map.js draws them from.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import shape

from geo.atomic import write_text_atomic
from geo.io import DATA_DIR, PROJECT_ROOT
from geo.payload import STATIC, to_script_json
from geo.schema import CRS, REGION_BBOX

# Layer key (as the map code names it) -> file in data/basemap.
LAYERS: dict[str, str] = {
    "countries": "countries.geojson",
    "border": "border_cn_kp.geojson",
    "rivers": "rivers.geojson",
    "rivers_other": "rivers_ne.geojson",
    "lakes": "lakes.geojson",
    "provinces": "provinces.geojson",
    "towns": "towns.geojson",
}


class BasemapError(RuntimeError):
    """The inputs are missing or no longer match what this build expects."""


# ---------------------------------------------------------------- loading


BASEMAP_ATTRIBUTION = "Natural Earth · GSHHG/WDBII (LGPL-3.0) · GeoNames (CC BY 4.0)"


def property_frame(rows: list[dict]) -> pd.DataFrame:
    """Properties as columns; JSON integers stay integers (nullable Int64) even beside a null."""
    keys = list(dict.fromkeys(key for row in rows for key in row))
    columns: dict[str, object] = {}
    for key in keys:
        values = [row.get(key) for row in rows]
        present = [v for v in values if v is not None]
        integers = present and all(isinstance(v, int) and not isinstance(v, bool) for v in present)
        columns[key] = pd.array(values, dtype="Int64") if integers else values
    return pd.DataFrame(columns, index=range(len(rows)))


def read_layer(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise BasemapError(f"{path} is missing: run `python -m geo build-basemap`")
    collection = json.loads(path.read_text(encoding="utf-8"))
    rows = [f["properties"] for f in collection["features"]]
    geometries = [shape(f["geometry"]) for f in collection["features"]]
    for index, geometry in enumerate(geometries):
        if geometry.is_empty or not geometry.is_valid:
            raise BasemapError(f"{path.name}: feature {index} has an empty or invalid geometry")
    frame = property_frame(rows)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=CRS), crs=CRS)


def load_basemap(basemap_dir: Path) -> dict[str, gpd.GeoDataFrame]:
    """Every basemap layer by its key in LAYERS (countries, border, rivers, ...), in EPSG:4326."""
    return {key: read_layer(Path(basemap_dir) / name) for key, name in LAYERS.items()}


# ---------------------------------------------------------------- the offline basemap document
# What CrossingsMap.basemap reads of each basemap layer's properties (the rest stays in data/basemap).
BASEMAP_PROPERTIES: dict[str, tuple[str, ...]] = {
    "countries": ("iso_a3",),
    "border": ("pair",),
    "rivers": ("name_en",),
    "towns": ("rank", "country_code", "name_en", "name_ko", "name_zh", "name_reported"),
}
_DEPTH = {"Point": 0, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _quantise(coordinates: object, depth: int, scale: int) -> list:
    """Coordinates as integers (x scale): a point as [x, y], a line or ring as differences [x0, y0, dx1, dy1, ...]."""
    if depth == 0:
        return [round(coordinates[0] * scale), round(coordinates[1] * scale)]
    if depth == 1:
        ints = np.rint(np.asarray(coordinates, dtype=float) * scale).astype(np.int64)
        return np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).reshape(-1).tolist()
    return [_quantise(part, depth - 1, scale) for part in coordinates]


def _exact_scale(values: np.ndarray) -> int | None:
    """The smallest power of ten that turns every coordinate into an integer exactly (None: none up to 1e7)."""
    for decimals in range(4, 8):
        scale = 10**decimals
        if np.array_equal(np.rint(values * scale) / scale, values):
            return scale
    return None


def basemap_document(layers: Mapping[str, gpd.GeoDataFrame]) -> dict:
    """The offline basemap for CrossingsMap.basemap: only the properties it reads, coordinates as integers.

    The integers are exact (the basemap's coordinates have 4 decimals), so the map draws the same
    lines; decode_basemap() is the Python mirror of map.js's decoding. A quarter of the bytes of
    plain GeoJSON matters because streamlit-folium sends the base map again with every filter change.
    """
    collections = {name: json.loads(gdf.to_json(na="null", drop_id=True)) for name, gdf in layers.items()}
    values = [
        value
        for gdf in layers.values()
        for value in shapely.get_coordinates(np.asarray(gdf.geometry.values)).reshape(-1).tolist()
    ]
    scale = _exact_scale(np.asarray(values, dtype=float)) if values else 10**4
    document: dict[str, object] = {"scale": scale}
    for name, collection in collections.items():
        keep = BASEMAP_PROPERTIES.get(name, ())
        for feature in collection["features"]:
            feature["properties"] = {k: feature["properties"].get(k) for k in keep}
            geometry = feature["geometry"]
            if scale is not None and geometry is not None and geometry["type"] in _DEPTH:
                geometry["q"] = _quantise(geometry.pop("coordinates"), _DEPTH[geometry["type"]], scale)
        document[name] = collection
    return document


def basemap_json(data_dir: Path = DATA_DIR) -> str:
    """The offline basemap document CrossingsMap.basemap draws (the app caches it per dataset version)."""
    document = basemap_document(load_basemap(data_dir / "basemap"))
    document["region"] = list(REGION_BBOX)
    return to_script_json(document)


# The live maps fetch the basemap document from here (Streamlit's static file serving) instead of
# carrying it in the map code: streamlit-folium sends the whole map code again with every filter change.
BASEMAP_FILE = PROJECT_ROOT / "static" / "crossings" / "basemap.json"
BASEMAP_URL = f"{STATIC}/crossings/basemap.json"


def write_static_basemap(data_dir: Path = DATA_DIR, path: Path = BASEMAP_FILE) -> Path:
    """Write the basemap document the app serves (`python -m geo static-basemap`; build-basemap does it too)."""
    return write_text_atomic(path, basemap_json(data_dir))


def basemap_reference(document_json: str, path: Path = BASEMAP_FILE) -> str | None:
    """What CrossingsMap.basemap needs to fetch the served copy of `document_json`, or None when the
    served file is missing or is not this document (another data directory, a stale file)."""
    try:
        served = path.read_text(encoding="utf-8")
    except OSError:
        return None
    if served != document_json:
        return None
    version = hashlib.sha256(served.encode("utf-8")).hexdigest()[:16]
    return to_script_json({"url": f"{BASEMAP_URL}?v={version}", "region": list(REGION_BBOX)})


def decode_basemap(document: Mapping) -> dict:
    """Plain GeoJSON layers from basemap_document(), as map.js decodes them."""
    scale = document.get("scale")

    def decode(q: list, depth: int) -> list:
        if depth == 0:
            return [q[0] / scale, q[1] / scale]
        if depth == 1:
            ints = np.cumsum(np.asarray(q, dtype=np.int64).reshape(-1, 2), axis=0)
            return [[int(x) / scale, int(y) / scale] for x, y in ints]
        return [decode(part, depth - 1) for part in q]

    out = {}
    for name, value in document.items():
        if not isinstance(value, dict) or value.get("type") != "FeatureCollection":
            out[name] = value
            continue
        features = []
        for feature in value["features"]:
            geometry = dict(feature["geometry"]) if feature["geometry"] else None
            if geometry and "q" in geometry:
                geometry["coordinates"] = decode(geometry.pop("q"), _DEPTH[geometry["type"]])
            features.append({**feature, "geometry": geometry})
        out[name] = {**value, "features": features}
    return out
