"""The offline basemap derived from geodata/ (kept in the project): reproducible, in the region, licence-clean."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from geo.basemap import LAYERS, BasemapError, load_basemap
from geo.basemap_build import LICENCE_LGPL, PROVENANCE_FILE, REPORTED_TOWNS, SOURCE_WDB, build_basemap
from geo.schema import REGION_BBOX

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GEODATA = PROJECT_ROOT / "geodata"
COMMITTED = PROJECT_ROOT / "data" / "basemap"
LGPL_FILES = {"border_cn_kp.geojson", "rivers.geojson"}


@pytest.fixture(scope="module")
def geodata() -> Path:
    if not (GEODATA / "SOURCES.md").is_file():
        pytest.fail(
            f"{GEODATA} is missing: the basemap's source layers belong in the project "
            "(geodata/, see its SOURCES.md and README.md)"
        )
    return GEODATA


@pytest.fixture(scope="module")
def built(geodata: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("basemap")
    build_basemap(geodata, out)
    return out


@pytest.fixture(scope="module")
def layers(built: Path) -> dict:
    return load_basemap(built)


@pytest.fixture(scope="module")
def provenance(built: Path) -> dict:
    return json.loads((built / PROVENANCE_FILE).read_text(encoding="utf-8"))


def file_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir()) if p.is_file()}


def read_features(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["features"]


def test_two_builds_are_byte_for_byte_identical(geodata: Path, built: Path, tmp_path: Path) -> None:
    report = build_basemap(geodata, tmp_path)
    assert file_bytes(tmp_path) == file_bytes(built)
    assert {name: info["bytes"] for name, info in report.items()} == {
        name: len(data) for name, data in file_bytes(tmp_path).items()
    }


def test_committed_basemap_equals_a_fresh_build(built: Path) -> None:
    assert COMMITTED.is_dir(), f"{COMMITTED} is missing: run `python -m geo build-basemap`"
    committed, fresh = file_bytes(COMMITTED), file_bytes(built)
    assert sorted(committed) == sorted(fresh), "data/basemap has missing or extra files"
    changed = sorted(name for name in fresh if committed[name] != fresh[name])
    assert not changed, f"{changed} differ from a fresh build: run `python -m geo build-basemap`, never edit by hand"


def test_total_size_stays_well_under_600_kb(built: Path) -> None:
    assert sum(len(data) for data in file_bytes(built).values()) < 500_000


@pytest.mark.parametrize("key", sorted(LAYERS))
def test_layer_is_wgs84_inside_the_bbox_with_valid_geometries(layers: dict, key: str) -> None:
    gdf = layers[key]
    assert len(gdf) > 0
    assert gdf.crs == "EPSG:4326"
    assert not gdf.geometry.is_empty.any()
    assert gdf.geometry.is_valid.all()
    lon_min, lat_min, lon_max, lat_max = gdf.total_bounds
    assert (
        lon_min >= REGION_BBOX[0]
        and lat_min >= REGION_BBOX[1]
        and lon_max <= REGION_BBOX[2]
        and lat_max <= REGION_BBOX[3]
    )


@pytest.mark.parametrize("name", sorted(LAYERS.values()))
def test_files_are_rfc7946_with_4_decimals(built: Path, name: str) -> None:
    collection = json.loads((built / name).read_text(encoding="utf-8"))
    assert set(collection) == {"type", "features"}
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        coordinates = shapely.get_coordinates(geometry)
        assert (coordinates.round(4) == coordinates).all()
        for polygon in getattr(geometry, "geoms", [geometry]):
            if polygon.geom_type == "Polygon":
                assert polygon.exterior.is_ccw
                assert not any(ring.is_ccw for ring in polygon.interiors)


def test_border_has_the_three_pairs_and_reaches_the_yalu_mouth(layers: dict) -> None:
    border = layers["border"].set_index("pair")
    assert sorted(border.index) == ["CHN-PRK", "CHN-RUS", "PRK-RUS"]
    china_dprk = border.loc["CHN-PRK"]
    # Natural Earth's land border stops at Dandong (124.37E); WDBII runs on to the river mouth.
    assert china_dprk.geometry.bounds[0] < 124.3
    assert "estuary" in china_dprk["note"]
    assert set(border["source"]) == {SOURCE_WDB}


def test_rivers_are_the_yalu_and_tumen_with_their_names(layers: dict) -> None:
    rivers = layers["rivers"].set_index("name_en")
    assert sorted(rivers.index) == ["Tumen", "Yalu"]
    assert (rivers.loc["Yalu", "name_ko"], rivers.loc["Yalu", "name_zh"]) == ("압록강", "鸭绿江")
    assert (rivers.loc["Tumen", "name_ko"], rivers.loc["Tumen", "name_zh"]) == ("두만강", "图们江")
    assert "Yalu" not in set(layers["rivers_other"]["name_en"])


def test_countries_are_the_four_in_the_region(layers: dict) -> None:
    countries = layers["countries"].set_index("iso_a3")
    assert sorted(countries.index) == ["CHN", "KOR", "PRK", "RUS"]
    assert countries.loc["PRK", "name_en"] == "North Korea"


def test_provinces_do_not_overlap(layers: dict) -> None:
    provinces = layers["provinces"].geometry
    overlap = shapely.area(provinces.values).sum() - shapely.union_all(provinces.values).area
    assert overlap < 1e-6


@pytest.mark.parametrize(
    ("reported", "country", "local_field", "local_name"),
    [
        ("Tumen", "CN", "name_zh", "图们"),
        ("Sinuiju", "KP", "name_ko", "신의주"),
        ("Hyesan", "KP", "name_ko", "혜산"),
        ("Nanping", "CN", "name_zh", "南坪"),
        ("Onsong", "KP", "name_ko", "온성"),
    ],
)
def test_crossing_towns_are_labelled_in_their_own_language(
    layers: dict, reported: str, country: str, local_field: str, local_name: str
) -> None:
    towns = layers["towns"]
    row = towns[towns["name_reported"] == reported]
    assert len(row) == 1, f"{reported} is not in towns.geojson exactly once"
    town = row.iloc[0]
    assert town["country_code"] == country
    assert town[local_field] == local_name
    assert town["rank"] <= 2


def test_towns_keep_the_geonames_names(geodata: Path, layers: dict) -> None:
    geonames = {
        f["properties"]["geonameid"]: f["properties"] for f in read_features(geodata / "places_geonames.geojson")
    }
    towns = layers["towns"].dropna(subset=["geonameid"])
    for town in towns.itertuples():
        record = geonames[int(town.geonameid)]
        assert town.name_en == record["name"]
        for field in ("name_ko", "name_zh"):
            value = getattr(town, field)
            assert (None if pd.isna(value) else value) == record[field]


def test_every_town_named_in_the_reporting_is_present_or_listed_as_not_found(layers: dict, provenance: dict) -> None:
    towns = layers["towns"]
    for town in REPORTED_TOWNS:
        if town.geonameid is None:
            assert town.name in {row["town"] for row in provenance["towns.geojson"]["not_found"]}
        else:
            assert town.geonameid in set(towns["geonameid"].dropna()), town.name


def test_every_large_place_is_a_town_and_unknown_population_is_not_zero(geodata: Path, layers: dict) -> None:
    towns = layers["towns"]
    large = {
        f["properties"]["geonameid"]
        for f in read_features(geodata / "places_geonames.geojson")
        if f["properties"]["population"] >= 100_000
    }
    assert large <= set(towns["geonameid"].dropna())
    assert not (towns["population"] == 0).any()
    assert set(towns["rank"]) <= {1, 2, 3}
    assert towns.loc[towns["name_en"] == "Shenyang", "rank"].item() == 1


def test_crosswalk_differences_are_reported(provenance: dict) -> None:
    checks = provenance["towns.geojson"]["crosswalk_check"]
    dandong = {c["field"]: c for c in checks if c["town"] == "Dandong"}
    assert dandong["name_zh"]["facts_md"] == "丹东"
    assert dandong["name_zh"]["geonames"] == "丹东市"
    assert not any(c["town"] == "Sinuiju" for c in checks)  # GeoNames agrees with facts.md


def test_provenance_names_the_licence_and_inputs_of_every_file(geodata: Path, built: Path, provenance: dict) -> None:
    assert set(provenance) == set(LAYERS.values())
    for name, entry in provenance.items():
        assert entry["licence"] and entry["attribution"] and entry["source"], name
        assert entry["features"] == len(read_features(built / name))
        assert sorted(entry["sha256_inputs"]) == sorted(entry["derived_from"])
        for input_name, digest in entry["sha256_inputs"].items():
            assert hashlib.sha256((geodata / input_name).read_bytes()).hexdigest() == digest
    assert "GeoNames" in provenance["towns.geojson"]["attribution"]
    assert "CC-BY-4.0" in provenance["towns.geojson"]["licence"]


def test_lgpl_data_stays_in_its_own_files(built: Path, provenance: dict) -> None:
    lgpl = {name for name, entry in provenance.items() if LICENCE_LGPL in entry["licence"]}
    assert lgpl == LGPL_FILES
    for name, entry in provenance.items():
        sources = {f["properties"]["source"] for f in read_features(built / name)}
        wdb_inputs = [i for i in entry["derived_from"] if "wdb2" in i]
        if name in LGPL_FILES:
            assert sources == {SOURCE_WDB}, name
            assert wdb_inputs, name
        else:
            assert SOURCE_WDB not in sources, name
            assert not wdb_inputs, name


def test_build_names_a_missing_input(tmp_path: Path) -> None:
    with pytest.raises(BasemapError, match=r"rivers_ne10m\.geojson is missing"):
        build_basemap(tmp_path / "nowhere", tmp_path / "out")


def test_load_names_a_missing_layer(built: Path, tmp_path: Path) -> None:
    for name in LAYERS.values():
        if name != "towns.geojson":
            (tmp_path / name).write_bytes((built / name).read_bytes())
    with pytest.raises(BasemapError, match=r"towns\.geojson is missing"):
        load_basemap(tmp_path)


def test_load_rejects_an_invalid_geometry(built: Path, tmp_path: Path) -> None:
    for name in LAYERS.values():
        (tmp_path / name).write_bytes((built / name).read_bytes())
    bowtie = {"type": "Polygon", "coordinates": [[[125, 40], [126, 41], [126, 40], [125, 41], [125, 40]]]}
    collection = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": bowtie}]}
    (tmp_path / "lakes.geojson").write_text(json.dumps(collection), encoding="utf-8")
    with pytest.raises(BasemapError, match=r"lakes\.geojson: feature 0"):
        load_basemap(tmp_path)


def test_load_keeps_integers_as_nullable_integers(layers: dict) -> None:
    towns = layers["towns"]
    assert str(towns["geonameid"].dtype) == "Int64"
    assert str(towns["population"].dtype) == "Int64"
    assert towns.loc[towns["name_reported"] == "Nanping", "population"].isna().all()
