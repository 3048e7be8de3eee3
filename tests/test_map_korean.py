"""The map page in Korean (issue 17): every interface word the page shows, sidebar included, is Korean.

AppTest cannot see inside the map component (tests/browser/test_map_korean.py looks there)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo.io import load_dataset

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"

# What may stay in Latin letters in the Korean interface, and why:
ALLOWED = {
    # proper nouns and acronyms (docs/glossary.md keeps them as they are)
    "NKDB",
    "TJWG",
    "MSS",
    "UN",
    "OpenStreetMap",
    "CARTO",
    "Esri",
    "Natural",
    "Earth",
    "GSHHG",
    "WDBII",
    "GeoNames",
    "CC",
    "BY",
    "LGPL",
    "ODbL",
    "Tab",
    "Enter",
    "ID",
    # the search box's placeholder lists spellings one can type (Tumen, Domun, Sinŭiju): examples, not words
    "Tumen",
    "Domun",
    "Sinŭiju",
    # the language switch names each language in itself
    "English",
    # the date format the date field and the URL use; the time zone of the store's times
    "UTC",
    "YYYY",
    "MM",
    "DD",
    # Streamlit's own chrome that the app cannot translate (the date picker's month names when it opens,
    # the file uploader's "Browse files") is not on this page closed; the multiselects show our placeholders.
}
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-zŭŏ']*[A-Za-z]|[A-Za-z]")


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def data_words(dataset) -> set[str]:
    """Latin words that come from data text shown as it is (names without a Korean name, licences, ids,
    source outlets and titles, notes): the rules say data is shown as it is."""
    words: set[str] = set()
    for gdf in dataset.layers.values():
        for column in gdf.columns:
            if pd.api.types.is_string_dtype(gdf[column].dtype):  # object or Arrow text
                for value in gdf[column].dropna():
                    words.update(LATIN_WORD.findall(str(value)))
    for column in dataset.sources.columns:
        for value in dataset.sources[column].dropna():
            words.update(LATIN_WORD.findall(str(value)))
    for entry in dataset.manifest.files.values():
        words.update(LATIN_WORD.findall(str(entry["licence"])))
    words.update(LATIN_WORD.findall(dataset.version))
    return words


def visible_text(at: AppTest) -> list[str]:
    """What a person reads on the page, sidebar included: texts, labels, placeholders, options, help."""
    texts: list[str] = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        texts += [str(element.value) for element in getattr(at, kind)]
    for kind in ("button", "selectbox", "multiselect", "date_input", "text_input", "expander", "segmented_control"):
        for element in getattr(at, kind):
            for attribute in ("label", "placeholder", "help"):
                value = getattr(element, attribute, None)
                if isinstance(value, str):
                    texts.append(value)
            options = getattr(element, "options", None)
            if options:
                texts += [str(option) for option in options]
    return texts


def english_words(texts: list[str], allowed: set[str]) -> list[str]:
    found = []
    for text in texts:
        plain = re.sub(r"\]\([^)]*\)|https?://\S+|`[^`]*`|:material/[a-z_]+:", " ", text)  # link targets, code
        # A revision's author and reason are the editor's own words (data, like notes), shown as they are.
        plain = re.sub(r"\*\*사유:\*\*[^\n]*|(?<=UTC · )[^·]*(?= · )", " ", plain)
        found += [word for word in LATIN_WORD.findall(plain) if word not in allowed]
    return found


def run_korean(query: dict | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "ko"
    for key, value in (query or {}).items():
        at.query_params[key] = value
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_map_page_in_korean_has_no_interface_english(dataset):
    at = run_korean()
    texts = visible_text(at)
    joined = "\n".join(texts)
    for korean in (
        "필터",
        "빠른 기간 선택",
        "기간",
        "통과 지점",
        "추가 필터",
        "상세 정보",
        "장소 찾기",
        "중국 내 탈북민 강제송환",
    ):
        assert korean in joined, korean
    assert any(text.startswith("**전체 ") and "개 표시" in text for text in texts), texts
    assert english_words(texts, ALLOWED | data_words(dataset)) == []


def test_details_panel_in_korean_names_tumen_in_korean(dataset):
    at = run_korean(state={"feature": "x-tumen-namyang"})
    texts = visible_text(at)
    assert "#### 도문–남양" in texts
    joined = "\n".join(texts)
    for korean in ("날짜", "인원", "신뢰도", "위치", "출처", "선택 해제"):
        assert korean in joined, korean
    assert english_words(texts, ALLOWED | data_words(dataset)) == []


def test_korean_filter_sentence_names_crossings_in_korean(dataset):
    at = run_korean(query={"crossing": "x-tumen-namyang", "dates": ["2023-10-09", "2023-10-09"]})
    sentence = next(m.value for m in at.markdown if m.value.startswith("**전체 "))
    assert "통과 지점 도문–남양" in sentence and "2023년 10월 9일" in sentence
    # the URL keeps ids in every language
    assert at.query_params["crossing"] in ("x-tumen-namyang", ["x-tumen-namyang"])
    assert at.query_params["lang"] == "ko"


def test_switching_language_keeps_the_view(dataset):
    at = run_korean(query={"crossing": "x-tumen-namyang", "feature": "x-tumen-namyang"})
    at.segmented_control(key="lang-switch").set_value("en").run()
    assert not at.exception
    assert at.query_params["lang"] == "en"
    assert at.query_params["crossing"] in ("x-tumen-namyang", ["x-tumen-namyang"])
    assert at.query_params["feature"] == "x-tumen-namyang"
    assert any(m.value.startswith("**Showing ") and "Tumen–Namyang" in m.value for m in at.markdown)
