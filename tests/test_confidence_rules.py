"""The one definition of "confirmed", a count's own confidence, and caption numbers: each rule rejects a bad row.

Confirmed = two or more independent outlets (a repost or mirror of the same article counts once), or a primary
document (a UN, court or government text) marked as such in sources.csv. `python -m geo validate` enforces it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from geo.__main__ import validation_report
from geo.details import feature_details
from geo.export import export_table
from geo.io import PROJECT_ROOT, load_dataset
from geo.scenes import caption_number_problems, caption_numbers, load_scenes
from geo.schema import (
    CONFIDENCE_LABELS,
    CONFIRMED_DEFINITION,
    SourceIndex,
    confidence_rule_problems,
    parse_count_estimates,
    sources_table_problems,
)
from geo.table import feature_table
from geo.text import count_confidence_phrase, publisher_names

SOURCES = pd.DataFrame(
    [
        {"id": "A1", "outlet": "Agency (via a blog)", "publisher": "Agency", "primary": "false", "mirror_of": ""},
        {"id": "A2", "outlet": "Agency, second report", "publisher": "Agency", "primary": "false", "mirror_of": ""},
        {"id": "B1", "outlet": "Paper B", "publisher": "Paper B", "primary": "false", "mirror_of": ""},
        {"id": "C1", "outlet": "Rewrite of A1", "publisher": "Rewrite site", "primary": "false", "mirror_of": "A1"},
        {"id": "UN", "outlet": "OHCHR press release", "publisher": "OHCHR", "primary": "true", "mirror_of": ""},
    ]
)
INDEX = SourceIndex.of(SOURCES)


def problems(make_feature, to_gdf, **overrides) -> list[tuple[str, str]]:
    gdf = to_gdf([make_feature("crossings", **overrides)])
    rejected = confidence_rule_problems(gdf, "crossings", INDEX)
    return list(zip(rejected["field"], rejected["reason"], strict=True))


# ---------------------------------------------------------------- confirmed


@pytest.mark.parametrize(
    ("source_ids", "ok"),
    [
        (["A1", "B1"], True),  # two independent outlets
        (["UN"], True),  # a primary document
        (["A1", "A2"], False),  # two reports of one outlet
        (["A1", "C1"], False),  # a rewrite of the same article counts once
        (["B1"], False),
    ],
)
def test_confirmed_needs_two_independent_outlets_or_a_primary_document(make_feature, to_gdf, source_ids, ok):
    found = problems(make_feature, to_gdf, confidence="confirmed", source_ids=source_ids)
    if ok:
        assert found == []
    else:
        assert [field for field, _ in found] == ["confidence"]
        assert CONFIRMED_DEFINITION in found[0][1] and "label it single-source" in found[0][1]


def test_single_source_is_never_rejected_by_the_rule(make_feature, to_gdf):
    assert problems(make_feature, to_gdf, confidence="single-source", source_ids=["A1", "A2"]) == []


def test_a_confirmed_row_that_fails_the_rule_is_rejected_on_load(make_feature, make_data_dir):
    rows = [
        {"id": "S1", "outlet": "Daily Example", "publisher": "Daily Example", "primary": "false"},
        {"id": "S2", "outlet": "Daily Example (second report)", "publisher": "Daily Example", "primary": "false"},
        {"id": "S3", "outlet": "Other Paper", "publisher": "Other Paper", "primary": "false"},
    ]
    data_dir = make_data_dir(
        {
            "crossings": [
                make_feature("crossings"),
                make_feature("crossings", id="x-one-outlet", confidence="confirmed", source_ids=["S1", "S2"]),
                make_feature("crossings", id="x-two-outlets", confidence="confirmed", source_ids=["S1", "S3"]),
            ]
        },
        sources=rows,
    )
    dataset = load_dataset(data_dir)
    assert set(dataset.rejected["id"]) == {"x-one-outlet"}
    assert "x-one-outlet" not in set(dataset.layers["crossings"]["id"])
    assert "x-two-outlets" in set(dataset.layers["crossings"]["id"])
    assert validation_report(data_dir)["ok"] is False


# ---------------------------------------------------------------- a count's own confidence


def test_a_count_needs_its_own_confidence(make_feature, to_gdf):
    found = problems(
        make_feature, to_gdf, count_low=300, count_high=300, count_source_ids=["B1"], count_confidence=None
    )
    assert found == [("count_confidence", "a count needs its own confidence (count_confidence)")]
    found = problems(make_feature, to_gdf, count_low=3, count_source_ids=["B1"], count_confidence="probable")
    assert found == [("count_confidence", "unknown count confidence 'probable'")]


def test_a_confirmed_count_meets_the_same_definition(make_feature, to_gdf):
    crossing_confirmed = {"confidence": "confirmed", "source_ids": ["A1", "B1"]}
    bad = problems(
        make_feature, to_gdf, **crossing_confirmed, count_low=300, count_source_ids=["A1"], count_confidence="confirmed"
    )
    assert [field for field, _ in bad] == ["count_confidence"]
    good = problems(
        make_feature,
        to_gdf,
        **crossing_confirmed,
        count_low=300,
        count_source_ids=["A1"],
        count_confidence="single-source",
    )
    assert good == []


def test_a_confidence_without_a_count_is_rejected(make_feature, to_gdf):
    found = problems(make_feature, to_gdf, count_confidence="single-source")
    assert [field for field, _ in found] == ["count_confidence"]


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"count_estimates": None}, "count_estimates", "at least two different estimates"),
        ({"count_estimates": "60 A1"}, "count_estimates", "at least two different estimates"),
        ({"count_estimates": "60 A1; 60 B1"}, "count_estimates", "at least two different estimates"),
        ({"count_estimates": "sixty A1; 200 B1"}, "count_estimates", "is not 'N SID'"),
        ({"count_estimates": "60 A1; 200 UN"}, "count_estimates", "UN are not in count_source_ids"),
        ({"count_low": 50}, "count_low", "is not the span of its estimates"),
        ({"count_high": None}, "count_low", "is not the span of its estimates"),
    ],
)
def test_a_conflicting_count_lists_its_estimates_and_spans_them(make_feature, to_gdf, overrides, field, words):
    row = {
        "count_low": 60,
        "count_high": 200,
        "count_source_ids": ["A1", "B1"],
        "count_confidence": "conflicting",
        "count_estimates": "60 A1; 200 B1",
    }
    assert problems(make_feature, to_gdf, **row) == []
    found = problems(make_feature, to_gdf, **{**row, **overrides})
    assert len(found) == 1 and found[0][0] == field and words in found[0][1], found


def test_an_open_estimate_leaves_the_upper_bound_unknown(make_feature, to_gdf):
    row = {"count_low": 50, "count_high": None, "count_source_ids": ["A1", "B1"], "count_confidence": "conflicting"}
    assert problems(make_feature, to_gdf, **row, count_estimates="50-60 A1; 200+ B1") == []
    assert parse_count_estimates("50-60 A1; 200+ B1,C1")[1].source_ids == ("B1", "C1")


def test_estimates_belong_to_a_conflicting_count_only(make_feature, to_gdf):
    found = problems(
        make_feature,
        to_gdf,
        count_low=60,
        count_source_ids=["A1"],
        count_confidence="single-source",
        count_estimates="60 A1; 200 B1",
    )
    assert [field for field, _ in found] == ["count_estimates"]


# ---------------------------------------------------------------- the sources table


def test_the_sources_table_must_carry_the_columns_the_rule_reads():
    assert sources_table_problems(SOURCES) == []
    assert any("'primary' is missing" in p for p in sources_table_problems(SOURCES.drop(columns=["primary"])))
    bad = SOURCES.copy()
    bad.loc[0, "primary"] = "yes"
    bad.loc[1, "mirror_of"] = "A2"
    bad.loc[2, "publisher"] = ""
    found = sources_table_problems(bad)
    assert any("A1: primary must be true or false" in p for p in found)
    assert any("A2: mirror_of 'A2' does not name another source" in p for p in found)
    assert any("B1: publisher is empty" in p for p in found)


# ---------------------------------------------------------------- the bundled data


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset)


def test_the_bundled_data_meet_every_rule(dataset):
    report = validation_report(PROJECT_ROOT / "data")
    assert report["ok"], (report["problems"], report["rejected"])
    index = SourceIndex.of(dataset.sources)
    for layer, gdf in dataset.layers.items():
        for record in gdf.to_dict("records"):
            if record["confidence"] == "confirmed":
                assert index.confirms(record["source_ids"]), (layer, record["id"])


def test_a_count_carries_its_own_confidence_everywhere(dataset):
    names = publisher_names(dataset.sources)
    tumen = dataset.layers["crossings"].set_index("id").loc["x-tumen-namyang"]
    assert tumen["confidence"] == "confirmed"
    assert count_confidence_phrase(tumen, names) == "about 300: single source (The Economist)"
    dandong = dataset.layers["crossings"].set_index("id").loc["x-dandong-sinuiju"]
    assert count_confidence_phrase(dandong, names) == (
        "60–200: estimates conflict: 60 (Asia Economy); 200 (Korea JoongAng Daily)"
    )
    details = feature_details(dataset, "x-tumen-namyang")
    assert details.confidence.startswith("Confirmed") and details.count == "about 300"
    assert details.count_confidence == "about 300: single source (The Economist)"
    assert feature_details(dataset, "x-changbai-hyesan").count_confidence == ""  # unknown has no confidence
    table = feature_table(dataset.layers, dataset.sources).set_index("id")
    assert table.loc["x-tumen-namyang", "Number's confidence"] == "about 300: single source (The Economist)"
    rows = {row["id"]: row for row in export_table(dataset, dataset.layers).rows}
    assert "number about 300: single source (The Economist)" in rows["x-tumen-namyang"]["caveat"]
    assert "estimates conflict" in rows["x-dandong-sinuiju"]["caveat"]


def test_the_wrong_since_then_caption_of_the_audit_fails(dataset, scenes):
    since_then = scenes.get("since-then")
    assert caption_number_problems(dataset, since_then) == []
    wrong = "More than 200 held in Changbai County were sent back on 26 April 2024; HRW counts at least 1,076."
    found = caption_number_problems(dataset, dataclasses.replace(since_then, caption=wrong))
    assert found and "ev-2024-04-26's conflicting count" in found[0] and "50 to more than 200" in found[0]


def test_the_narrow_held_caption_of_the_audit_fails(dataset, scenes):
    held = scenes.get("held")
    assert caption_number_problems(dataset, held) == []
    narrow = "Estimates differ: about 1,000, 475 of them at 'Jangchun Prison', or 1,100–1,500."
    found = caption_number_problems(dataset, dataclasses.replace(held, caption=narrow))
    assert found and "ev-2023-held-estimates" in found[0] and "600 to more than 2,000" in found[0]


def test_a_caption_number_must_be_a_count_in_the_data(dataset, scenes):
    scene = dataclasses.replace(scenes.get("five-crossings"), caption="About 301 crossed at Tumen.")
    assert caption_number_problems(dataset, scene) == ["caption number 301 is not a count in the data"]


def test_caption_numbers_skip_days_and_years():
    text = "On 26 April 2024, 50 to more than 200; 1,076 since 2020; 500–600 on 9 October 2023."
    assert caption_numbers(text) == [50, 200, 1076, 500, 600]


def test_readme_about_and_legends_say_the_same_words():
    readme = re.sub(r"\s+", " ", (PROJECT_ROOT / "README.md").read_text(encoding="utf-8"))
    assert CONFIRMED_DEFINITION in readme
    assert "CONFIRMED_DEFINITION" in (PROJECT_ROOT / "views" / "about.py").read_text(encoding="utf-8")
    label = CONFIDENCE_LABELS["confirmed"]
    # The legend asks the catalogs for the same message id (and so says the same words in every language).
    assert f't("{label}")' in (PROJECT_ROOT / "static" / "crossings" / "map.js").read_text(encoding="utf-8")
    assert 'confidence_label("confirmed")' in (PROJECT_ROOT / "geo" / "figure.py").read_text(encoding="utf-8")


def test_no_code_or_test_reads_a_folder_beside_the_project():
    for folder in ("geo", "tests", "views", "scripts", "bench"):
        for path in (PROJECT_ROOT / folder).rglob("*"):
            if path.suffix in (".py", "") and path.is_file() and path.name != Path(__file__).name:
                text = path.read_text(encoding="utf-8", errors="replace")
                assert '"shared" / "geodata"' not in text and "../shared/geodata" not in text, path
