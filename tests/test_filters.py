"""Filters as a table: FilterSpec -> the ids shown, on a small factory dataset; the sentence
that describes a filter; date ranges in words."""

from __future__ import annotations

from datetime import date

import pytest
from shapely.geometry import LineString, Point

from geo.filters import (
    FilterSpec,
    apply_filters,
    count_features,
    data_span,
    date_presets,
    describe,
    describe_endpoint_only,
    describe_on_map,
    describe_view,
    endpoint_only,
    format_range,
    resolve_choices,
    view_query,
)
from geo.io import add_date_spans
from geo.schema import validate

OCT = (date(2023, 10, 1), date(2023, 10, 31))
DAY_9 = (date(2023, 10, 9), date(2023, 10, 9))

X_A, X_B, X_C = Point(124.39, 40.12), Point(129.85, 42.95), Point(130.52, 42.57)
DC_A, DC_B, DC_OLD = Point(124.38, 40.11), Point(129.0, 42.54), Point(129.43, 42.77)
RF_A, RF_B = Point(124.4, 40.1), Point(129.99, 42.96)


def day(start: str, end: str | None = None) -> dict:
    return {"date_start": start, "date_end": end or start, "date_precision": "day"}


def span(start: str, end: str, precision: str) -> dict:
    return {"date_start": start, "date_end": end, "date_precision": precision}


UNDATED = {"date_start": "", "date_end": "", "date_precision": ""}


@pytest.fixture(scope="module")
def layers(make_feature, to_gdf, source_ids):
    """21 features: 3 crossings, 3 detention centres, 2 receiving facilities, 4 legs, 9 events."""
    f = make_feature
    features = {
        "crossings": [
            f("crossings", id="x-a", name_en="Alpha–Able", confidence="confirmed", geometry=X_A, **day("2023-10-09")),
            f("crossings", id="x-b", name_en="Bravo–Baker", geometry=X_B, **day("2023-10-09")),
            f(
                "crossings",
                id="x-c",
                name_en="Charlie–Cast",
                confidence="confirmed",
                geometry=X_C,
                used_2023_10_09=False,
                **UNDATED,
            ),
        ],
        "detention_centres": [
            f("detention_centres", id="dc-a", confidence="confirmed", geometry=DC_A, **span("2003", "2016", "year")),
            f(
                "detention_centres",
                id="dc-b",
                confidence="inferred",
                geometry=DC_B,
                **span("2023-10", "2023-10", "month"),
            ),
            f("detention_centres", id="dc-old", geometry=DC_OLD, **span("2012", "2012", "year")),
        ],
        "receiving_facilities": [
            f("receiving_facilities", id="rf-a", geometry=RF_A, **span("2023-10", "2024-01", "month")),
            f("receiving_facilities", id="rf-b", geometry=RF_B, **span("2023-10", "2023-10", "month")),
        ],
        "routes": [
            f(
                "routes",
                id="leg-a-origin",
                from_id="dc-a",
                to_id="x-a",
                crossing_id="x-a",
                evidence="inferred",
                confidence="inferred",
                notes="Inferred: beside the crossing.",
                geometry=LineString([DC_A, X_A]),
            ),
            f(
                "routes",
                id="leg-a-handover",
                from_id="x-a",
                to_id="rf-a",
                crossing_id="x-a",
                leg="handover",
                geometry=LineString([X_A, RF_A]),
            ),
            f(
                "routes",
                id="leg-b-origin",
                from_id="dc-b",
                to_id="x-b",
                crossing_id="x-b",
                geometry=LineString([DC_B, X_B]),
            ),
            f(
                "routes",
                id="leg-b-handover",
                from_id="x-b",
                to_id="rf-b",
                crossing_id="x-b",
                leg="handover",
                geometry=LineString([X_B, RF_B]),
            ),
        ],
        "events": [
            f("events", id="ev-mass", confidence="confirmed", crossing_ids=["x-a", "x-b"], **day("2023-10-09")),
            f("events", id="ev-a-2021", confidence="confirmed", crossing_ids=["x-a"], **day("2021-07-14")),
            f("events", id="ev-end-on-from", kind="context", confidence="confirmed", **day("2023-09-20", "2023-10-01")),
            f("events", id="ev-end-before", kind="statement", **day("2023-09-30")),
            f("events", id="ev-start-on-to", kind="statement", **day("2023-10-31")),
            f("events", id="ev-start-after", kind="statement", **day("2023-11-01")),
            f("events", id="ev-sep", kind="report", **span("2023-09", "2023-09", "month")),
            f("events", id="ev-undated", kind="context", confidence="unknown", **UNDATED),
            f("events", id="ev-inferred", kind="report", confidence="inferred", **day("2023-10-10")),
        ],
    }
    out = {}
    for name, rows in features.items():
        gdf = to_gdf(rows)
        result = validate(gdf, name, source_ids)
        assert result.rejected.empty, result.rejected.to_dict("records")  # the fixture itself is valid
        out[name] = add_date_spans(result.valid)
    return out


