"""AppTest for the Presenter page: each scene from the URL sets the expected filter, caption and view;
the scene picker; the downloads; a broken scene file gives a message, not a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.filters import apply_filters
from geo.io import load_dataset
from geo.scenes import SceneError, load_scenes, scene_spec
from geo.ui import presenter as presenter_ui
from geo.vocab import split_groups

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"
PAGE = "views/presenter.py"


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset).scenes


def run_presenter(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.switch_page(PAGE)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def map_payload(at: AppTest) -> dict:
    """The scenes the map was given (presenter.js steps through them in the browser)."""
    components = at.get("component_instance")
    assert len(components) == 1, "expected exactly one map on the page"
    script = json.loads(components[0].proto.json_args)["script"]
    match = re.search(r"CrossingsPresenter\.mount\(\w+, (.*)\);", script)
    assert match, "the map does not mount the presenter"
    return json.loads(match.group(1))


def asked_scene(at: AppTest) -> str:
    """The scene the page asks the mounted map to show (sent as st_folium's feature group)."""
    feature_group = json.loads(at.get("component_instance")[0].proto.json_args)["feature_group"]
    match = re.search(r"CrossingsPresenter\.goTo\(\w+, (.*)\);", feature_group)
    assert match, "the page does not ask the map for a scene"
    return json.loads(match.group(1))


def map_script(at: AppTest) -> str:
    return json.loads(at.get("component_instance")[0].proto.json_args)["script"]


@pytest.fixture(scope="module")
def default_run() -> AppTest:
    return run_presenter()


def test_page_opens_at_the_first_scene(default_run, scenes):
    payload = map_payload(default_run)
    assert payload["initial"] == 0
    assert asked_scene(default_run) == scenes[0].id
    assert [s["id"] for s in payload["scenes"]] == [s.id for s in scenes]
    assert default_run.selectbox(key=presenter_ui.PICKER).value == scenes[0].id
    assert default_run.query_params["scene"] == scenes[0].id


def test_page_offers_the_briefing_and_the_figures(default_run):
    labels = [button.proto.label for button in default_run.get("download_button")]
    assert labels == ["Briefing (HTML)", "Figure (PNG)", "Figure (SVG)", "Figure (PDF)"]


def test_nothing_internal_shows(default_run):
    assert not default_run.exception
    assert not default_run.error and not default_run.warning
    assert not default_run.code  # no generated code, no debugging output
    assert not default_run.json


@pytest.mark.parametrize("position", range(5))
def test_each_scene_from_the_url_sets_its_filter_and_caption(dataset, scenes, position):
    scene = scenes[position]
    at = run_presenter({"scene": scene.id})
    payload = map_payload(at)
    assert asked_scene(at) == scene.id
    shown = payload["scenes"][position]
    assert (shown["id"], shown["title"], shown["caption"]) == (scene.id, scene.title, scene.caption)
    assert shown["center"] == list(scene.center) and shown["zoom"] == scene.zoom
    # The features drawn are exactly the scene's filter applied to the dataset, group by group.
    groups = split_groups(apply_filters(dataset.layers, scene_spec(scene)))
    for group_id, layer, ids in shown["groups"]:
        expected = groups[group_id]
        assert set(ids) == {fid for fid, g in zip(expected["id"], expected.geometry, strict=True) if g is not None}
        assert set(ids) <= set(payload["features"][layer])
    assert [g[0] for g in shown["groups"]] == list(scene.layers)
    assert at.selectbox(key=presenter_ui.PICKER).value == scene.id
    assert at.query_params["scene"] == scene.id


def test_an_unknown_scene_in_the_url_opens_the_first(scenes):
    at = run_presenter({"scene": "no-such-scene"})
    assert asked_scene(at) == scenes[0].id
    assert at.query_params["scene"] == scenes[0].id


def test_choosing_a_scene_moves_the_map_and_the_url(scenes):
    at = run_presenter()
    script = map_script(at)
    at.selectbox(key=presenter_ui.PICKER).set_value("five-crossings").run()
    assert not at.exception
    assert asked_scene(at) == "five-crossings"
    # The map's script is unchanged, so st_folium keeps the mounted map (its key is the script's hash)
    # and presenter.js flies to the scene instead of the map being built again.
    assert map_script(at) == script
    assert at.query_params["scene"] == "five-crossings"
    labels = {button.proto.label: button.proto for button in at.get("download_button")}
    assert "The five crossings" in labels["Figure (PNG)"].help


def test_a_broken_scene_file_gives_a_message_not_a_traceback(monkeypatch):
    def broken(*_args, **_kwargs):
        raise SceneError("data/scenes.json: invalid JSON at line 3, column 1: Expecting value")

    presenter_ui.get_scenes.clear()
    monkeypatch.setattr(presenter_ui, "load_scenes", broken)
    try:
        at = run_presenter()
        messages = [e.value.replace("\\", "") for e in at.error]  # markdown-escaped on the page
        assert messages == [
            "The scenes cannot be loaded: data/scenes.json: invalid JSON at line 3, column 1: Expecting value"
        ]
        assert not at.get("component_instance")
    finally:
        presenter_ui.get_scenes.clear()
