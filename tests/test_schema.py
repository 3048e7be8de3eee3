"""The data contract, rule by rule: every rejection names the row, the field and the reason,
valid rows pass untouched, and nothing is dropped silently."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geo.io import load_dataset
from geo.schema import (
    COUNT_OF,
    LAYERS,
    REJECTED_COLUMNS,
    DateError,
    parse_partial_date,
    route_endpoint_problems,
    validate,
)

SQUARE = Polygon([(126.0, 41.0), (126.1, 41.0), (126.1, 41.1), (126.0, 41.1)])

# (case id, layer, overrides of the factory feature, rejected field, words the reason must contain)
REJECTIONS = [
    ("unresolved-source", "crossings", {"source_ids": ["S1", "S99"]}, "source_ids", "'S99' is not in the sources"),
    ("missing-source-empty", "detention_centres", {"source_ids": []}, "source_ids", "no source cited"),
    ("missing-source-none", "events", {"source_ids": None}, "source_ids", "no source cited"),
    (
        "count-without-source",
        "crossings",
        {"count_low": 300, "count_high": 300, "count_source_ids": []},
        "count_source_ids",
        "a count without a source",
    ),
    (
        "high-count-without-source",
        "events",
        {"count_high": 600},
        "count_source_ids",
        "a count without a source",
    ),
    (
        "count-source-unresolved",
        "events",
        {"count_low": 5, "count_high": 5, "count_source_ids": ["S42"]},
        "count_source_ids",
        "'S42' is not in the sources",
    ),
    (
        "count-as-text",
        "crossings",
        {"count_low": "300", "count_high": 300, "count_source_ids": ["S1"]},
        "count_low",
        "whole number",
    ),
    (
        "count-as-float",
        "crossings",
        {"count_low": 300, "count_high": 300.0, "count_source_ids": ["S1"]},
        "count_high",
        "whole number",
    ),
    (
        "count-as-bool",
        "events",
        {"count_low": True, "count_source_ids": ["S1"]},
        "count_low",
        "whole number",
    ),
    (
        "negative-count",
        "events",
        {"count_low": -1, "count_high": 5, "count_source_ids": ["S1"]},
        "count_low",
        "must not be negative",
    ),
    (
        "low-above-high",
        "events",
        {"count_low": 600, "count_high": 500, "count_source_ids": ["S1", "S2"]},
        "count_high",
        "count_low 600 is greater than count_high 500",
    ),
    (
        "end-before-start-day",
        "events",
        {"date_start": "2023-10-09", "date_end": "2023-10-08"},
        "date_end",
        "date_end 2023-10-08 is before date_start 2023-10-09",
    ),
    (
        "end-before-start-month",
        "receiving_facilities",
        {"date_start": "2023-10", "date_end": "2023-09", "date_precision": "month"},
        "date_end",
        "is before date_start",
    ),
    (
        "end-before-start-year",
        "detention_centres",
        {"date_start": "2016", "date_end": "2003", "date_precision": "year"},
        "date_end",
        "is before date_start",
    ),
    (
        "impossible-day",
        "events",
        {"date_start": "2023-02-30", "date_end": "2023-02-30"},
        "date_start",
        "day 30 does not exist",
    ),
    (
        "impossible-end-day",
        "events",
        {"date_start": "2023-02-01", "date_end": "2023-02-29"},
        "date_end",
        "day 29 does not exist",
    ),
    (
        "impossible-month",
        "events",
        {"date_start": "2023-13", "date_end": "2023-13", "date_precision": "month"},
        "date_start",
        "month 13 does not exist",
    ),
    (
        "year-zero",
        "events",
        {"date_start": "0000", "date_end": "", "date_precision": "year"},
        "date_start",
        "0000",
    ),
    (
        "start-not-matching-precision",
        "events",
        {"date_start": "2023-10", "date_end": "2023-10", "date_precision": "day"},
        "date_start",
        "does not match date precision 'day'",
    ),
    (
        "end-not-matching-precision",
        "events",
        {"date_start": "2023-10", "date_end": "2023-10-09", "date_precision": "month"},
        "date_end",
        "'2023-10-09' does not match date precision 'month'",
    ),
    (
        "end-not-matching-year-precision",
        "detention_centres",
        {"date_start": "2023", "date_end": "2023-12", "date_precision": "year"},
        "date_end",
        "'2023-12' does not match date precision 'year'",
    ),
    (
        "end-without-start",
        "events",
        {"date_start": "", "date_end": "2023-10-09"},
        "date_start",
        "date_end given without date_start",
    ),
    ("unknown-date-precision", "events", {"date_precision": "week"}, "date_precision", "unknown date precision"),
    ("wrong-geometry-type-point-layer", "detention_centres", {"geometry": SQUARE}, "geometry", "Polygon not allowed"),
    ("wrong-geometry-type-route", "routes", {"geometry": Point(126.4, 41.9)}, "geometry", "Point not allowed"),
    ("empty-point", "crossings", {"geometry": Point()}, "geometry", "geometry is empty"),
    ("empty-line", "routes", {"geometry": LineString()}, "geometry", "geometry is empty"),
    ("missing-geometry", "receiving_facilities", {"geometry": None}, "geometry", "geometry is missing"),
    ("outside-region", "crossings", {"geometry": Point(2.35, 48.85)}, "geometry", "outside the region"),
    ("swapped-lat-lon", "detention_centres", {"geometry": Point(41.944, 126.4147)}, "geometry", "swapped"),
    (
        "route-end-outside-region",
        "routes",
        {"geometry": LineString([(126.4147, 41.944), (139.69, 35.69)])},
        "geometry",
        "outside the region",
    ),
    (
        "route-swapped",
        "routes",
        {"geometry": LineString([(41.944, 126.4147), (42.95444, 129.85083)])},
        "geometry",
        "swapped",
    ),
    ("event-point-outside-region", "events", {"geometry": Point(102.7, 25.0)}, "geometry", "outside the region"),
    (
        "unknown-location-precision",
        "crossings",
        {"location_precision": "street"},
        "location_precision",
        "unknown location precision 'street'",
    ),
    ("zero-uncertainty", "detention_centres", {"uncertainty_m": 0}, "uncertainty_m", "positive number"),
    ("missing-uncertainty", "receiving_facilities", {"uncertainty_m": None}, "uncertainty_m", "positive number"),
    ("text-uncertainty", "crossings", {"uncertainty_m": "500"}, "uncertainty_m", "positive number"),
    ("unknown-kind", "detention_centres", {"kind": "prison_camp"}, "kind", "unknown kind 'prison_camp'"),
    ("kind-of-another-layer", "events", {"kind": "crossing"}, "kind", "unknown kind 'crossing'"),
    ("unknown-confidence", "crossings", {"confidence": "likely"}, "confidence", "unknown confidence 'likely'"),
    ("unknown-evidence", "routes", {"evidence": "rumoured"}, "evidence", "must be one of reported, inferred"),
    ("missing-evidence", "routes", {"evidence": ""}, "evidence", "must be one of reported, inferred"),
    ("unknown-leg", "routes", {"leg": "middle"}, "leg", "must be one of origin, handover"),
    (
        "inferred-leg-without-notes",
        "routes",
        {"evidence": "inferred", "confidence": "inferred", "notes": ""},
        "notes",
        "inferred leg must give its reasoning",
    ),
    ("leg-not-schematic", "routes", {"schematic": False}, "schematic", "must be marked schematic"),
    ("missing-name", "events", {"name_en": ""}, "name_en", "name_en is missing"),
    ("missing-id", "detention_centres", {"id": None}, "id", "id is missing"),
    ("crossing-without-korean-side", "crossings", {"side_kp_en": ""}, "side_kp_en", "side_kp_en is missing"),
    ("crossing-without-chinese-side", "crossings", {"side_cn_en": None}, "side_cn_en", "side_cn_en is missing"),
    ("leg-without-crossing", "routes", {"crossing_id": ""}, "crossing_id", "crossing_id is missing"),
    ("count-of-typo", "events", {"count_of": "retuned"}, "count_of", "unknown count_of 'retuned'"),
    ("count-of-not-text", "crossings", {"count_of": 5}, "count_of", "unknown count_of 5"),
]


def reasons_for(rejected: pd.DataFrame, row: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for record in rejected[rejected["row"] == row].to_dict("records"):
        out.setdefault(record["field"], []).append(record["reason"])
    return out


@pytest.mark.parametrize("layer", list(LAYERS))
def test_the_factory_feature_of_every_layer_is_valid(layer, make_feature, to_gdf, source_ids):
    gdf = to_gdf([make_feature(layer)])
    result = validate(gdf, layer, source_ids)
    assert result.rejected.empty, result.rejected.to_dict("records")
    assert list(result.valid["id"]) == [make_feature(layer)["id"]]


@pytest.mark.parametrize(
    ("layer", "overrides", "field", "reason"),
    [case[1:] for case in REJECTIONS],
    ids=[case[0] for case in REJECTIONS],
)
def test_each_rule_rejects_the_row_with_field_and_reason(
    layer, overrides, field, reason, make_feature, to_gdf, source_ids
):
    good = make_feature(layer, id="good")
    bad = make_feature(layer, **{"id": "bad", **overrides})
    gdf = to_gdf([good, bad])

    result = validate(gdf, layer, source_ids)

    assert list(result.rejected.columns) == REJECTED_COLUMNS
    assert set(result.rejected["row"]) == {1}, result.rejected.to_dict("records")
    assert set(result.rejected["layer"]) == {layer}
    assert list(result.rejected["id"].unique()) == [bad["id"]]
    problems = reasons_for(result.rejected, 1)
    assert field in problems, problems
    assert any(reason in text for text in problems[field]), problems
    # The valid row passes untouched, the bad one is rejected, nothing disappears.
    assert list(result.valid["id"]) == ["good"]
    assert len(result.valid) + result.rejected["row"].nunique() == len(gdf)


@pytest.mark.parametrize("count_of", ["", None, *COUNT_OF])
def test_count_of_is_optional_and_any_word_of_the_vocabulary_passes(count_of, make_feature, to_gdf, source_ids):
    result = validate(to_gdf([make_feature("events", count_of=count_of)]), "events", source_ids)
    assert result.rejected.empty, result.rejected.to_dict("records")


def test_every_problem_of_a_row_is_reported_not_only_the_first(make_feature, to_gdf, source_ids):
    bad = make_feature(
        "crossings",
        source_ids=["S99"],
        confidence="likely",
        count_low=-3,
        count_source_ids=[],
        geometry=Point(2.35, 48.85),
    )
    result = validate(to_gdf([bad]), "crossings", source_ids)
    assert set(result.rejected["field"]) == {"source_ids", "confidence", "count_low", "count_source_ids", "geometry"}
    assert result.valid.empty


def test_a_mixed_layer_keeps_valid_rows_and_accounts_for_every_rejected_one(make_feature, to_gdf, source_ids):
    features = [
        make_feature("events", id="ev-1"),
        make_feature("events", id="ev-2", source_ids=[]),
        make_feature("events", id="ev-3", date_start="2023-10-09", date_end="2023-10-01"),
        make_feature("events", id="ev-4", kind="rumour"),
        make_feature("events", id="ev-5", geometry=Point(126.0, 41.5), location_precision="town", uncertainty_m=3000),
        make_feature("events", id="ev-6", count_low=0, count_high=0, count_source_ids=["S2"]),
    ]
    gdf = to_gdf(features)
    result = validate(gdf, "events", source_ids)
    assert list(result.valid["id"]) == ["ev-1", "ev-5", "ev-6"]
    assert sorted(result.rejected["id"].unique()) == ["ev-2", "ev-3", "ev-4"]
    assert sorted(result.rejected["row"].unique()) == [1, 2, 3]
    assert set(result.valid["id"]) | set(result.rejected["id"]) == {f["id"] for f in features}
    assert len(result.valid) + result.rejected["row"].nunique() == len(gdf)


def test_valid_rows_come_back_unchanged(make_feature, to_gdf, source_ids):
    gdf = to_gdf(
        [
            make_feature("crossings", id="x-1", count_low=60, count_high=200, count_source_ids=["S1", "S2"]),
            make_feature("crossings", id="x-2"),
        ]
    )
    result = validate(gdf, "crossings", source_ids)
    assert result.rejected.empty
    pd.testing.assert_frame_equal(pd.DataFrame(result.valid), pd.DataFrame(gdf))
    assert result.valid.crs == gdf.crs


def test_duplicate_ids_reject_the_second_row_and_keep_the_first(make_feature, to_gdf, source_ids):
    gdf = to_gdf(
        [
            make_feature("detention_centres", id="dc-a"),
            make_feature("detention_centres", id="dc-b"),
            make_feature("detention_centres", id="dc-a", name_en="Another centre"),
        ]
    )
    result = validate(gdf, "detention_centres", source_ids)
    assert list(result.valid["id"]) == ["dc-a", "dc-b"]
    assert result.valid.iloc[0]["name_en"] == "Test detention centre"
    rejected = result.rejected.to_dict("records")
    assert len(rejected) == 1
    assert rejected[0]["row"] == 2
    assert rejected[0]["id"] == "dc-a"
    assert rejected[0]["field"] == "id"
    assert "duplicate id 'dc-a'" in rejected[0]["reason"]


@pytest.mark.parametrize("crs", ["EPSG:3857", "EPSG:32652"])
def test_wrong_crs_rejects_every_row_naming_the_crs(crs, make_feature, to_gdf, source_ids):
    features = [make_feature("crossings", id=f"x-{n}") for n in range(3)]
    gdf = to_gdf(features, crs=crs)
    result = validate(gdf, "crossings", source_ids)
    assert result.valid.empty
    assert list(result.rejected["row"]) == [0, 1, 2]
    assert list(result.rejected["id"]) == ["x-0", "x-1", "x-2"]
    assert set(result.rejected["field"]) == {"crs"}
    for reason in result.rejected["reason"]:
        assert crs in reason
        assert "expected EPSG:4326" in reason


def test_missing_crs_rejects_every_row(make_feature, to_gdf, source_ids):
    gdf = to_gdf([make_feature("events"), make_feature("events", id="ev-2")], crs=None)
    result = validate(gdf, "events", source_ids)
    assert result.valid.empty
    assert len(result.rejected) == 2
    assert all("CRS is missing" in reason for reason in result.rejected["reason"])


def test_route_endpoint_problems_names_the_leg_and_the_missing_end():
    routes = pd.DataFrame(
        [
            {"id": "leg-ok", "from_id": "dc-a", "to_id": "x-a", "crossing_id": "x-a"},
            {"id": "leg-bad", "from_id": "dc-gone", "to_id": "x-a", "crossing_id": "x-nowhere"},
        ]
    )
    problems = route_endpoint_problems(routes, {"dc-a", "x-a"}, {"x-a"})
    assert list(problems.columns) == REJECTED_COLUMNS
    assert list(problems["id"]) == ["leg-bad", "leg-bad"]
    assert list(problems["field"]) == ["from_id", "crossing_id"]
    assert "'dc-gone' does not name a feature" in problems.iloc[0]["reason"]


# --- unknown is not zero ---------------------------------------------------------------------


def test_an_unknown_count_stays_empty_in_validation(make_feature, to_gdf, source_ids):
    gdf = to_gdf([make_feature("crossings", count_low=None, count_high=None)])
    result = validate(gdf, "crossings", source_ids)
    assert result.rejected.empty
    row = result.valid.iloc[0]
    assert row["count_low"] is None
    assert row["count_high"] is None


def test_an_unknown_count_stays_empty_after_load_and_zero_stays_zero(make_feature, make_data_dir):
    data_dir = make_data_dir(
        {
            "crossings": [
                make_feature("crossings"),  # x-test: the factory leg ends here
                make_feature("crossings", id="x-lower-bound", count_low=20, count_high=None, count_source_ids=["S1"]),
                make_feature("crossings", id="x-zero", count_low=0, count_high=0, count_source_ids=["S2"]),
                make_feature("crossings", id="x-range", count_low=60, count_high=200, count_source_ids=["S1", "S2"]),
            ]
        }
    )
    dataset = load_dataset(data_dir)
    assert dataset.rejected.empty, dataset.rejected.to_dict("records")
    crossings = dataset.layers["crossings"].set_index("id")
    assert str(crossings["count_low"].dtype) == "Int64"
    assert str(crossings["count_high"].dtype) == "Int64"
    assert crossings.loc["x-test", "count_low"] is pd.NA
    assert crossings.loc["x-test", "count_high"] is pd.NA
    assert crossings.loc["x-lower-bound", "count_low"] == 20
    assert crossings.loc["x-lower-bound", "count_high"] is pd.NA
    assert crossings.loc["x-zero", "count_low"] == 0
    assert crossings.loc["x-zero", "count_high"] == 0
    assert (crossings.loc["x-range", "count_low"], crossings.loc["x-range", "count_high"]) == (60, 200)
    # Nothing was averaged, filled or turned into 0.
    assert crossings["count_low"].isna().tolist() == [True, False, False, False]


def test_a_line_with_one_coordinate_is_rejected_on_load(make_feature, make_data_dir):
    one_point_line = {"type": "LineString", "coordinates": [[126.4147, 41.944]]}
    data_dir = make_data_dir(
        {"routes": [make_feature("routes"), make_feature("routes", id="leg-short", geometry=one_point_line)]}
    )
    dataset = load_dataset(data_dir)
    assert list(dataset.layers["routes"]["id"]) == ["leg-test"]
    rejected = dataset.rejected[dataset.rejected["id"] == "leg-short"]
    assert not rejected.empty
    assert set(rejected["field"]) == {"geometry"}
    assert set(rejected["layer"]) == {"routes"}
    assert dataset.raw_counts()["routes"] == {"valid": 1, "rejected": 1}


# --- partial dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "precision", "first", "last"),
    [
        ("2023", "year", date(2023, 1, 1), date(2023, 12, 31)),
        ("2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
        ("2023-10", "month", date(2023, 10, 1), date(2023, 10, 31)),
        ("2023-09", "month", date(2023, 9, 1), date(2023, 9, 30)),
        ("2023-02", "month", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
        ("2000-02", "month", date(2000, 2, 1), date(2000, 2, 29)),
        ("1900-02", "month", date(1900, 2, 1), date(1900, 2, 28)),
        ("2023-12", "month", date(2023, 12, 1), date(2023, 12, 31)),
        ("2023-10-09", "day", date(2023, 10, 9), date(2023, 10, 9)),
        ("2024-02-29", "day", date(2024, 2, 29), date(2024, 2, 29)),
        ("2000-02-29", "day", date(2000, 2, 29), date(2000, 2, 29)),
        ("1986", "approximate", date(1986, 1, 1), date(1986, 12, 31)),
        ("2023-08", "approximate", date(2023, 8, 1), date(2023, 8, 31)),
        ("2023-08-28", "approximate", date(2023, 8, 28), date(2023, 8, 28)),
    ],
)
def test_parse_partial_date_gives_the_span_covered(text, precision, first, last):
    assert parse_partial_date(text, precision) == (first, last)


@pytest.mark.parametrize(
    ("text", "precision", "message"),
    [
        ("2023-02-29", "day", "day 29 does not exist in 2023-02"),
        ("1900-02-29", "day", "day 29 does not exist in 1900-02"),
        ("2023-02-30", "day", "day 30 does not exist"),
        ("2023-04-31", "day", "day 31 does not exist"),
        ("2023-10-00", "day", "day 0 does not exist"),
        ("2023-13", "month", "month 13 does not exist"),
        ("2023-00", "month", "month 0 does not exist"),
        ("2023-13-01", "approximate", "month 13 does not exist"),
        ("2023-10", "day", "does not match date precision 'day'"),
        ("2023-10-09", "month", "does not match date precision 'month'"),
        ("2023-10", "year", "does not match date precision 'year'"),
        ("2023-1", "month", "does not match"),
        ("23", "year", "does not match"),
        ("9 Oct 2023", "approximate", "does not match"),
        ("2023-10-09T20:00", "day", "does not match"),
        ("2023", "decade", "does not match date precision 'decade'"),
        ("0000", "year", "0000"),
    ],
)
def test_parse_partial_date_refuses_impossible_or_mismatched_dates(text, precision, message):
    with pytest.raises(DateError, match=message):
        parse_partial_date(text, precision)
