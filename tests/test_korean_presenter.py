"""The presenter, its briefing file, its figures and its scenes in Korean (issue 17).

What may stay in Latin letters in a Korean output, and why:
- data without Korean: source ids (S12, NKDB-ATLAS), outlet names (The Economist…), the dataset version, names of
  features that have no `name_ko`, quoted names whose transliteration is uncertain ('Jangchun Prison');
- proper nouns and acronyms: Crossings (the tool's name), TJWG, NKDB, HRW, RFA, UN, Natural Earth, GSHHG/WDBII,
  GeoNames, licences (LGPL-3.0, CC BY 4.0), the file name data/sources.csv;
- units and symbols: km, N (the north arrow), HTML, PNG/SVG/PDF, key names (Page Up, Home…).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo import i18n
from geo.briefing import build_briefing_html
from geo.figure import build_figure, load_figure_basemap, render_figure, view_for_scene
from geo.i18n import use_language
from geo.io import DATA_DIR, load_dataset
from geo.presenter import presenter_payload
from geo.scenes import KnownIds, load_scenes, parse_scenes

HANGUL = re.compile(r"[\uac00-\ud7a3]")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*")
ALLOWED_WORDS = {
    "Crossings",
    "TJWG",
    "NKDB",
    "HRW",
    "RFA",
    "UN",
    "MSS",
    "Natural",
    "Earth",
    "GSHHG",
    "WDBII",
    "GeoNames",
    "LGPL",
    "CC",
    "BY",
    "km",
    "N",
    "data",
    "sources.csv",
    "HTML",
    "PNG",
    "SVG",
    "PDF",
    "Page",
    "Up",
    "Down",
    "Home",
    "End",
    "Space",
    "NKDB-ATLAS",
    "Jangchun",
    "Prison",
    "The",
    "Economist",
}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset).scenes


def data_words(dataset) -> set[str]:
    """Latin words that come from data without Korean: outlets, ids, the version, names lacking name_ko."""
    words: set[str] = {dataset.version}
    for record in dataset.sources.to_dict("records"):
        for key in ("id", "outlet", "publisher"):
            words.update(LATIN_WORD.findall(str(record.get(key) or "")))
    for gdf in dataset.layers.values():
        for record in gdf.to_dict("records"):
            if not isinstance(record.get("name_ko"), str) or not record.get("name_ko"):
                words.update(LATIN_WORD.findall(str(record.get("name_en") or "")))
    towns = load_figure_basemap()["towns"]  # basemap towns without a Korean name show their English one
    for record in towns.to_dict("records"):
        if not isinstance(record.get("name_ko"), str) or not record.get("name_ko"):
            words.update(LATIN_WORD.findall(str(record.get("name_en") or "")))
            words.update(LATIN_WORD.findall(str(record.get("name_reported") or "")))
    return words


def interface_english(text: str, allowed: set[str]) -> list[str]:
    for literal in (w for w in allowed if not LATIN_WORD.fullmatch(w)):  # the version, ids with digits
        text = text.replace(literal, " ")
    return [w for w in LATIN_WORD.findall(text) if w not in allowed and w.strip(".-") not in allowed]


def test_every_scene_has_its_korean_title_and_caption(scenes):
    for scene in scenes:
        title, caption = scene.translations["ko"]
        assert HANGUL.search(title) and HANGUL.search(caption), scene.id
        assert scene.title_in("ko") == title and scene.title_in("en") == scene.title


def test_a_korean_caption_must_state_the_english_numbers(dataset):
    raw = json.loads((DATA_DIR / "scenes.json").read_text(encoding="utf-8"))[2]
    known = KnownIds.of(dataset)
    changed = {**raw, "caption_ko": raw["caption_ko"].replace("500–600명", "700명")}
    result = parse_scenes([changed], known)
    assert not result.scenes and "same numbers" in result.rejected[0]
    english = {**raw, "title_ko": "The convoys"}
    assert "not written in its language" in parse_scenes([english], known).rejected[0]
    half = {key: value for key, value in raw.items() if key != "caption_ko"}
    assert "give both or neither" in parse_scenes([half], known).rejected[0]


def test_the_presenter_payload_speaks_korean(dataset, scenes):
    with use_language("ko"):
        payload = presenter_payload(dataset, scenes)
    assert payload["lang"] == "ko"
    assert [s["title"] for s in payload["scenes"]] == [s.translations["ko"][0] for s in scenes]
    assert all(HANGUL.search(s["dates"]) for s in payload["scenes"])  # 전체 기간, 2023년 10월 9일…
    presenter_ids = [m for m in i18n.js_message_ids() if m in payload["messages"]]
    for message in ("Previous scene", "Next scene", "Sources: {sources}", "Scene {number} of {total}: {title}"):
        assert message in presenter_ids and HANGUL.search(payload["messages"][message])


@pytest.fixture(scope="module")
def korean_briefing(dataset, scenes) -> str:
    from geo.basemap import basemap_json

    with use_language("ko"):
        return build_briefing_html(dataset, scenes, basemap_json())


def test_the_korean_briefing_file_says_its_language_and_its_words(korean_briefing, dataset, scenes):
    assert '<html lang="ko">' in korean_briefing
    title = re.search(r"<title>(.*?)</title>", korean_briefing).group(1)
    assert title.startswith("Crossings 브리핑: ") and scenes[0].translations["ko"][0] in title
    assert 'aria-label="브리핑 장면 지도"' in korean_briefing
    assert "지도를 그리려면 자바스크립트가 필요합니다" in korean_briefing
    # The interface words outside the scripts, and each scene's words in the payload, have no English left.
    outside = re.sub(r"<(script|style)>.*?</\1>", "", korean_briefing, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", outside)
    allowed = ALLOWED_WORDS | data_words(dataset)
    assert interface_english(visible, allowed) == []
    for scene in scenes:
        title, caption = scene.translations["ko"]
        assert json.dumps(caption, ensure_ascii=False)[1:-1].replace("'", "\\u0027") in korean_briefing or (
            caption in korean_briefing
        )
        assert interface_english(title + " " + caption, allowed) == [], scene.id


def test_the_korean_figure_has_no_interface_english(dataset, scenes):
    basemap = load_figure_basemap()
    allowed = ALLOWED_WORDS | data_words(dataset)
    for scene in scenes:
        with use_language("ko"):
            svg = render_figure(build_figure(view_for_scene(dataset, scene), basemap, dataset.version), "svg")
        text = svg.decode("utf-8")
        runs = [re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<text\b[^>]*>(.*?)</text>", text, flags=re.S)]
        assert runs, "the SVG keeps its text as text"
        assert any(scene.translations["ko"][0] in run for run in runs), scene.id
        assert "범례" in runs
        leftover = sorted({w for run in runs for w in interface_english(run, allowed)})
        assert leftover == [], (scene.id, leftover)


APP = Path(__file__).resolve().parents[1] / "app.py"


def test_the_presenter_page_in_korean():
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page("views/presenter.py")
    at.query_params["lang"] = "ko"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox[0].label == "장면"
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["브리핑 (HTML)", "그림 (PNG)", "그림 (SVG)", "그림 (PDF)"]
    assert HANGUL.search(at.caption[0].value)
    assert at.segmented_control[0].value == "ko"  # the language switch, the sidebar being hidden here
