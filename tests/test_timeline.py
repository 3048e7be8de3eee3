"""geo.timeline, geo.charts and geo.replay: month bins, event spans, the charts and the brush, and the
stages of the 9 October 2023 replay and of the monthly playback (the running total: test_returns.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest

from geo.charts import (
    BRUSH,
    StripMarks,
    dates_from_brush,
    events_chart,
    strip_chart,
    strip_marks,
    vega_lite_spec,
    weekly_counts,
    with_band,
)
from geo.io import load_dataset
from geo.replay import build_replay_map, monthly_stages, replay_payload, replay_stages
from geo.timeline import MonthBin, bin_events, count_phrase, event_spans, events_table, month_bins, timeline_domain

DOMAIN = (date(2020, 1, 1), date(2025, 12, 31))


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def _ms(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp() * 1000


# ---------------------------------------------------------------- months


def test_month_bins_cover_whole_months_across_a_leap_year_end():
    bins = month_bins(date(2023, 12, 15), date(2024, 2, 3))
    assert [b.key for b in bins] == ["2023-12", "2024-01", "2024-02"]
    assert bins[0] == MonthBin(date(2023, 12, 1), date(2023, 12, 31))
    assert bins[-1].end == date(2024, 2, 29)
    assert [b.label for b in bins] == ["Dec 2023", "Jan 2024", "Feb 2024"]


def test_month_bins_2020_to_2025_are_72_months():
    bins = month_bins(*DOMAIN)
    assert len(bins) == 72
    assert (bins[0].key, bins[-1].key) == ("2020-01", "2025-12")


def test_month_bins_refuse_a_reversed_range():
    with pytest.raises(ValueError, match="before start"):
        month_bins(date(2024, 1, 1), date(2023, 1, 1))


def test_bin_events_by_precision(events):
    gdf = events(
        {"date_start": "2023-10-09", "date_end": "2023-10-09", "date_precision": "day"},
        {"date_start": "2023-08", "date_end": "2023-08", "date_precision": "month"},
        {"date_start": "2020-02", "date_end": "2020-03", "date_precision": "month"},
        {"date_start": "2024", "date_end": "2024", "date_precision": "year"},
        {"date_start": "", "date_end": "", "date_precision": ""},
    )
    binned = bin_events(gdf, month_bins(*DOMAIN))
    where = {fid: [k for k, ids in binned.items() if fid in ids] for fid in gdf["id"]}
    assert where["ev-0"] == ["2023-10"]
    assert where["ev-1"] == ["2023-08"]  # a month-precision date is that month, not its first day only
    assert where["ev-2"] == ["2020-02", "2020-03"]
    assert where["ev-3"] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert where["ev-4"] == []  # undated: in no month


def test_timeline_domain_is_2020_to_2025_or_later(events, dataset):
    assert timeline_domain(dataset.layers["events"]) == DOMAIN
    later = events({"date_start": "2027-03", "date_end": "2027-03", "date_precision": "month"})
    assert timeline_domain(later) == (date(2020, 1, 1), date(2027, 12, 31))


# ---------------------------------------------------------------- spans


def test_month_and_year_dates_are_spans_not_false_days(events, source_rows):
    gdf = events(
        {"date_start": "2023-08", "date_end": "2023-08", "date_precision": "month"},
        {"date_start": "2024", "date_end": "2024", "date_precision": "year"},
        {"date_start": "2023-10-09", "date_end": "2023-10-09", "date_precision": "day"},
        {"date_start": "2023-08-26", "date_end": "2023-08-27", "date_precision": "day"},
        {"date_start": "2023-09-01", "date_end": "2023-10-30", "date_precision": "day"},
        {"date_start": "", "date_end": "", "date_precision": ""},
    )
    spans = event_spans(gdf, pd.DataFrame(source_rows)).set_index("id")
    assert len(spans) == 5  # the undated event has no place on the axis
    month = spans.loc["ev-0"]
    assert (month["mark"], month["start"], month["end"]) == ("span", "2023-08-01", "2023-09-01")
    assert month["dates"] == "Aug 2023"
    year = spans.loc["ev-1"]
    assert (year["mark"], year["start"], year["end"]) == ("span", "2024-01-01", "2025-01-01")
    day = spans.loc["ev-2"]
    assert (day["mark"], day["start"], day["end"]) == ("point", "2023-10-09", "2023-10-10")
    assert spans.loc["ev-3", "mark"] == "point"  # two known days: a dot, and the tooltip says both days
    assert spans.loc["ev-3", "dates"] == "26 Aug 2023 – 27 Aug 2023"
    assert spans.loc["ev-4", "mark"] == "span"  # weeks long: drawn over its whole length


def test_spans_carry_sources_with_outlets_and_numbers_as_ranges(events, source_rows):
    gdf = events(
        {"count_low": 500, "count_high": 600, "count_of": "returned", "count_source_ids": ["S1", "S2"]},
        {"count_low": None, "count_high": None, "source_ids": ["S3"]},
    )
    spans = event_spans(gdf, pd.DataFrame(source_rows)).set_index("id")
    assert spans.loc["ev-0", "people"] == "500–600 people returned"
    assert spans.loc["ev-0", "count_sources"] == "S1 (Outlet One); S2 (Outlet Two)"
    assert spans.loc["ev-1", "people"] == "no number reported"
    assert spans.loc["ev-1", "sources"] == "S3 (Outlet Three (repost))"


def test_overlapping_events_of_a_kind_get_separate_lanes(events, source_rows):
    gdf = events(
        {"kind": "statement", "date_start": "2023-10-12", "date_end": "2023-10-12"},
        {"kind": "statement", "date_start": "2023-10-13", "date_end": "2023-10-13"},
        {"kind": "report", "date_start": "2023-10-13", "date_end": "2023-10-13"},
        {"kind": "statement", "date_start": "2024-06-01", "date_end": "2024-06-01"},
    )
    lanes = event_spans(gdf, pd.DataFrame(source_rows)).set_index("id")["lane"]
    assert lanes["ev-0"] != lanes["ev-1"]
    assert lanes["ev-2"] == 0 and lanes["ev-3"] == 0


def test_count_phrase_never_says_zero_for_unknown():
    assert count_phrase(None, None, "returned") == "unknown"
    assert count_phrase(50, None, "returned") == "at least 50 people returned"
    assert count_phrase(None, 600, "returned_claim") == "up to 600 people returned (a statement of the total)"
    assert count_phrase(1, 1, "named_person") == "one named person"


def test_events_table_lists_every_event_with_its_sources(dataset):
    table = events_table(dataset.layers["events"], dataset.sources)
    assert len(table) == len(dataset.layers["events"])
    row = table.set_index("Id").loc["ev-2023-10-09-mass"]
    assert row["People"] == "500–600 people returned"
    assert "S1 (NBC News)" in row["Sources"]
    assert table["Id"].iloc[0] == "ev-1986-protocol"  # oldest first


# ---------------------------------------------------------------- charts and the brush


def test_events_chart_has_an_interval_brush_on_x(dataset):
    spans = event_spans(dataset.layers["events"], dataset.sources)
    spec = events_chart(spans, DOMAIN, (date(2023, 10, 1), date(2023, 10, 31))).to_dict()
    (param,) = [p for p in spec["params"] if p["name"] == BRUSH]
    assert (param["select"]["type"], param["select"]["encodings"]) == ("interval", ["x"])
    assert spec["layer"][0]["data"]["values"] == [{"start": "2023-10-01", "end": "2023-11-01"}]
    plain = events_chart(spans, DOMAIN, brush=False).to_dict()
    assert "params" not in plain


def test_strip_chart_clips_the_current_range_to_the_axis(dataset):
    spans = event_spans(dataset.layers["events"], dataset.sources)
    spec = strip_chart(spans, DOMAIN, (date(1986, 1, 1), date(2030, 1, 1))).to_dict()
    assert spec["layer"][0]["data"]["values"] == [{"start": "2020-01-01", "end": "2026-01-01"}]


def _spans_on(days: list[date], kinds: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"start_day": days, "last_day": days, "kind_label": kinds})


def test_weekly_counts_group_events_by_the_monday_of_their_first_day_and_kind():
    days = [date(2023, 10, 9), date(2023, 10, 15), date(2023, 10, 16), date(2023, 10, 9), date(2023, 10, 11)]
    kinds = ["Repatriation", "Repatriation", "Repatriation", "Arrest", "Arrest"]
    counts = weekly_counts(_spans_on(days, kinds))
    rows = counts[["start", "end", "kind_label", "events"]].to_dict("records")
    assert rows == [
        {"start": "2023-10-09", "end": "2023-10-16", "kind_label": "Arrest", "events": 2},
        {"start": "2023-10-09", "end": "2023-10-16", "kind_label": "Repatriation", "events": 2},
        {"start": "2023-10-16", "end": "2023-10-23", "kind_label": "Repatriation", "events": 1},
    ]
    assert counts["events"].sum() == len(days)  # every event counted once
    assert counts["week"].iloc[0] == "week of 9 Oct 2023"


def test_the_strip_keeps_a_tick_per_event_up_to_the_limit_and_counts_weeks_above_it(dataset):
    spans = event_spans(dataset.layers["events"], dataset.sources)
    few = strip_marks(spans, limit=len(spans))
    assert not few.weekly and list(few.rows["id"]) == list(spans["id"])
    many = strip_marks(spans, limit=len(spans) - 1)
    assert many.weekly and many.rows["events"].sum() == len(spans)
    spec = strip_chart(many, DOMAIN, (date(2023, 10, 1), date(2023, 10, 31))).to_dict()
    assert spec["layer"][0]["data"]["values"] == [{"start": "2023-10-01", "end": "2023-11-01"}]
    assert spec["layer"][1]["mark"]["type"] == "bar"
    assert spec["layer"][1]["encoding"]["y"]["aggregate"] == "sum"


@pytest.mark.parametrize("weekly", [False, True])
def test_moving_the_with_band_gives_the_document_of_the_strip_built_for_that_range(dataset, weekly):
    spans = event_spans(dataset.layers["events"], dataset.sources)
    marks = strip_marks(spans, limit=len(spans) - 1 if weekly else len(spans))
    base = vega_lite_spec(strip_chart(marks, DOMAIN, (None, None)))
    kept = json.dumps(base)
    ranges = [
        (date(2023, 10, 9), date(2023, 10, 9)),
        (date(2021, 3, 1), None),
        (None, date(2022, 6, 30)),
        (date(1986, 1, 1), date(2030, 1, 1)),
        (date(2027, 1, 1), date(2028, 1, 1)),  # beyond the axis: no band
        (None, None),
    ]
    for current in ranges:
        assert with_band(base, current, DOMAIN) == vega_lite_spec(strip_chart(marks, DOMAIN, current)), current
    assert json.dumps(base) == kept  # the per-version document is shared: never modified


def _named_views(document: dict) -> str:
    """The document as JSON with events_chart's hashed view name as Streamlit sends it (a counter)."""
    return re.sub(r'"view_[0-9a-f]+(?:_[0-9]+)?"', '"view_1"', json.dumps(document))


