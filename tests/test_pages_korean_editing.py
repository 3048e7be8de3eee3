"""The sign-in form, the edit, review and history pages in Korean (`?lang=ko`): no interface English; and the
Korean timeline (chart axis, tooltips and dates, table headers) and the search's explanations.

What a Korean editor or reviewer may still see in Latin letters, and why:
- data: the dataset's names, notes, outlets and titles (no Korean in the data), and what editors typed
  (account names, reasons, notes);
- the data contract's field names, layer names and codes, shown beside their Korean word so that an editor
  can match them to `python -m geo validate` and the command line (notes, kind, geometry, count_low,
  crossings, returned …), and ids (dc-jangchun, S10);
- proper nouns, acronyms and formats: UTC, URL, JSON, SID, YYYY-MM-DD, GSHHG, and the acronyms of the data (NKDB …);
- place names in their other spellings (data/aliases.csv), as the search box's example shows them;
- the names of keys as printed on a keyboard (Tab, Enter);
- the language switch's "English": a language named in itself, on purpose;
- Streamlit's own words that the app cannot translate (a form's "Press Enter to submit form" hint, the
  data grid's menus) are drawn by the browser and are not in the element tree AppTest reads.
"""

from __future__ import annotations

import json
import re
import time
from functools import cache
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.accounts import Account
from geo.charts import cumulative_chart, events_chart, strip_chart, vega_lite_spec
from geo.i18n import use_language
from geo.io import load_dataset
from geo.returns import cumulative_returned
from geo.search import load_index, search
from geo.store import Store, open_current_store
from geo.store.records import FIELD_NAMES
from geo.store.review import add_user, drafts_for, propose, review
from geo.timeline import event_spans, events_table, timeline_domain
from geo.ui.edit_form import CHOICE_WORDS
from geo.ui.review_panel import LAYER_NAMES
from geo.ui.session import ACCOUNT, LAST_SEEN, SIGNED_IN_AT
from tests.korean_text import dataset_texts

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PASSWORD = "correct horse battery"
RECORD = "dc-jangchun"
OTHER = "dc-tumen"
TIMEOUT = 90

PROPER = {
    "utc",
    "url",
    "json",
    "sid",
    "yyyy",
    "english",  # the language switch names each language in itself
    "crossings",
    "nkdb",
    "tjwg",
    "mss",
    "http",
    "https",
    "ev",
    "arrests",  # the example id in the new record's label: ev-2024-05-arrests
    "gshhg",
    "rita",  # account names (data: given by an admin)
    "rex",
    "tab",
    "enter",
}
WORD = re.compile(r"[A-Za-zÀ-ɏ][A-Za-zÀ-ɏ'’]{2,}")
CODE = re.compile(r"`[^`]*`|https?://\S+|\b\w+_\w+\b|\b[a-z0-9]+-[a-z0-9-]+\b")


@cache
def allowed_words() -> frozenset[str]:
    """Words of the dataset's text, the contract's codes (shown beside their Korean word) and PROPER."""
    texts = dataset_texts(load_dataset())
    texts.extend([*FIELD_NAMES, *LAYER_NAMES, *CHOICE_WORDS])
    texts.extend((ROOT / "data" / "aliases.csv").read_text(encoding="utf-8").splitlines())
    return frozenset(w.casefold() for text in texts for w in WORD.findall(text)) | PROPER


def _texts(node) -> list[str]:
    if getattr(node, "type", None) == "html" and str(node.value).lstrip().startswith(("<script", "<style")):
        return []  # code the page runs (geo/ui/phone.py), not text a reader sees
    found: list[str] = []
    options = getattr(node, "options", None)
    # A select's value is the option's code; what a reader sees of it is among its (formatted) options.
    attributes = ("label", "help", "placeholder") if isinstance(options, list | tuple) else ("value", "label", "help")
    for attribute in (*attributes, "placeholder"):
        try:
            value = getattr(node, attribute)
        except Exception:
            continue
        if isinstance(value, str):
            found.append(value)
    if isinstance(options, list | tuple):
        found.extend(o for o in options if isinstance(o, str))
    if getattr(node, "type", None) == "dataframe":
        config = json.loads(node.proto.columns or "{}")
        for column in node.value.columns:
            found.append(str((config.get(str(column)) or {}).get("label") or column))
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            found.extend(_texts(child))
    return found


