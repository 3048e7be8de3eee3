"""The Sources page's table, computed in geo.sources: who cites each source, and the search over it."""

from __future__ import annotations

from geo.io import load_dataset
from geo.sources import cited_by, search_sources, sources_table


def test_cited_by_counts_every_citing_column_and_keeps_events_apart(make_feature, to_gdf):
    layers = {
        "crossings": to_gdf([make_feature("crossings", id="x-1", source_ids=["S1"], count_source_ids=["S2"])]),
        "routes": to_gdf([make_feature("routes", id="leg-1", source_ids=["S1", "S1"])]),
        "events": to_gdf(
            [
                make_feature("events", id="ev-2", source_ids=["S2"]),
                make_feature("events", id="ev-1", source_ids="S2;S3"),  # flat formats join ids with ';'
            ]
        ),
    }
    assert cited_by(layers) == {
        "S1": {"features": ["leg-1", "x-1"], "events": []},
        "S2": {"features": ["x-1"], "events": ["ev-1", "ev-2"]},
        "S3": {"features": [], "events": ["ev-1"]},
    }


def test_sources_table_lists_every_source_once_with_who_cites_it(make_feature, make_data_dir):
    data_dir = make_data_dir({"events": [make_feature("events", id="ev-1", source_ids=["S2"])]})
    dataset = load_dataset(data_dir)
    assert dataset.rejected.empty, dataset.rejected.to_dict("records")
    table = sources_table(dataset).set_index("Id")
    assert list(table.index) == ["S1", "S2", "S3"]
    assert table.loc["S1", "Cited by features"] == "dc-test, leg-test, rf-test, rr-test, x-test"  # the factory features
    assert table.loc["S1", "Cited by events"] == "—"
    assert table.loc["S2", "Cited by events"] == "ev-1"
    assert table.loc["S3", "Cited by features"] == "—" and table.loc["S3", "Cited by events"] == "—"
    assert table.loc["S1", "Published"] == "12 Oct 2023" and table.loc["S2", "Published"] == "Dec 2023"
    assert bool(table.loc["S3", "Mirror or repost"]) and not bool(table.loc["S1", "Mirror or repost"])
    assert table.loc["S1", "Link"] == "https://example.org/one"


def test_search_finds_an_outlet_or_a_citing_feature_ignoring_case():
    table = sources_table(load_dataset())
    assert search_sources(table, "  ") is table
    by_feature = search_sources(table, "X-TUMEN-NAMYANG")
    assert len(by_feature) and all("x-tumen-namyang" in row for row in by_feature["Cited by features"])
    assert search_sources(table, "no such outlet anywhere").empty
