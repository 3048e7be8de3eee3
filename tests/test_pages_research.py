"""AppTest for the researchers' pages: Data (table, selection, search, downloads), Crossing
profiles, Sources, and the ways between them and the map.

AppTest re-renders only the page's own elements after the first run, so the sidebar is checked
on a first run only.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from geo.filters import FilterSpec, apply_filters, count_features
from geo.io import load_dataset
from geo.table import feature_table

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"
TUMEN = "Tumen–Namyang (Onsong County)"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def start(query: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def goto(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def sentence(at: AppTest) -> str:
    texts = [m.value for m in at.markdown if m.value.startswith("**Showing ")]
    assert len(texts) == 1, texts
    return texts[0].strip("*")


def feature_frame(at: AppTest):
    return next(d.value for d in at.dataframe if "Location precision" in d.value.columns)


# ------------------------------------------------------------------------------- Data page


def test_data_page_shows_the_filtered_features_with_the_filter_sentence(dataset):
    at = goto(start(), "views/data.py")
    assert any(m.value == "## Data" for m in at.markdown)
    total = dataset.total_features()
    assert sentence(at).startswith(f"Showing {total} of {total} features: 1 Jan 1986 – ")
    frame = feature_frame(at)
    # The table lists the undated regular routes too, though the sentence does not count them.
    assert len(frame) == total + len(dataset.layers["regular_routes"])
    assert set(frame[frame["id"].str.startswith("rr-")]["Dates"]) == {"not dated (a usual route, per NKDB)"}
    tumen = frame[frame["id"] == "x-tumen-namyang"].iloc[0]
    assert tumen["People"] == "about 300"
    assert tumen["Korean"] == "도문–남양"
    assert frame[frame["id"] == "x-changbai-hyesan"].iloc[0]["People"] == "unknown"  # never 0
    assert frame[frame["id"] == "leg-tumen-dc-crossing"].iloc[0]["Location precision"].startswith("schematic line")
    assert "S10" in tumen["Sources"]


def test_data_page_follows_the_shared_filter_from_the_url(dataset):
    at = start(query={"crossing": "Dandong–Sinuiju", "dates": ["2023-10-01", "2023-10-31"]})
    goto(at, "views/data.py")
    spec = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), crossings=("x-dandong-sinuiju",))
    expected = apply_filters(dataset.layers, spec)
    assert sentence(at).startswith(f"Showing {count_features(expected)} of {dataset.total_features()} features")
    assert sentence(at).endswith("1–31 Oct 2023, crossing Dandong–Sinuiju")
    assert set(feature_frame(at)["id"]) == set(feature_table(expected)["id"])


def test_data_page_offers_four_formats_and_the_citation():
    at = goto(start(), "views/data.py")
    labels = [b.label for b in at.download_button]
    assert labels == [
        "GeoJSON",
        "GeoPackage",
        "KML",
        "CSV",
        "Citation manifest (text)",
        "Citation manifest (JSON)",
        "Site for readers (zip)",
    ]


def test_table_filter_narrows_the_rows_and_starts_a_fresh_selection():
    at = goto(start(), "views/data.py")
    before = next(d.key for d in at.dataframe if "Location precision" in d.value.columns)
    at.text_input(key="data-table-filter").set_value("inferred schematic").run()
    assert not at.exception
    frame = feature_frame(at)
    assert next(d.key for d in at.dataframe if "Location precision" in d.value.columns) != before
    assert len(frame) >= 1
    assert set(frame["id"]) <= {
        "leg-tumen-dc-crossing",
        "leg-dandong-dc-crossing",
        "leg-changbai-dc-crossing",
        "leg-helong-dc-crossing",
    }
    assert any(c.value.startswith(f"{len(frame)} of ") for c in at.caption)


def test_selecting_a_row_selects_the_feature_and_offers_the_map_and_the_profile():
    at = goto(start(), "views/data.py")
    table = next(d for d in at.dataframe if "Location precision" in d.value.columns)
    assert table.key.startswith("data-table-")
    position = list(table.value["id"]).index("x-tumen-namyang")
    at.session_state[table.key] = {"selection": {"rows": [position], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["feature"] == "x-tumen-namyang"
    assert at.session_state["_focus_feature"] == "x-tumen-namyang"  # the map will move to it
    assert "#### Tumen–Namyang" in markdown(at)
    assert "**People:** about 300" in markdown(at)
    links = [link for link in at.page_link if link.value == "Open the crossing profile"]
    assert links and parse_qs(links[0].proto.query_string) == {"profile": [TUMEN]}
    next(b for b in at.button if b.label == "Open on the map").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "#### Tumen–Namyang" in markdown(at)  # the map page's details panel
    assert any(m.value == "### Forced repatriation of North Koreans from China" for m in at.markdown)


def test_a_selected_detention_centre_has_no_profile_link():
    at = goto(start(state={"feature": "dc-baishan"}), "views/data.py")
    assert "#### Baishan City Detention Centre" in markdown(at)
    assert not [link for link in at.page_link if link.value == "Open the crossing profile"]


def test_place_search_on_the_data_page_finds_aliases_and_opens_the_map():
    at = goto(start(), "views/data.py")
    at.text_input(key="data-place-search").set_value("Domun").run()
    assert not at.exception
    labels = [b.label for b in at.button if b.key and b.key.startswith("data-place-search-hit")]
    assert labels and labels[0].startswith("Tumen")
    assert any("Tumen detention centre" in label for label in labels)
    hit = next(b for b in at.button if b.key and b.key.startswith("data-place-search-hit") and "detention" in b.label)
    hit.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["feature"] == "dc-tumen"
    assert "#### Tumen detention centre\\(s\\)" in markdown(at)  # on the map page now


def test_choosing_a_town_moves_the_map_without_selecting():
    at = goto(start(), "views/data.py")
    at.text_input(key="data-place-search").set_value("Yeongil").run()
    town = next(b for b in at.button if b.key == "data-place-search-hit-0")
    assert town.label.startswith("Yanji")
    town.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_focus_point"] is None  # consumed by the map on this run
    assert "feature" not in at.session_state or not at.session_state["feature"]


def test_no_result_is_said_in_words():
    at = goto(start(), "views/data.py")
    at.text_input(key="data-place-search").set_value("Atlantis").run()
    assert any("No place called" in c.value for c in at.caption)


def test_sidebar_search_on_the_first_run():
    at = start(state={"sidebar-place-search": "图们"})
    labels = [b.label for b in at.sidebar.button if b.key and b.key.startswith("sidebar-place-search-hit")]
    assert labels and labels[0] == "Tumen"


# ------------------------------------------------------------------------------- Crossing profiles


def test_crossing_profile_from_the_url(dataset):
    at = start(query={"profile": TUMEN})
    goto(at, "views/crossing.py")
    text = markdown(at)
    assert f"### {TUMEN}".replace("(", "\\(").replace(")", "\\)") in text
    assert "**about 300**" in text  # the people reported on 9 Oct
    assert "S10" in text  # the source of the number
    names = at.table[0].value
    assert list(names["Korean"]) == ["도문–남양", "도문", "남양 (온성)"]
    assert list(names["Chinese"]) == ["图们–南阳", "图们", "南阳（稳城）"]
    frames = [d.value for d in at.dataframe]
    events = next(f for f in frames if "Event" in f.columns)
    assert "ev-2023-10-09-mass" in set(events["Id"])
    legs = next(f for f in frames if "Leg" in f.columns)
    assert set(legs["To"]) >= {"MSS holding centre, Onsong"}
    assert "inferred (no source states it)" in set(legs["Evidence"])
    assert "**Led to:** MSS holding centre, Onsong" in text


def test_crossing_profile_selectbox_changes_the_profile():
    at = goto(start(), "views/crossing.py")
    box = at.selectbox(key="profile")
    assert box.value == "x-changbai-hyesan"  # the first of the five crossings of 9 Oct, by name
    box.set_value("x-jian-manpo").run()
    assert not at.exception
    text = markdown(at)
    assert "### Ji'an–Manpo" in text
    assert "**no source links this crossing to 9 Oct 2023**" in text
    assert any("No source found links this crossing to 9 Oct 2023" in c.value for c in at.caption)


def test_unknown_people_are_unknown_with_the_reason():
    at = goto(start(query={"profile": "Changbai–Hyesan"}), "views/crossing.py")
    assert "**unknown**" in markdown(at)
    assert any("no source gives a number" in c.value for c in at.caption)


def test_map_details_panel_links_a_crossing_to_its_profile():
    at = start(state={"feature": "x-hunchun-kyongwon"})
    links = [link for link in at.page_link if link.value == "Open the crossing profile"]
    assert len(links) == 1
    assert links[0].proto.page == "crossing"
    assert parse_qs(links[0].proto.query_string) == {"profile": ["Hunchun–Kyongwon"]}
    at = start(state={"feature": "rf-onsong"})
    assert not [link for link in at.page_link if link.value == "Open the crossing profile"]


# ------------------------------------------------------------------------------- Sources


def test_sources_page_says_which_features_and_events_cite_each_source(dataset):
    at = goto(start(), "views/sources.py")
    assert any(m.value == "## Sources" for m in at.markdown)
    table = next(d.value for d in at.dataframe if "Outlet" in d.value.columns)
    row = table[table["Id"] == "S10"].iloc[0]
    assert "x-tumen-namyang" in row["Cited by features"]
    assert "ev-" in row["Cited by events"]
    assert "ev-" not in row["Cited by features"]
    assert dataset.version in markdown(at)