ALL = {
    "x-a", "x-b", "x-c",
    "dc-a", "dc-b", "dc-old",
    "rf-a", "rf-b",
    "leg-a-origin", "leg-a-handover", "leg-b-origin", "leg-b-handover",
    "ev-mass", "ev-a-2021", "ev-end-on-from", "ev-end-before", "ev-start-on-to", "ev-start-after",
    "ev-sep", "ev-undated", "ev-inferred",
}  # fmt: skip
LEGS = {"leg-a-origin", "leg-a-handover", "leg-b-origin", "leg-b-handover"}

CASES = [
    ("no-filter", FilterSpec(), ALL),
    (
        "october",
        FilterSpec(*OCT),
        {
            "x-a",
            "x-b",
            "x-c",
            "dc-a",
            "dc-b",
            "rf-a",
            "rf-b",
            *LEGS,
            "ev-mass",
            "ev-end-on-from",
            "ev-start-on-to",
            "ev-undated",
            "ev-inferred",
        },
    ),
    (
        "9-october-brings-back-route-origin-outside-range",
        FilterSpec(*DAY_9),
        {"x-a", "x-b", "x-c", "dc-a", "dc-b", "rf-a", "rf-b", *LEGS, "ev-mass", "ev-undated"},
    ),
    (
        "first-day-edge",
        FilterSpec(date(2023, 10, 1), date(2023, 10, 1)),
        {"x-c", "dc-b", "rf-a", "rf-b", "ev-end-on-from", "ev-undated"},
    ),
    (
        "last-day-edge",
        FilterSpec(date(2023, 10, 31), date(2023, 10, 31)),
        {"x-c", "dc-b", "rf-a", "rf-b", "ev-start-on-to", "ev-undated"},
    ),
    (
        "open-start",
        FilterSpec(None, date(2012, 12, 31)),
        {"x-c", "dc-a", "dc-old", "ev-undated"},
    ),
    (
        "open-end",
        FilterSpec(date(2023, 11, 1), None),
        {"x-c", "rf-a", "ev-start-after", "ev-undated"},
    ),
    ("far-future-only-undated", FilterSpec(date(2030, 1, 1), date(2030, 12, 31)), {"x-c", "ev-undated"}),
    (
        "crossing-keeps-routes-origins-facilities-events",
        FilterSpec(crossings=("x-a",)),
        {"x-a", "leg-a-origin", "leg-a-handover", "dc-a", "rf-a", "ev-mass", "ev-a-2021"},
    ),
    (
        "crossing-on-9-october",
        FilterSpec(*DAY_9, crossings=("x-a",)),
        {"x-a", "leg-a-origin", "leg-a-handover", "dc-a", "rf-a", "ev-mass"},
    ),
    (
        "two-crossings",
        FilterSpec(crossings=("x-a", "x-b")),
        {"x-a", "x-b", *LEGS, "dc-a", "dc-b", "rf-a", "rf-b", "ev-mass", "ev-a-2021"},
    ),
    ("crossing-without-routes", FilterSpec(crossings=("x-c",)), {"x-c"}),
    (
        "min-single-source-hides-inferred-and-legs-ending-there",
        FilterSpec(min_confidence="single-source"),
        {
            "x-a",
            "x-b",
            "x-c",
            "dc-a",
            "dc-old",
            "rf-a",
            "rf-b",
            "leg-a-handover",
            "leg-b-handover",
            "ev-mass",
            "ev-a-2021",
            "ev-end-on-from",
            "ev-end-before",
            "ev-start-on-to",
            "ev-start-after",
            "ev-sep",
        },
    ),
    (
        "min-confirmed",
        FilterSpec(min_confidence="confirmed"),
        {"x-a", "x-c", "dc-a", "ev-mass", "ev-a-2021", "ev-end-on-from"},
    ),
    ("min-inferred-hides-only-unknown", FilterSpec(min_confidence="inferred"), ALL - {"ev-undated"}),
    (
        "crossing-and-min-single-source",
        FilterSpec(crossings=("x-b",), min_confidence="single-source"),
        {"x-b", "leg-b-handover", "rf-b", "ev-mass"},
    ),
    ("kind-repatriation", FilterSpec(kinds=("repatriation",)), {"ev-mass", "ev-a-2021"}),
    ("kinds-statement-in-october", FilterSpec(*OCT, kinds=("statement",)), {"ev-start-on-to"}),
    ("kind-crossing-drops-legs-without-their-ends", FilterSpec(kinds=("crossing", "route_leg")), {"x-a", "x-b", "x-c"}),
]


