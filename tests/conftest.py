"""Small factories shared by the geo tests: one valid feature per layer, a tiny sources table,
GeoDataFrames built the way geo.io builds them, and throwaway copies of data/.

Factories are fixtures that return functions (pytest's "factory as fixture"), session-scoped
because they hold no state.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, mapping
from shapely.geometry.base import BaseGeometry

from geo.io import add_date_spans
from geo.manifest import write_manifest
from geo.schema import LAYERS

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"

SOURCE_COLUMNS = [
    "id",
    "outlet",
    "publisher",
    "title",
    "url",
    "alt_urls",
    "published",
    "date_precision",
    "date_note",
    "is_mirror",
    "mirror_urls",
    "mirror_of",
    "primary",
    "notes",
]
SOURCE_ROWS = [
    {"id": "S1", "outlet": "Outlet One", "url": "https://example.org/one", "published": "2023-10-12"},
    {"id": "S2", "outlet": "Outlet Two", "url": "https://example.org/two", "published": "2023-12"},
    {"id": "S3", "outlet": "Outlet Three (repost)", "url": "https://example.org/three", "is_mirror": "true"},
]

_COMMON = {
    "name_ko": "",
    "name_zh": "",
    "date_start": "2023-10-09",
    "date_end": "2023-10-09",
    "date_precision": "day",
    "location_precision": "city",
    "uncertainty_m": 10000,
    "confidence": "single-source",
    "count_low": None,
    "count_high": None,
    "count_of": "",
    "count_source_ids": [],
    "source_ids": ["S1"],
    "notes": "",
}

_LAYER_DEFAULTS: dict[str, dict] = {
    "detention_centres": {
        "id": "dc-test",
        "kind": "detention_centre",
        "name_en": "Test detention centre",
        "geometry": Point(126.4147, 41.944),
    },
    "crossings": {
        "id": "x-test",
        "kind": "crossing",
        "name_en": "Test crossing",
        "location_precision": "bridge_or_port",
        "uncertainty_m": 500,
        "side_cn_en": "Chinese side",
        "side_kp_en": "Korean side",
        "used_2023_10_09": True,
        "geometry": Point(129.85083, 42.95444),
    },
    "receiving_facilities": {
        "id": "rf-test",
        "kind": "receiving_facility",
        "name_en": "Test receiving facility",
        "location_precision": "town",
        "uncertainty_m": 3000,
        "geometry": Point(129.9917, 42.9556),
    },
    "routes": {
        "id": "leg-test",
        "kind": "route_leg",
        "name_en": "Test leg",
        "location_precision": "",
        "uncertainty_m": None,
        "from_id": "dc-test",
        "to_id": "x-test",
        "crossing_id": "x-test",
        "leg": "origin",
        "evidence": "reported",
        "schematic": True,
        "geometry": LineString([(126.4147, 41.944), (129.85083, 42.95444)]),
    },
    "regular_routes": {
        "id": "rr-test",
        "kind": "regular_route",
        "name_en": "Test regular route",
        "date_start": "",
        "date_end": "",
        "date_precision": "",
        "location_precision": "city",
        "uncertainty_m": 10000,
        "side_cn_en": "Chinese town",
        "side_kp_en": "Korean town",
        "evidence": "reported",
        "schematic": True,
        "geometry": LineString([(129.85, 42.967), (129.9917, 42.9556), (129.77583, 41.79556)]),
    },
    "events": {
        "id": "ev-test",
        "kind": "repatriation",
        "name_en": "Test event",
        "location_precision": "",
        "uncertainty_m": None,
        "crossing_ids": [],
        "geometry": None,
    },
}


def _make_feature(layer: str, **overrides: object) -> dict:
    """A feature dict (properties plus a shapely 'geometry') that passes validation as is."""
    feature = {**_COMMON, **_LAYER_DEFAULTS[layer]}
    # Fresh lists, so that a test mutating one feature cannot change the next.
    feature = {k: list(v) if isinstance(v, list) else v for k, v in feature.items()}
    feature.update(overrides)
    has_count = feature.get("count_low") is not None or feature.get("count_high") is not None
    if has_count and "count_confidence" not in overrides:
        feature["count_confidence"] = "single-source"  # the bundled data's rule: a count has its own confidence
    return feature


def _to_gdf(features: Iterable[Mapping[str, object]], crs: str | None = "EPSG:4326") -> gpd.GeoDataFrame:
    """A GeoDataFrame built like geo.io builds one: object columns, so JSON types survive."""
    records = [dict(f) for f in features]
    geometries = [r.pop("geometry", None) for r in records]
    frame = pd.DataFrame(records, dtype=object)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=crs), crs=crs)


def _feature_collection(features: Iterable[Mapping[str, object]]) -> dict:
    out = []
    for feature in features:
        properties = dict(feature)
        geometry = properties.pop("geometry", None)
        if isinstance(geometry, BaseGeometry):
            geometry = mapping(geometry)
        out.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {"type": "FeatureCollection", "features": out}


def _write_sources(path: Path, rows: Iterable[Mapping[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=SOURCE_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in SOURCE_COLUMNS})


@pytest.fixture(scope="session", autouse=True)
def _own_embedded_store(tmp_path_factory: pytest.TempPathFactory):
    """The app and the commands read the store: give the test session its own embedded file (created
    and seeded from data/ on first use), never the developer's .crossings/store.sqlite."""
    previous = os.environ.get("CROSSINGS_DATABASE_URL")
    os.environ["CROSSINGS_DATABASE_URL"] = str(tmp_path_factory.mktemp("store") / "store.sqlite")
    yield
    if previous is None:
        os.environ.pop("CROSSINGS_DATABASE_URL", None)
    else:
        os.environ["CROSSINGS_DATABASE_URL"] = previous