def test_moving_the_events_chart_band_gives_the_chart_built_for_that_range(dataset):
    spans = event_spans(dataset.layers["events"], dataset.sources)
    base = vega_lite_spec(events_chart(spans, DOMAIN, (None, None)))
    for current in [(date(2023, 10, 1), date(2023, 10, 31)), (None, date(2021, 1, 1)), (date(2027, 1, 1), None)]:
        moved = with_band(base, current, DOMAIN)
        assert _named_views(moved) == _named_views(vega_lite_spec(events_chart(spans, DOMAIN, current))), current


def test_weekly_counts_of_no_events_is_an_empty_table():
    empty = strip_marks(_spans_on([], []), limit=-1)
    assert isinstance(empty, StripMarks) and empty.weekly and empty.rows.empty


LIMITS = (date(1980, 1, 1), date(2026, 12, 31))


def test_brush_milliseconds_become_days():
    selection = {"start": [_ms(date(2023, 10, 1)), _ms(date(2023, 10, 31))]}
    assert dates_from_brush(selection, LIMITS) == (date(2023, 10, 1), date(2023, 10, 31))


def test_brush_accepts_iso_strings_and_reversed_ends():
    assert dates_from_brush({"start": ["2024-03-05", "2023-12-01"]}, LIMITS) == (date(2023, 12, 1), date(2024, 3, 5))


