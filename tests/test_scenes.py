"""Presenter scenes: the bundled sequence, validation with reasons naming the scene, scene → filter,
and the presenter payload (only what the scenes draw)."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from geo.__main__ import main
from geo.filters import FilterSpec, apply_filters
from geo.io import load_dataset
from geo.manifest import ManifestError, write_manifest
from geo.presenter import dates_label, presenter_payload
from geo.scenes import (
    GROUP_IDS,
    KnownIds,
    SceneError,
    load_scenes,
    parse_scenes,
    scene_feature_ids,
    scene_problems,
    scene_spec,
)
from geo.text import short_name
from geo.vocab import split_groups

ROOT = Path(__file__).resolve().parents[1]
OTHER = "x-sanhe-hoeryong"
USED = ("x-dandong-sinuiju", "x-tumen-namyang", "x-changbai-hyesan", "x-nanping-musan", "x-hunchun-kyongwon")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset)


@pytest.fixture
def known():
    return KnownIds(frozenset({"S1", "S2"}), frozenset({"x-a", "x-b"}))


def raw_scene(**overrides) -> dict:
    scene = {
        "id": "a-scene",
        "title": "A scene",
        "caption": "What it shows.",
        "date_from": "2023-10-09",
        "date_to": "2023-10-09",
        "crossings": ["x-a"],
        "layers": ["crossings", "routes"],
        "center": [41.5, 127.3],
        "zoom": 7,
        "source_ids": ["S1"],
    }
    scene.update(overrides)
    return scene


# ---------------------------------------------------------------- the bundled scenes


def test_bundled_scenes_load_in_order_without_problems(scenes):
    assert scenes.rejected == ()
    assert [s.title for s in scenes.scenes] == [
        "The border",
        "Where North Koreans are held",
        "9 October 2023: the convoys",
        "The five crossings",
        "Since then",
    ]


@pytest.mark.parametrize(
    ("scene_id", "expected"),
    [
        ("the-border", FilterSpec(None, None, ())),
        ("held", FilterSpec(None, date(2023, 10, 31), ())),
        ("oct-9-convoys", FilterSpec(date(2023, 10, 9), date(2023, 10, 9), USED)),
        ("five-crossings", FilterSpec(date(2023, 10, 9), date(2023, 10, 9), USED)),
        ("since-then", FilterSpec(date(2023, 10, 10), None, ())),
    ],
)
def test_each_scene_sets_its_filter(scenes, scene_id, expected):
    assert scene_spec(scenes.get(scene_id)) == expected


@pytest.mark.parametrize(
    ("scene_id", "expected_groups"),
    [
        ("the-border", {"crossings": set(USED), "other_crossings": {"x-quanhe-wonjong", "x-jian-manpo", OTHER}}),
        ("five-crossings", {"crossings": set(USED)}),
    ],
)
def test_scenes_draw_exactly_their_features(dataset, scenes, scene_id, expected_groups):
    drawn = scene_feature_ids(dataset, scenes.get(scene_id))
    assert {group: set(ids) for group, ids in drawn.items()} == expected_groups


def test_scene_features_are_the_filtered_layers_of_its_groups(dataset, scenes):
    for scene in scenes.scenes:
        groups = split_groups(apply_filters(dataset.layers, scene_spec(scene)))
        drawn = scene_feature_ids(dataset, scene)
        assert list(drawn) == [g for g in GROUP_IDS if g in scene.layers]
        for group_id, ids in drawn.items():
            expected = groups[group_id]
            assert ids == [fid for fid, geom in zip(expected["id"], expected.geometry, strict=True) if geom is not None]


def test_held_scene_shows_every_detention_centre_reported_by_its_end_and_nothing_else(dataset, scenes):
    held = scenes.get("held")
    drawn = scene_feature_ids(dataset, held)
    assert set(drawn) == {"detention_centres"}
    centres = dataset.layers["detention_centres"]
    reported_by_then = centres[centres["span_start"].isna() | (centres["span_start"].dt.date <= held.date_to)]
    assert set(drawn["detention_centres"]) == set(reported_by_then["id"])
    assert "dc-changbai" not in drawn["detention_centres"]  # its only report is of April 2024


def test_convoys_scene_draws_every_leg_with_both_ends(dataset, scenes):
    drawn = scene_feature_ids(dataset, scenes.get("oct-9-convoys"))
    assert set(drawn["routes"]) == set(dataset.layers["routes"]["id"])
    routes = dataset.layers["routes"]
    points = set(drawn["detention_centres"]) | set(drawn["crossings"]) | set(drawn["receiving_facilities"])
    assert set(routes["from_id"]) | set(routes["to_id"]) <= points


def test_since_then_scene_shows_no_crossing(dataset, scenes):
    drawn = scene_feature_ids(dataset, scenes.get("since-then"))
    assert "crossings" not in drawn
    assert set(drawn["receiving_facilities"]) == {"rf-sinuiju", "rf-onsong", "rf-hyesan"}


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in re.findall(r"\d[\d,]*", text)}


def test_captions_use_no_number_the_data_does_not_hold(scenes):
    data_text = "\n".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.geojson")))
    data_numbers = _numbers(data_text)
    for scene in scenes.scenes:
        invented = _numbers(scene.caption) - data_numbers
        assert not invented, f"{scene.id}: {sorted(invented)} appear nowhere in data/*.geojson"


def test_captions_cite_sources_of_the_facts_they_state(dataset, scenes):
    sources = set(dataset.sources["id"])
    for scene in scenes.scenes:
        assert scene.source_ids and set(scene.source_ids) <= sources
    # The per-crossing figure (about 300 via Tumen) comes from The Economist's report of TJWG (S10).
    assert "S10" in scenes.get("five-crossings").source_ids
    assert "S92" in scenes.get("since-then").source_ids  # HRW's count of 1,076


def test_scene_file_is_in_the_manifest_and_validate_checks_it(capsys):
    manifest = json.loads((ROOT / "data" / "manifest.json").read_text(encoding="utf-8"))
    assert "scenes.json" in manifest["files"]
    assert main(["validate"]) == 0
    assert "OK" in capsys.readouterr().out


# ---------------------------------------------------------------- validation


def test_a_valid_scene_parses(known):
    result = parse_scenes([raw_scene()], known)
    assert result.rejected == ()
    scene = result.scenes[0]
    assert (scene.date_from, scene.date_to, scene.crossings) == (date(2023, 10, 9), date(2023, 10, 9), ("x-a",))
    assert scene.layers == ("routes", "crossings")  # the map's draw order, whatever the file's order
    assert scene.center == (41.5, 127.3) and scene.zoom == 7.0


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"source_ids": ["S1", "S404"]}, "unknown source id 'S404'"),
        ({"crossings": ["x-nowhere"]}, "unknown crossing id 'x-nowhere'"),
        ({"layers": ["crossings", "heatmap"]}, "unknown layer id 'heatmap'"),
        ({"layers": []}, "layers is empty"),
        ({"source_ids": []}, "every scene cites at least one source"),
        ({"date_from": "9 Oct 2023"}, "date_from '9 Oct 2023' is not an ISO date"),
        ({"date_from": "2023-10-10", "date_to": "2023-10-09"}, "date_to 2023-10-09 is before date_from 2023-10-10"),
        ({"center": [60, 10]}, "center must be [lat, lon] inside the map bounds"),
        ({"center": "41,127"}, "center must be [lat, lon]"),
        ({"zoom": 30}, "zoom must be a number from"),
        ({"zoom": True}, "zoom must be a number from"),
        ({"title": " "}, "title must be a non-empty string"),
        ({"id": "Bad Id!"}, "id must be lower-case letters"),
        ({"colour": "red"}, "unknown field 'colour'"),
        ({"crossings": "x-a"}, "crossings must be a list of crossing ids"),
    ],
)
def test_invalid_scene_is_rejected_with_a_reason_naming_it(known, overrides, reason):
    result = parse_scenes([raw_scene(id="first"), raw_scene(**{"id": "second", **overrides})], known)
    assert [s.id for s in result.scenes] == ["first"]
    assert result.rejected, "the invalid scene was not rejected"
    assert all(r.startswith("scene 2") for r in result.rejected)
    assert any(reason in r for r in result.rejected), result.rejected
    if "id" not in overrides:
        assert all(r.startswith("scene 2 ('second'): ") for r in result.rejected)


def test_missing_fields_are_named(known):
    raw = raw_scene()
    del raw["zoom"], raw["source_ids"]
    result = parse_scenes([raw], known)
    assert result.scenes == ()
    assert any("missing fields 'zoom', 'source_ids'" in r for r in result.rejected)


def test_dates_may_be_open(known):
    scene = parse_scenes([raw_scene(date_from=None, date_to=None)], known).scenes[0]
    assert scene_spec(scene) == FilterSpec(None, None, ("x-a",))


def test_a_duplicate_id_is_rejected(known):
    result = parse_scenes([raw_scene(), raw_scene(title="Again")], known)
    assert [s.title for s in result.scenes] == ["A scene"]
    assert result.rejected == ("scene 2 ('a-scene'): id 'a-scene' is used by an earlier scene",)


def test_a_scene_that_is_not_an_object_is_rejected(known):
    result = parse_scenes(["the border"], known)
    assert result.rejected == ("scene 1: is not a JSON object",)


def test_a_document_that_is_not_a_list_is_an_error(known):
    with pytest.raises(SceneError, match="must be a JSON list"):
        parse_scenes({"scenes": []}, known)


def test_a_scene_file_changed_without_the_manifest_is_refused(dataset, data_copy):
    path = data_copy / "scenes.json"
    path.write_text(path.read_text(encoding="utf-8").replace("The border", "The frontier"), encoding="utf-8")
    with pytest.raises(ManifestError, match=r"scenes\.json does not match the manifest"):
        load_scenes(dataset, data_copy)


def test_invalid_json_names_the_place(dataset, data_copy):
    (data_copy / "scenes.json").write_text("[{]", encoding="utf-8")
    write_manifest(data_copy)
    with pytest.raises(SceneError, match=r"scenes.json: invalid JSON at line 1, column 3"):
        load_scenes(dataset, data_copy)


def test_validate_reports_scene_problems(data_copy, capsys):
    path = data_copy / "scenes.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document[1]["source_ids"] = ["S8", "S999"]
    path.write_text(json.dumps(document), encoding="utf-8")
    write_manifest(data_copy)
    dataset = load_dataset(data_copy)
    assert scene_problems(dataset, data_copy) == ["data/scenes.json: scene 2 ('held'): unknown source id 'S999'"]
    assert main(["validate", "--data", str(data_copy)]) == 1
    assert "unknown source id 'S999'" in capsys.readouterr().out


def test_no_scene_file_is_no_problem(make_data_dir):
    data_dir = make_data_dir()
    assert scene_problems(load_dataset(data_dir), data_dir) == []


# ---------------------------------------------------------------- the presenter payload


def test_payload_holds_only_what_the_scenes_draw(dataset, scenes):
    payload = presenter_payload(dataset, scenes.scenes, initial="five-crossings")
    assert payload["initial"] == 3
    assert payload["version"] == dataset.version
    drawn: dict[str, set[str]] = {}
    for scene, entry in zip(scenes.scenes, payload["scenes"], strict=True):
        assert entry["id"] == scene.id and entry["caption"] == scene.caption
        assert entry["dates"] == dates_label(scene)
        assert {g: ids for g, _, ids in entry["groups"]} == scene_feature_ids(dataset, scene)
        for _, layer, ids in entry["groups"]:
            drawn.setdefault(layer, set()).update(ids)
    assert {layer: set(features) for layer, features in payload["features"].items()} == drawn
    assert set(payload["sources"]) == {sid for s in scenes.scenes for sid in s.source_ids}
    text = json.dumps(payload)
    assert '"notes"' not in text and "http" not in text  # no notes, no URLs reach the browser


def test_payload_labels_symbols_without_a_label_of_their_own(dataset, scenes):
    payload = presenter_payload(dataset, scenes.scenes)
    props = payload["features"]["detention_centres"]["dc-jangchun"]["properties"]
    assert props["pr_label"] == "'Jangchun Prison'"
    assert "pr_label" not in payload["features"]["crossings"]["x-tumen-namyang"]["properties"]
    assert payload["initial"] == 0  # no scene asked for: the first


def test_payload_with_an_unknown_initial_scene_starts_at_the_first(dataset, scenes):
    assert presenter_payload(dataset, scenes.scenes, initial="nope")["initial"] == 0


def test_payload_needs_scenes(dataset):
    with pytest.raises(ValueError, match="no scenes"):
        presenter_payload(dataset, [])


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Hyesan (Ryanggang) security organs", "Hyesan security organs"),
        ("Tumen detention centre(s)", "Tumen detention centre(s)"),
        ("Changbai County detention (facility name not reported)", "Changbai County detention"),
        ("Nanping (Helong)–Musan", "Nanping–Musan"),
        (None, ""),
        (float("nan"), ""),
    ],
)
def test_short_name(name, label):
    assert short_name(name) == label
