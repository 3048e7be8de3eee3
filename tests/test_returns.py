"""geo.returns: the people reported returned over time. Only sourced counts are counted, a range stays a
range, an unknown top stays unknown, and claims, named people and people held are never summed."""

from __future__ import annotations

import json
from datetime import date

import pytest

from geo.charts import cumulative_chart
from geo.io import load_dataset
from geo.returns import cumulative_returned, cumulative_table

DOMAIN = (date(2020, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def test_a_count_without_a_source_is_not_counted(events):
    gdf = events(
        {"count_low": 80, "count_high": 80, "count_of": "returned", "count_source_ids": ["S1"]},
        {"date_start": "2023-11-01", "date_end": "2023-11-01", "count_low": 900, "count_high": 900,
         "count_of": "returned", "count_source_ids": []},
    )  # fmt: skip
    series = cumulative_returned(gdf)
    assert [s.event_id for s in series.steps] == ["ev-0"]
    assert series.steps[-1].total_low == 80
    assert [(e.event_id, e.reason) for e in series.excluded] == [("ev-1", "not counted: the number has no source")]


def test_ranges_stay_ranges_and_an_unknown_top_stays_unknown(events):
    gdf = events(
        {"date_start": "2023-10-09", "date_end": "2023-10-09", "count_low": 500, "count_high": 600,
         "count_of": "returned", "count_source_ids": ["S1"]},
        {"date_start": "2021-07-14", "date_end": "2021-07-14", "count_low": 50, "count_high": 50,
         "count_of": "returned", "count_source_ids": ["S2"]},
        {"date_start": "2024-04-26", "date_end": "2024-04-26", "count_low": 50, "count_high": None,
         "count_of": "returned", "count_source_ids": ["S2", "S3"]},
        {"date_start": "2024-09-01", "date_end": "2024-09-01", "count_low": 10, "count_high": 20,
         "count_of": "returned", "count_source_ids": ["S3"]},
    )  # fmt: skip
    steps = cumulative_returned(gdf).steps
    assert [s.day for s in steps] == [date(2021, 7, 14), date(2023, 10, 9), date(2024, 4, 26), date(2024, 9, 1)]
    assert [(s.total_low, s.total_high) for s in steps] == [(50, 50), (550, 650), (600, None), (610, None)]
    assert [s.total_label for s in steps] == ["about 50", "550–650", "at least 600", "at least 610"]
    assert steps[1].added_label == "500–600"  # never averaged to 550
    assert steps[2].source_ids == ("S2", "S3")
    assert cumulative_returned(gdf).high_unknown_from == steps[2]


def test_a_missing_low_bound_adds_nothing_to_the_low_total(events):
    gdf = events(
        {"count_low": None, "count_high": 600, "count_of": "returned", "count_source_ids": ["S1"]},
    )
    (step,) = cumulative_returned(gdf).steps
    assert (step.added_label, step.total_low, step.total_high) == ("up to 600", 0, 600)


def test_claims_named_people_and_people_held_are_not_summed(events):
    gdf = events(
        {"count_low": 500, "count_high": 600, "count_of": "returned", "count_source_ids": ["S1"]},
        {"kind": "statement", "count_low": 600, "count_high": 600, "count_of": "returned_claim",
         "count_source_ids": ["S2"]},
        {"count_low": 1, "count_high": 1, "count_of": "named_person", "count_source_ids": ["S2"]},
        {"kind": "report", "count_low": 1000, "count_high": 1000, "count_of": "held", "count_source_ids": ["S2"]},
        {"kind": "report", "date_start": "2025-10-15", "date_end": "2025-10-15", "count_low": 1076,
         "count_high": None, "count_of": "returned_total_since_2020", "count_source_ids": ["S3"]},
    )  # fmt: skip
    series = cumulative_returned(gdf)
    assert [s.event_id for s in series.steps] == ["ev-0"]
    assert (series.steps[-1].total_low, series.steps[-1].total_high) == (500, 600)
    reasons = {e.event_id: e.reason for e in series.excluded}
    assert reasons["ev-1"].startswith("not summed: a statement about a total")
    assert reasons["ev-2"].startswith("not summed: one named person")
    assert "ev-3" not in reasons  # held by a report: not a return at all, not listed
    (check,) = series.checkpoints  # a stated cumulative total is a reference point, never added
    assert (check.event_id, check.low, check.high, check.label, check.source_ids) == (
        "ev-4",
        1076,
        None,
        "at least 1,076",
        ("S3",),
    )


def test_the_bundled_series_and_its_sources(dataset):
    series = cumulative_returned(dataset.layers["events"])
    assert [s.event_id for s in series.steps] == [
        "ev-2021-07-14-dandong",
        "ev-2023-08-29-begins",
        "ev-2023-09-18",
        "ev-2023-10-09-mass",
        "ev-2024-04-26",
    ]
    assert [s.total_label for s in series.steps] == ["about 50", "about 130", "about 170", "670–770", "at least 720"]
    assert [c.event_id for c in series.checkpoints] == ["ev-2025-10-15-hrw"]
    known = set(dataset.sources["id"])
    for item in [*series.steps, *series.checkpoints]:
        assert item.source_ids and set(item.source_ids) <= known
    table = cumulative_table(series, dataset.sources)
    assert table["Running total (low–high)"].iloc[-1] == "at least 720 (top unknown)"


def test_the_cumulative_chart_says_where_the_top_becomes_unknown(dataset):
    series = cumulative_returned(dataset.layers["events"])
    spec = json.dumps(cumulative_chart(series, dataset.sources, DOMAIN).to_dict(), ensure_ascii=False)
    assert "top of the range unknown from 26 Apr 2024" in spec
    assert "at least 1,076 since 2020 (stated total)" in spec
    assert "S92 (" in spec  # the checkpoint's source, with its outlet
