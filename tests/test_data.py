"""The bundled dataset against facts.md: the five 9 October crossings, counts that are known
and counts that are not, sources that resolve, coordinates with their precision, legs that say
whether they were reported or inferred.

Provenance checks read the files with json/csv directly, so they hold even if the validator
were wrong; the count checks use the loaded layers, where "unknown" must stay missing.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from geo.io import load_dataset
from geo.schema import LAYERS, LOCATION_PRECISIONS, REGION_BBOX

DATA = Path(__file__).resolve().parent.parent / "data"
POINT_LAYERS = ("detention_centres", "crossings", "receiving_facilities")

# id, Chinese side (en, ko, zh), North Korean side (en, ko, zh): names from facts.md §1 and §7.
OCT_9_CROSSINGS = [
    ("x-dandong-sinuiju", ("Dandong", "단둥", "丹东"), ("Sinuiju", "신의주", "新义州")),
    ("x-tumen-namyang", ("Tumen", "도문", "图们"), ("Namyang", "남양", "南阳")),
    ("x-changbai-hyesan", ("Changbai", "장백", "长白"), ("Hyesan", "혜산", "惠山")),
    ("x-nanping-musan", ("Nanping", "남평", "南坪"), ("Musan", "무산", "茂山")),
    ("x-hunchun-kyongwon", ("Hunchun", "훈춘", "珲春"), ("Kyongwon", "경원", "庆源")),
]
OCT_9_IDS = {row[0] for row in OCT_9_CROSSINGS}
NOT_ON_OCT_9 = ["x-jian-manpo", "x-sanhe-hoeryong", "x-quanhe-wonjong"]


def raw_features(layer: str) -> list[dict]:
    return json.loads((DATA / f"{layer}.geojson").read_text(encoding="utf-8"))["features"]


def all_raw_features() -> list[tuple[str, dict]]:
    return [(layer, feature) for layer in LAYERS for feature in raw_features(layer)]


def feature_label(item: tuple[str, dict]) -> str:
    return f"{item[0]}:{item[1]['properties'].get('id')}"


RAW = all_raw_features()


def read_source_rows() -> list[dict[str, str]]:
    with (DATA / "sources.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


SOURCE_IDS = {row["id"] for row in read_source_rows()}


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def crossings(dataset):
    return dataset.layers["crossings"].set_index("id")


# --- the crossings ---------------------------------------------------------------------------


@pytest.mark.parametrize(("fid", "cn", "kp"), OCT_9_CROSSINGS, ids=[row[0] for row in OCT_9_CROSSINGS])
def test_each_9_october_crossing_exists_with_both_sides_named(crossings, fid, cn, kp):
    assert fid in crossings.index
    row = crossings.loc[fid]
    assert row["used_2023_10_09"] is True
    assert (row["date_start"], row["date_end"], row["date_precision"]) == ("2023-10-09", "2023-10-09", "day")
    for side, (en, ko, zh) in (("cn", cn), ("kp", kp)):
        assert en in row[f"side_{side}_en"], (side, row[f"side_{side}_en"])
        assert ko in row[f"side_{side}_ko"], (side, row[f"side_{side}_ko"])
        assert zh in row[f"side_{side}_zh"], (side, row[f"side_{side}_zh"])
    assert cn[0] in row["name_en"] and kp[0].split(",")[0] in row["name_en"]


def test_exactly_the_five_crossings_are_marked_used_on_9_october(crossings):
    used = {fid for fid, flag in crossings["used_2023_10_09"].items() if flag is True}
    assert used == OCT_9_IDS


@pytest.mark.parametrize("fid", NOT_ON_OCT_9)
def test_crossings_not_linked_to_9_october_are_flagged_false(crossings, fid):
    assert crossings.loc[fid, "used_2023_10_09"] is False
    assert crossings.loc[fid, "side_cn_en"] and crossings.loc[fid, "side_kp_en"]


def test_every_crossing_says_whether_it_was_used(crossings):
    assert all(isinstance(flag, bool) for flag in crossings["used_2023_10_09"])


def test_tumen_about_300_from_a_single_source(crossings):
    row = crossings.loc["x-tumen-namyang"]
    assert (row["count_low"], row["count_high"]) == (300, 300)
    assert list(row["count_source_ids"]) == ["S10"]


def test_dandong_is_a_range_60_to_200_keeping_both_sources(crossings):
    row = crossings.loc["x-dandong-sinuiju"]
    assert (row["count_low"], row["count_high"]) == (60, 200)
    assert set(row["count_source_ids"]) == {"S8", "S5"}


@pytest.mark.parametrize("fid", ["x-changbai-hyesan", "x-nanping-musan", "x-hunchun-kyongwon"])
def test_the_other_crossings_counts_are_unknown_not_zero(crossings, fid):
    row = crossings.loc[fid]
    assert row["count_low"] is pd.NA
    assert row["count_high"] is pd.NA
    assert list(row["count_source_ids"]) == []


def test_no_count_anywhere_is_zero_standing_in_for_unknown():
    for layer, feature in RAW:
        props = feature["properties"]
        for column in ("count_low", "count_high"):
            value = props.get(column)
            assert value is None or (type(value) is int and value >= 0), (layer, props["id"], column, value)
        if props.get("count_low") == 0 or props.get("count_high") == 0:
            assert props.get("count_source_ids"), (layer, props["id"])


# --- provenance ------------------------------------------------------------------------------


@pytest.mark.parametrize("item", RAW, ids=[feature_label(item) for item in RAW])
def test_every_feature_cites_sources_that_resolve(item):
    _, feature = item
    props = feature["properties"]
    cited = props.get("source_ids")
    assert isinstance(cited, list) and cited, "no source cited"
    assert set(cited) <= SOURCE_IDS, set(cited) - SOURCE_IDS
    assert set(props.get("coord_source_ids") or []) <= SOURCE_IDS


@pytest.mark.parametrize("item", RAW, ids=[feature_label(item) for item in RAW])
def test_every_count_has_a_count_source_that_resolves(item):
    _, feature = item
    props = feature["properties"]
    count_sources = props.get("count_source_ids") or []
    assert set(count_sources) <= SOURCE_IDS, set(count_sources) - SOURCE_IDS
    if props.get("count_low") is not None or props.get("count_high") is not None:
        assert count_sources, "a count without a source"
        if props.get("count_low") is not None and props.get("count_high") is not None:
            assert props["count_low"] <= props["count_high"]


def test_the_sources_table_has_unique_ids_and_every_row_a_url():
    rows = read_source_rows()
    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert row["id"].strip(), row
        assert row["url"].startswith(("http://", "https://")), (row["id"], row["url"])
        assert row["outlet"].strip(), row["id"]
        assert row["is_mirror"] in {"true", "false"}, (row["id"], row["is_mirror"])


# --- places ----------------------------------------------------------------------------------


def coordinates(geometry: dict) -> list[list[float]]:
    if geometry["type"] == "Point":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


@pytest.mark.parametrize("item", RAW, ids=[feature_label(item) for item in RAW])
def test_every_coordinate_lies_in_the_region(item):
    layer, feature = item
    geometry = feature["geometry"]
    if geometry is None:
        assert layer == "events"
        return
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    for lon, lat in coordinates(geometry):
        assert math.isfinite(lon) and math.isfinite(lat)
        assert lon_min <= lon <= lon_max and lat_min <= lat <= lat_max, (lon, lat)


@pytest.mark.parametrize(
    "item",
    [item for item in RAW if item[1]["geometry"] and item[1]["geometry"]["type"] == "Point"],
    ids=feature_label,
)
def test_every_point_has_a_precision_and_a_positive_uncertainty(item):
    props = item[1]["properties"]
    assert props.get("location_precision") in LOCATION_PRECISIONS
    radius = props.get("uncertainty_m")
    assert type(radius) in (int, float) and radius > 0


def test_every_point_layer_feature_has_a_point():
    for layer in POINT_LAYERS:
        for feature in raw_features(layer):
            assert feature["geometry"] and feature["geometry"]["type"] == "Point", feature["properties"]["id"]


def test_city_level_places_are_not_drawn_with_a_building_sized_circle():
    for layer, feature in RAW:
        props = feature["properties"]
        if props.get("location_precision") in ("town", "city", "region"):
            assert props["uncertainty_m"] >= 1000, (layer, props["id"])


# --- the legs --------------------------------------------------------------------------------

LEGS = raw_features("routes")


@pytest.mark.parametrize("leg", LEGS, ids=[leg["properties"]["id"] for leg in LEGS])
def test_every_leg_is_schematic_and_inferred_legs_say_so(leg):
    props = leg["properties"]
    assert props["schematic"] is True
    assert props["evidence"] in {"reported", "inferred"}
    assert (props["evidence"] == "inferred") == (props["confidence"] == "inferred")
    if props["evidence"] == "inferred":
        assert not blank(props.get("notes"))
        assert "inferred" in props["notes"].lower()
    assert "schematic" in props["notes"].lower()


def test_exactly_one_origin_leg_is_reported_baishan_to_nanping():
    reported = [leg["properties"] for leg in LEGS if leg["properties"]["leg"] == "origin"
                and leg["properties"]["evidence"] == "reported"]  # fmt: skip
    assert len(reported) == 1
    leg = reported[0]
    assert (leg["from_id"], leg["to_id"], leg["crossing_id"]) == ("dc-baishan", "x-nanping-musan", "x-nanping-musan")
    assert "S19" in leg["source_ids"]
    assert "thought to" in (leg.get("reported", "") + leg.get("notes", ""))
    others = [leg["properties"] for leg in LEGS if leg["properties"]["leg"] == "origin"]
    assert all(o["evidence"] == "inferred" for o in others if o["id"] != leg["id"])


def test_legs_join_features_that_exist_and_are_drawn_between_them():
    points = {
        feature["properties"]["id"]: (layer, tuple(feature["geometry"]["coordinates"]))
        for layer in POINT_LAYERS
        for feature in raw_features(layer)
    }
    for leg in LEGS:
        props = leg["properties"]
        start_layer, start = points[props["from_id"]]
        end_layer, end = points[props["to_id"]]
        assert points[props["crossing_id"]][0] == "crossings"
        if props["leg"] == "origin":
            assert (start_layer, end_layer) == ("detention_centres", "crossings"), props["id"]
            assert props["to_id"] == props["crossing_id"]
        else:
            assert (start_layer, end_layer) == ("crossings", "receiving_facilities"), props["id"]
            assert props["from_id"] == props["crossing_id"]
        line = [tuple(c) for c in leg["geometry"]["coordinates"]]
        assert (line[0], line[-1]) == (start, end), props["id"]


def test_every_9_october_crossing_used_by_a_leg_is_one_of_the_five():
    assert {leg["properties"]["crossing_id"] for leg in LEGS} <= OCT_9_IDS
    assert all(leg["properties"]["date_start"] == "2023-10-09" for leg in LEGS)