def test_brush_is_clamped_to_the_widget_limits():
    selection = {"start": [_ms(date(2025, 6, 1)), _ms(date(2027, 2, 1))]}
    assert dates_from_brush(selection, LIMITS) == (date(2025, 6, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    "selection",
    [None, {}, {"start": []}, {"start": [1]}, {"start": ["soon", "later"]}, {"start": [True, False]}, [1, 2]],
)
def test_an_empty_or_malformed_brush_changes_nothing(selection):
    assert dates_from_brush(selection, LIMITS) is None


# ---------------------------------------------------------------- the replay of 9 October 2023


def test_replay_has_the_four_stages_in_order(dataset):
    stages = replay_stages(dataset)
    assert [s["id"] for s in stages] == ["detention-centres", "convoys", "crossings", "handover"]
    assert [(s["number"], s["of"]) for s in stages] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    routes = dataset.layers["routes"]
    origin = routes[routes["leg"] == "origin"]
    handover = routes[routes["leg"] == "handover"]
    crossings = dataset.layers["crossings"]
    used = set(crossings[crossings["used_2023_10_09"] == True]["id"])  # noqa: E712
    assert set(stages[0]["feature_ids"]) == set(origin["from_id"])
    assert set(stages[1]["feature_ids"]) == set(origin["id"])
    assert set(stages[2]["feature_ids"]) == used and len(used) == 5
    assert set(stages[3]["feature_ids"]) == set(handover["id"]) | set(handover["to_id"])


def test_each_replay_stage_keeps_what_came_before(dataset):
    drawn: list[str] = []
    for stage in replay_stages(dataset):
        drawn += stage["feature_ids"]
        assert stage["drawn_ids"] == drawn


def test_every_replay_stage_cites_sources_that_resolve(dataset):
    known = set(dataset.sources["id"])
    for stage in replay_stages(dataset):
        assert stage["source_ids"], stage["id"]
        assert set(stage["source_ids"]) <= known
        for line in stage["lines"]:
            if line["evidence"] in ("reported", "inferred"):
                assert line["source_ids"] and set(line["source_ids"]) <= known, line["text"]


def test_replay_captions_say_what_is_reported_and_what_is_inferred(dataset):
    stages = {s["id"]: s for s in replay_stages(dataset)}
    routes = dataset.layers["routes"].set_index("id")
    convoy = {line["text"]: line["evidence"] for line in stages["convoys"]["lines"]}
    baishan = routes.loc["leg-baishan-nanping"]
    # The reported leg is told in its own reported words; the inferred ones with their reasoning.
    assert convoy[f"{baishan['name_en']}: {baishan['reported']}"] == "reported"
    inferred = [text for text, evidence in convoy.items() if evidence == "inferred"]
    assert len(inferred) == int((routes["evidence"] == "inferred").sum())
    assert all("Schematic:" not in text and ": Inferred:" not in text for text in inferred)
    crossings = "\n".join(line["text"] for line in stages["crossings"]["lines"])
    assert "In total: 500–600 people, through 5 crossings." in crossings
    assert (
        "Dandong–Sinuiju: crossing used: confirmed · 60–200: estimates conflict: 60 (Asia Economy); "
        "200 (Korea JoongAng Daily)." in crossings
    )
    assert "Tumen–Namyang (Onsong County): crossing used: confirmed · about 300: single source (The Economist)." in (
        crossings
    )
    assert "Changbai–Hyesan: crossing used: confirmed · unknown — no source gives a number" in crossings
    gaps = [line for line in stages["handover"]["lines"] if line["evidence"] == "not reported"]
    assert {line["text"].split(":")[0] for line in gaps} == {"Nanping (Helong)–Musan", "Hunchun–Kyongwon"}


def test_replay_captions_come_from_the_data(make_data_dir, make_feature):
    text = "Detainees were seen boarding buses here (test wording)."
    data_dir = make_data_dir(
        {
            "routes": [make_feature("routes", reported=text, source_ids=["S2"])],
            "events": [
                make_feature(
                    "events",
                    count_low=5,
                    count_high=7,
                    count_of="returned",
                    count_source_ids=["S1"],
                    crossing_ids=["x-test"],
                    reported="Buses left in the evening. More detail.",
                )
            ],
        }
    )
    stages = replay_stages(load_dataset(data_dir))
    convoy = [line["text"] for line in stages[1]["lines"]]
    assert convoy == ["Buses left in the evening.", f"Test leg: {text}"]
    assert stages[2]["lines"][0]["text"].startswith("In total: 5–7 people, through 1 crossing.")
    assert stages[0]["feature_ids"] == ["dc-test"]


# ---------------------------------------------------------------- playback over the years


def test_monthly_playback_lights_crossings_only_with_sourced_numbers(dataset):
    stages = {s["id"]: s for s in monthly_stages(dataset)}
    assert len(stages) == 72
    october = stages["2023-10"]
    labels = {fid: p["count_label"] for fid, p in october["props"].items() if p["count_label"]}
    assert labels == {
        "x-dandong-sinuiju": "Oct 2023: 60–200",
        "x-tumen-namyang": "Oct 2023: about 300",
        "x-changbai-hyesan": "Oct 2023: unknown",
        "x-nanping-musan": "Oct 2023: unknown",
        "x-hunchun-kyongwon": "Oct 2023: unknown",
    }
    july = stages["2021-07"]
    assert {fid: p["count_label"] for fid, p in july["props"].items() if p["count_label"]} == {
        "x-dandong-sinuiju": "Jul 2021: about 50"
    }
    assert ["S24", "S33"] in [line["source_ids"] for line in july["lines"]]
    quiet = stages["2022-05"]
    assert quiet["feature_ids"] == [] and not quiet["has_events"]
    assert all(p["count_label"] == "" for p in quiet["props"].values())


def test_no_number_without_a_source_in_the_playback(dataset):
    known = set(dataset.sources["id"])
    for stage in monthly_stages(dataset):
        for line in stage["lines"]:
            if re.search(r"\d+ (people|named|voluntary)|\d+–\d+|about \d|at least \d", line["text"]):
                assert line["source_ids"] and set(line["source_ids"]) <= known, line["text"]
        crossing_lines = {line["text"].split(":")[0]: line for line in stage["lines"] if ": " in line["text"]}
        for fid, props in stage["props"].items():
            if re.search(r"\d+", props["count_label"].split(":", 1)[-1]):
                name = dataset.layers["crossings"].set_index("id").loc[fid, "name_en"]
                assert crossing_lines[name]["source_ids"], (stage["id"], fid)


# ---------------------------------------------------------------- payload and map


@pytest.mark.parametrize("set_id", ["oct9", "months"])
def test_replay_payload_has_every_drawn_feature_and_cited_source(dataset, set_id):
    payload = replay_payload(dataset, set_id)
    drawn = {fid for stage in payload["stages"] for fid in stage["drawn_ids"]}
    assert drawn == set(payload["features"])
    for entry in payload["features"].values():
        assert entry["layer"] in ("routes", "events", "receiving_facilities", "detention_centres", "crossings")
        assert entry["feature"]["geometry"]["type"] in ("Point", "LineString")
    cited = {sid for stage in payload["stages"] for sid in stage["source_ids"]}
    assert set(payload["sources"]) == cited
    assert all(payload["sources"].values())  # every cited id has its outlet


def test_replay_payload_rejects_an_unknown_set(dataset):
    with pytest.raises(ValueError, match="unknown replay"):
        replay_payload(dataset, "nope")


def test_replay_map_loads_replay_js_and_escapes_data(make_data_dir, make_feature):
    hostile = "</script><img src=x onerror=alert(1)>`${x}`"
    data_dir = make_data_dir({"detention_centres": [make_feature("detention_centres", name_en=hostile)]})
    dataset = load_dataset(data_dir)
    fmap = build_replay_map('{"region": [119.5, 38.0, 131.5, 44.5]}', replay_payload(dataset, "oct9"))
    assert ("crossings_replay", "/app/static/crossings/replay.js") in fmap.default_js
    html = fmap.get_root().render()
    assert '"fadeAnimation": false' in html  # labels of an earlier stage leave at once
    assert "CrossingsReplay.mount(" in html
    assert "<img src=x" not in html and "</script><img" not in html