@pytest.fixture(scope="session")
def make_feature() -> Callable[..., dict]:
    return _make_feature


@pytest.fixture(scope="session")
def to_gdf() -> Callable[..., gpd.GeoDataFrame]:
    return _to_gdf


@pytest.fixture
def events(make_feature, to_gdf):
    """Events built like geo.io builds them (spans added), from keyword overrides per event."""

    def build(*overrides: dict) -> pd.DataFrame:
        features = [make_feature("events", **{"id": f"ev-{i}", **o}) for i, o in enumerate(overrides)]
        gdf = to_gdf(features)
        return add_date_spans(gdf)

    return build


@pytest.fixture(scope="session")
def source_rows() -> list[dict[str, str]]:
    return [dict(row) for row in SOURCE_ROWS]


@pytest.fixture(scope="session")
def source_ids() -> set[str]:
    return {row["id"] for row in SOURCE_ROWS}


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A copy of the bundled data/ that a test may change."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def make_data_dir(tmp_path: Path) -> Callable[..., Path]:
    """Write a complete data directory: every layer (the factory feature of a layer unless
    given), the tiny sources table, and a manifest that matches them. Features are dicts from
    make_feature; a geometry may also be a raw GeoJSON dict, written as is."""

    def build(
        layers: Mapping[str, list[Mapping[str, object]]] | None = None,
        sources: Iterable[Mapping[str, str]] = SOURCE_ROWS,
        name: str = "data",
    ) -> Path:
        target = tmp_path / name
        target.mkdir()
        given = dict(layers or {})
        for layer in LAYERS:
            features = given.get(layer, [_make_feature(layer)])
            text = json.dumps(_feature_collection(features), ensure_ascii=False, indent=1)
            (target / f"{layer}.geojson").write_text(text, encoding="utf-8")
        _write_sources(target / "sources.csv", sources)
        write_manifest(target)
        return target

    return build


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole run (tests/browser and tests/deploy): Playwright's sync API allows one
    running instance per thread, so a second session fixture in another folder would fail to start."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install chromium) "
            "or set CROSSINGS_CHROMIUM; `bash scripts/test` does this for you.",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