def shown_ids(layers, spec: FilterSpec) -> set[str]:
    return {fid for gdf in apply_filters(layers, spec).values() for fid in gdf["id"]}


def test_no_filter_keeps_every_feature_of_every_layer(layers):
    shown = apply_filters(layers, FilterSpec())
    assert {name: list(gdf["id"]) for name, gdf in shown.items()} == {
        name: list(gdf["id"]) for name, gdf in layers.items()
    }
    assert count_features(shown) == len(ALL) == 21


@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_filter_table(layers, spec, expected):
    assert shown_ids(layers, spec) == expected


@pytest.mark.parametrize(("spec", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_shown_leg_has_both_ends_shown(layers, spec, expected):
    shown = apply_filters(layers, spec)
    points = {fid for name in ("detention_centres", "crossings", "receiving_facilities") for fid in shown[name]["id"]}
    for leg in shown["routes"].to_dict("records"):
        assert {leg["from_id"], leg["to_id"]} <= points, leg["id"]


@pytest.mark.parametrize(
    ("date_from", "date_to", "shown", "hidden"),
    [
        # A feature ending on date_from overlaps the range; one ending the day before does not.
        (date(2023, 10, 1), date(2023, 10, 31), {"ev-end-on-from"}, {"ev-end-before"}),
        # A feature starting on date_to overlaps; one starting the day after does not.
        (date(2023, 10, 1), date(2023, 10, 31), {"ev-start-on-to"}, {"ev-start-after"}),
        (date(2023, 10, 2), date(2023, 10, 30), set(), {"ev-end-on-from", "ev-start-on-to"}),
        # A month-precision event covers the whole month: its last day touches 30 Sep.
        (date(2023, 9, 30), date(2023, 9, 30), {"ev-sep", "ev-end-before", "ev-end-on-from"}, {"ev-mass"}),
        (date(2023, 9, 1), date(2023, 9, 1), {"ev-sep"}, {"ev-end-before"}),
        (date(2023, 8, 31), date(2023, 8, 31), set(), {"ev-sep"}),
    ],
)
def test_overlap_at_the_edges_of_a_range(layers, date_from, date_to, shown, hidden):
    ids = shown_ids(layers, FilterSpec(date_from, date_to))
    assert shown <= ids
    assert not hidden & ids


def test_undated_features_are_shown_for_any_range(layers):
    for spec in (FilterSpec(*DAY_9), FilterSpec(date(1900, 1, 1), date(1900, 1, 1)), FilterSpec(None, None)):
        ids = shown_ids(layers, spec)
        assert {"x-c", "ev-undated"} <= ids


def test_filtering_does_not_change_the_layers(layers):
    before = {name: list(gdf["id"]) for name, gdf in layers.items()}
    apply_filters(layers, FilterSpec(*DAY_9, crossings=("x-a",), min_confidence="single-source"))
    assert {name: list(gdf["id"]) for name, gdf in layers.items()} == before


def test_filtered_layers_keep_their_crs_and_order(layers):
    shown = apply_filters(layers, FilterSpec(*DAY_9))
    for name, gdf in shown.items():
        assert gdf.crs == "EPSG:4326", name
        assert list(gdf["id"]) == [fid for fid in layers[name]["id"] if fid in set(gdf["id"])], name


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"date_from": date(2023, 10, 31), "date_to": date(2023, 10, 1)}, "before it starts"),
        ({"min_confidence": "likely"}, "unknown confidence level 'likely'"),
        ({"min_confidence": "Confirmed"}, "unknown confidence level"),
    ],
)
def test_filter_spec_refuses_a_reversed_range_or_unknown_confidence(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FilterSpec(**kwargs)


def test_filter_spec_is_frozen_and_with_dates_returns_a_new_spec():
    spec = FilterSpec(crossings=("x-a",), min_confidence="confirmed")
    with pytest.raises(AttributeError):
        spec.min_confidence = "unknown"
    moved = spec.with_dates(*DAY_9)
    assert (moved.date_from, moved.date_to, moved.crossings, moved.min_confidence) == (*DAY_9, ("x-a",), "confirmed")
    assert spec.date_from is None
    with pytest.raises(ValueError, match="before it starts"):
        spec.with_dates(date(2023, 10, 9), date(2023, 10, 8))


# --- the sentence ----------------------------------------------------------------------------

NAMES = {
    "x-tumen-namyang": "Tumen–Namyang",
    "x-dandong-sinuiju": "Dandong–Sinuiju",
    "x-changbai-hyesan": "Changbai–Hyesan",
}


@pytest.mark.parametrize(
    ("spec", "shown", "total", "sentence"),
    [
        (
            FilterSpec(*OCT, crossings=("x-tumen-namyang",), min_confidence="single-source"),
            7,
            23,
            "Showing 7 of 23 features: 1–31 Oct 2023, crossing Tumen–Namyang, confidence at least single-source",
        ),
        (FilterSpec(), 23, 23, "Showing 23 of 23 features: all dates"),
        (FilterSpec(), 1, 1, "Showing 1 of 1 feature: all dates"),
        (FilterSpec(), 0, 0, "Showing 0 of 0 features: all dates"),
        (FilterSpec(*DAY_9), 13, 23, "Showing 13 of 23 features: 9 Oct 2023"),
        (
            FilterSpec(crossings=("x-dandong-sinuiju", "x-tumen-namyang")),
            9,
            23,
            "Showing 9 of 23 features: all dates, crossings Dandong–Sinuiju and Tumen–Namyang",
        ),
        (
            FilterSpec(crossings=("x-dandong-sinuiju", "x-tumen-namyang", "x-changbai-hyesan")),
            12,
            23,
            "Showing 12 of 23 features: all dates, crossings Dandong–Sinuiju, Tumen–Namyang and Changbai–Hyesan",
        ),
        (
            FilterSpec(crossings=("x-unnamed",)),
            1,
            23,
            "Showing 1 of 23 features: all dates, crossing x-unnamed",
        ),
        (
            FilterSpec(date(2023, 8, 1), date(2023, 12, 31), kinds=("repatriation", "arrest")),
            5,
            39,
            "Showing 5 of 39 features: 1 Aug – 31 Dec 2023, kinds repatriation and arrest",
        ),
        (
            FilterSpec(kinds=("route_leg",), min_confidence="confirmed"),
            2,
            23,
            "Showing 2 of 23 features: all dates, kinds route leg, confidence at least confirmed",
        ),
        (
            FilterSpec(date(2020, 1, 1), None, min_confidence="inferred"),
            20,
            23,
            "Showing 20 of 23 features: from 1 Jan 2020, confidence at least inferred",
        ),
        (
            FilterSpec(),
            120027,
            1000000,
            "Showing 120,027 of 1,000,000 features: all dates",
        ),
    ],
)
def test_describe_gives_one_exact_sentence(spec, shown, total, sentence):
    assert describe(spec, shown, total, crossing_names=NAMES) == sentence


def test_describe_view_names_crossings_and_kinds_and_counts_every_feature(layers):
    spec = FilterSpec(crossings=("x-b",), kinds=("repatriation",))
    shown = count_features(apply_filters(layers, spec))
    assert describe_view(spec, shown, layers) == (
        f"Showing {shown} of 21 features: all dates, crossing Bravo–Baker, kinds Forced repatriation"
    )
    assert describe_view(spec, shown, layers, escape=lambda name: f"<{name}>").endswith(
        "crossing <Bravo–Baker>, kinds Forced repatriation"
    )


def test_describe_uses_kind_labels_when_given():
    spec = FilterSpec(kinds=("repatriation", "statement"))
    labels = {"repatriation": "forced repatriations", "statement": "statements"}
    assert describe(spec, 3, 4, kind_labels=labels) == (
        "Showing 3 of 4 features: all dates, kinds forced repatriations and statements"
    )


@pytest.mark.parametrize(
    ("date_from", "date_to", "text"),
    [
        (None, None, "all dates"),
        (date(2023, 10, 9), date(2023, 10, 9), "9 Oct 2023"),
        (date(2023, 10, 1), date(2023, 10, 31), "1–31 Oct 2023"),
        (date(2024, 2, 1), date(2024, 2, 29), "1–29 Feb 2024"),
        (date(2023, 8, 1), date(2023, 12, 31), "1 Aug – 31 Dec 2023"),
        (date(2023, 12, 31), date(2024, 1, 1), "31 Dec 2023 – 1 Jan 2024"),
        (date(2020, 1, 1), date(2023, 10, 9), "1 Jan 2020 – 9 Oct 2023"),
        (date(2020, 1, 1), None, "from 1 Jan 2020"),
        (None, date(2023, 10, 9), "until 9 Oct 2023"),
        (date(1986, 1, 1), date(2025, 10, 15), "1 Jan 1986 – 15 Oct 2025"),
    ],
)
def test_format_range(date_from, date_to, text):
    assert format_range(date_from, date_to) == text


def test_data_span_runs_from_the_first_to_the_last_dated_day(layers):
    assert data_span(layers) == (date(2003, 1, 1), date(2024, 1, 31))


@pytest.mark.parametrize(
    ("today", "all_dates"),
    [
        (date(2025, 6, 1), (date(2003, 1, 1), date(2025, 6, 1))),
        # A dataset reaching past today (a scheduled event) keeps its own last day.
        (date(2023, 12, 1), (date(2003, 1, 1), date(2024, 1, 31))),
    ],
)
def test_date_presets(layers, today, all_dates):
    presets = date_presets(today, data_span(layers))
    assert presets == {
        "9 Oct 2023": DAY_9,
        "Aug–Dec 2023": (date(2023, 8, 1), date(2023, 12, 31)),
        "2020 to now": (date(2020, 1, 1), today),
        "All dates": all_dates,
    }
    for date_from, date_to in presets.values():
        FilterSpec(date_from, date_to)  # every preset is a valid range


URL_NAMES = {"x-tumen-namyang": "Tumen–Namyang (Onsong County)", "x-dandong-sinuiju": "Dandong–Sinuiju"}


def test_url_values_resolve_to_ids_and_old_name_links_still_work() -> None:
    values = ["x-dandong-sinuiju", "tumen–namyang  (onsong county)", "Nowhere", "x-dandong-sinuiju"]
    assert resolve_choices(values, URL_NAMES) == (["x-dandong-sinuiju", "x-tumen-namyang"], ["Nowhere"])
    assert resolve_choices([], URL_NAMES) == ([], [])


def test_the_view_query_is_ids_and_iso_dates_and_omits_defaults() -> None:
    spec = FilterSpec(date(2023, 8, 1), date(2023, 12, 31), crossings=("x-tumen-namyang",), min_confidence="confirmed")
    assert view_query(spec) == "dates=2023-08-01&dates=2023-12-31&crossing=x-tumen-namyang&confidence=confirmed"
    assert view_query(FilterSpec()) == ""
    assert view_query(FilterSpec(kinds=("crossing", "route_leg"))) == "kind=crossing&kind=route_leg"


def test_the_on_map_sentence_says_what_has_no_place() -> None:
    assert describe_on_map(67, 34) == (
        "34 of them on the map; the other 33 have no place to draw "
        "(events known by date only: see the Timeline and the Data page)."
    )
    assert describe_on_map(35, 34).startswith("34 of them on the map; the other 1 has no place")
    assert describe_on_map(5, 5) == "All of them are on the map."
    assert describe_on_map(0, 0) == ""


def test_a_place_there_only_as_a_legs_end_point_is_named(layers) -> None:
    spec = FilterSpec(date(2023, 10, 9), date(2023, 10, 9))
    shown = apply_filters(layers, spec)
    found = endpoint_only(shown, spec)
    # dc-a is dated 2003–2016: it is shown only because a 9 Oct leg starts there.
    assert "dc-a" in {fid for fid, _ in found}
    assert all(fid not in {"x-a"} for fid, _ in found)
    assert describe_endpoint_only([("dc-a", "Camp A")]) == (
        "Camp A is here only as the end of a leg in the range: its own dates fall outside it."
    )
    assert describe_endpoint_only([]) == ""