def frames(node):
    """The dataframes under a node, in order."""
    if getattr(node, "type", None) == "dataframe":
        yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from frames(child)


def visible_text(at: AppTest, *, sidebar: bool = True) -> list[str]:
    """What a reader sees: markdown, captions, alerts, labels, help, options, table headers (main and sidebar)."""
    return _texts(at.main) + (_texts(at.sidebar) if sidebar else [])


def english_left(texts: list[str], data: tuple[str, ...] = ()) -> list[str]:
    """Words of `texts` that are neither allowed nor in `data` (more text of the data shown)."""
    allowed = allowed_words() | {w.casefold() for text in data for w in WORD.findall(text)}
    left = []
    for text in texts:
        for word in WORD.findall(CODE.sub(" ", text.replace("\\", ""))):
            if word.casefold() not in allowed:
                left.append(f"{word!r} in {text[:100]!r}")
    return left


@pytest.fixture
def team_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = str(tmp_path / "team.sqlite")
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", url)
    monkeypatch.delenv("CROSSINGS_ALLOW_SELF_REVIEW", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_current_store(url)
    add_user(store, "ed", "editor", PASSWORD)
    add_user(store, "rita", "reviewer", PASSWORD)
    add_user(store, "rex", "reviewer", PASSWORD)
    yield store
    store.close()
    st.cache_resource.clear()
    st.cache_data.clear()


def korean_app(account: Account | None = None, page: str | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "ko"
    if account is not None:
        at.session_state[ACCOUNT] = account
        at.session_state[SIGNED_IN_AT] = time.time()
        at.session_state[LAST_SEEN] = time.time()
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


def test_the_sign_in_form_and_its_refusals_are_korean(team_store: Store):
    at = korean_app()
    assert english_left(visible_text(at)) == []
    for _ in range(4):
        at.text_input(key="sign-in-name").input("ed")
        at.text_input(key="sign-in-password").input("틀린 비밀번호입니다")
        next(b for b in at.button if b.label == "로그인").click().run()
        assert not at.exception
    errors = [e.value for e in at.error]
    assert any("로그인 실패가 너무 많습니다" in e for e in errors), errors
    assert english_left(visible_text(at)) == []

    signed = korean_app(Account("ed", "editor"))
    assert any("편집자" in c.value for c in signed.sidebar.caption)  # the role in Korean
    assert english_left(visible_text(signed)) == []


def test_a_wrong_password_is_said_in_korean(team_store: Store):
    at = korean_app()
    at.text_input(key="sign-in-name").input("ed")
    at.text_input(key="sign-in-password").input("틀린 비밀번호입니다")
    next(b for b in at.button if b.label == "로그인").click().run()
    assert [e.value for e in at.error] == ["계정 이름 또는 비밀번호가 틀렸습니다."]


def test_the_edit_page_in_korean_has_no_interface_english(team_store: Store):
    at = korean_app(Account("ed", "editor"), "views/edit.py")
    assert [t.value for t in at.title] == ["변경 제안"]
    assert english_left(visible_text(at)) == []

    # AppTest formats a select's options in the test's own thread when it sends the widgets' state:
    # that thread speaks Korean too, as the page does.
    with use_language("ko"):
        at.selectbox(key="edit-record").set_value(RECORD).run()
        at.text_input(key=f"edit-{RECORD}-count_low").input("약 40").run()
        at.text_input(key=f"edit-{RECORD}-lat").input("북위").run()
        assert not at.exception, [e.value for e in at.exception]
        texts = visible_text(at)
        assert english_left(texts) == []
        errors = [e.value.replace("\\", "") for e in at.error]  # markdown escapes removed
        assert any(e.startswith("위치 (geometry): 위도와 경도는 모두 십진 도여야") for e in errors), errors
        assert any("인원 하한 (count_low)" in e and "정수가 아닙니다" in e for e in errors), errors
        assert any("제출하기 전에 고칠 문제" in c.value for c in at.caption)
        assert "검토 요청" in [b.label for b in at.button]
        # The preview's headers and field names, in Korean (the frame keeps its English column names).
        preview = next(d for d in at.dataframe if list(d.value.columns) == ["field", "now", "proposed"])
        labels = json.loads(preview.proto.columns)
        assert [labels[c]["label"] for c in ("field", "now", "proposed")] == ["필드", "현재", "제안"]
        assert "인원 하한 (count_low)" in set(preview.value["field"])

        at.radio(key="edit-mode").set_value("add").run()
        assert not at.exception
        assert "구금시설 (중국)" in at.selectbox(key="edit-new-layer").options
        assert english_left(visible_text(at)) == []


def test_a_draft_in_the_review_queue_and_its_review_are_korean(team_store: Store):
    made = propose(
        team_store,
        "ed",
        RECORD,
        {"count_low": 40},
        reason="새 보도에 따른 수정",
        source_ids=["S5"],
        base=team_store.revision(),
    )
    other = propose(
        team_store, "ed", OTHER, {"notes": "메모 수정"}, reason="오타 수정", source_ids=[], base=team_store.revision()
    )
    review(team_store, "rex", other.id, approve=False, note="출처가 필요합니다")

    at = korean_app(Account("rita", "reviewer"), "views/review.py")
    assert [t.value for t in at.title] == ["검토 대기열"]
    texts = visible_text(at)
    assert english_left(texts) == []
    joined = "\n".join(texts)
    assert f"**초안 {made.id}** · " in joined and "의 변경 (구금시설) · 작성자 ed · " in joined
    assert "최근 검토" in joined
    recent = next(d for d in frames(at.main) if "status" in d.value.columns)
    assert set(recent.value["status"]) == {"반려됨"}
    assert [button(at, f"approve-{made.id}").label, button(at, f"reject-{made.id}").label] == ["승인", "반려"]

    at.text_input(key=f"review-note-{made.id}").input("확인함").run()
    button(at, f"approve-{made.id}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("승인되었습니다" in s.value for s in at.success), [s.value for s in at.success]
    assert english_left(visible_text(at)) == []


def test_a_review_refused_by_the_store_is_said_in_korean(team_store: Store):
    made = propose(
        team_store, "ed", RECORD, {"notes": "메모"}, reason="메모 수정", source_ids=[], base=team_store.revision()
    )
    at = korean_app(Account("rita", "reviewer"), "views/review.py")
    button(at, f"reject-{made.id}").click().run()  # no note
    assert [e.value for e in at.error] == ["검토되지 않음: 검토 메모가 필요합니다"]


def test_the_history_of_a_claim_with_its_drafts_is_korean(team_store: Store):
    record = team_store.record(RECORD)
    team_store.revise(RECORD, {"notes": "새 메모"}, author="ed", reason="새 보도", base=record.revision)
    propose(
        team_store, "ed", RECORD, {"count_low": 40}, reason="새 보도", source_ids=["S5"], base=team_store.revision()
    )
    at = korean_app(Account("ed", "editor"), state={"feature": RECORD})
    history = next(e for e in at.expander if e.label == "이력")
    texts = _texts(history)
    # What editors typed as reasons is data; the store's own words around them are translated when shown.
    assert english_left(texts, ("새 보도",)) == []
    joined = "\n".join(texts)
    assert "**초안 (검토 대기)" in joined and "- 비고 \\(notes\\): " in joined
    assert "에서 데이터 배포판 " in joined and "가져옴" in joined  # the seed's reason, written in English
    drafts = next(iter(frames(history)))
    assert "인원 하한 (count_low)" in set(drafts.value["field"])


def test_the_timeline_chart_speaks_korean():
    dataset = load_dataset()
    events = dataset.layers["events"]
    domain = timeline_domain(events)
    with use_language("ko"):
        spans = event_spans(events, dataset.sources)
        spec = vega_lite_spec(events_chart(spans, domain))
        strip = vega_lite_spec(strip_chart(spans, domain, (None, None)))
        cumulative = vega_lite_spec(cumulative_chart(cumulative_returned(events), dataset.sources, domain))
        table = events_table(events, dataset.sources)
    text = json.dumps([spec, strip, cumulative], ensure_ascii=False)
    assert '"format": "%Y년"' in text and '"format": "%Y"' not in text  # axis labels: 2023년
    titles = {t["title"] for layer in spec["layer"] for t in layer.get("encoding", {}).get("tooltip", [])}
    assert titles == {"사건", "날짜", "종류", "인원", "신뢰도", "출처", "인원수 출처"}
    assert "송환된 것으로 보도된 인원 (누적)" in text
    rows = next(iter(spec["datasets"].values()))
    assert {r["kind_label"] for r in rows} >= {"강제송환", "체포"}
    assert any(r["dates"] == "2023년 10월 9일" for r in rows)
    assert all("people" not in r["people"] and r["people"] != "unknown" for r in rows)
    assert any(r["people"].endswith("명 송환") for r in rows)
    assert "보도된 숫자 없음" in set(table["People"]) and "단일 출처" in set(table["Confidence"])
    with use_language("en"):  # English keeps its words and its plain year
        english = vega_lite_spec(events_chart(event_spans(events, dataset.sources), domain))
    assert '"format": "%Y"' in json.dumps(english)


def test_the_timeline_pages_tables_have_korean_headers():
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "ko"
    at.run()
    at.switch_page("views/timeline.py").run()
    assert not at.exception, [e.value for e in at.exception]
    headers = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        headers.extend(str((config.get(str(c)) or {}).get("label") or c) for c in frame.value.columns)
    assert {"날짜", "종류", "사건", "인원", "누계 (하한–상한)"} <= set(headers), headers
    assert english_left(headers) == []


def test_search_explanations_are_korean():
    dataset = load_dataset()
    with use_language("ko"):
        index = load_index(dataset)
        via_alias = [h.explanation for h in search(index, "Domun")]  # said in the language active when shown
        towns = [h for h in search(index, "Hunchun", limit=20) if h.place.kind == "town"]
    assert via_alias and all("다른 이름" in e and e.startswith("“") and "matched" not in e for e in via_alias)
    assert towns and towns[0].place.detail.startswith("도시, 중국")
    english = search(load_index(dataset), "Domun")
    assert english[0].explanation.startswith("matched “")


def test_reasons_of_the_store_follow_the_language(team_store: Store):
    with use_language("ko"), pytest.raises(Exception, match="사유가 필요합니다"):
        propose(team_store, "ed", RECORD, {"notes": "x"}, reason=" ", base=team_store.revision())
    with pytest.raises(Exception, match="a reason is required"):
        propose(team_store, "ed", RECORD, {"notes": "x"}, reason=" ", base=team_store.revision())
    assert drafts_for(team_store, RECORD) == []


def test_the_edit_maps_marks_and_the_loading_spinners_follow_the_language():
    from streamlit.string_util import clean_text

    from geo.mapview import Position, position_groups
    from geo.ui.data import SpinnerText

    def tooltips() -> list[str]:
        (group,) = position_groups(Position(41.1, 128.2, 5000), Position(41.2, 128.3, None))
        marks = [child for layer in group._children.values() for child in layer._children.values()]
        return [group.layer_name, *(getattr(mark, "text", "") for mark in marks if getattr(mark, "text", ""))]

    with use_language("ko"):
        assert tooltips() == ["위치", "현재: 41.10000, 128.20000 (불확실성 반경 5,000m)", "제안: 41.20000, 128.30000"]
        assert clean_text(SpinnerText("Loading the dataset…")) == "데이터를 불러오는 중…"  # what st.spinner shows
    assert tooltips()[1] == "Now: 41.10000, 128.20000 (uncertainty 5,000 m)"
    assert clean_text(SpinnerText("Loading the dataset…")) == "Loading the dataset…"
