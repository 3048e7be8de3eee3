"""The app reads through the store: a claim's revision line and History (escaped), a new revision
on the next rerun, a retracted claim gone from public views. AppTest, on an embedded store of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.io import load_dataset
from geo.store import Store, open_current_store
from geo.ui.data import current_revision

APP = Path(__file__).resolve().parents[2] / "app.py"
HOSTILE = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) **bold**"


@pytest.fixture
def app_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = str(tmp_path / "app.sqlite")
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_current_store(url)  # a missing embedded file is created and seeded from data/
    yield store
    store.close()
    st.cache_resource.clear()
    st.cache_data.clear()


def run_app(state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def all_text(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def a_counted_crossing() -> str:
    crossings = load_dataset().layers["crossings"]
    return str(
        crossings[crossings["count_high"].notna() & (crossings["count_confidence"] == "single-source")]["id"].iloc[0]
    )


def test_the_details_panel_says_when_a_claim_changed_and_shows_its_history_escaped(app_store: Store):
    fid = a_counted_crossing()
    old = app_store.record(fid).properties["count_high"]
    number = app_store.revise(
        fid, {"count_high": old + 50}, author=HOSTILE, reason=f"new report {HOSTILE}", source_ids=["S5"]
    )
    at = run_app({"feature": fid})
    text = all_text(at)
    assert f"(revision {number})" in text and "Changed on " in text
    history = next(e for e in at.expander if e.label == "History")
    lines = "\n".join(m.value for m in history.markdown)
    assert f"**Revision {number}**" in lines and "**Revision 1**" in lines
    assert f"{old} → {old + 50}" in lines
    assert "S5" in lines
    # Data never becomes markup: no raw tag, link or emphasis from the author or the reason.
    assert re.search(r"(?<!\\)<img", lines) is None
    assert "](javascript" not in lines and "**bold**" not in lines
    assert r"\<img src\=x onerror\=alert\(1\)\>" in lines


def test_a_new_revision_is_shown_on_the_next_rerun_without_a_restart(app_store: Store):
    fid = a_counted_crossing()
    at = run_app({"feature": fid})
    assert "(revision 1)" in all_text(at)
    old = app_store.record(fid).properties["count_high"]
    app_store.revise(fid, {"count_high": old + 1}, author="A", reason="r", source_ids=["S5"])
    current_revision.clear()  # what REVISION_POLL_SECONDS of waiting does
    at.run()
    assert "(revision 2)" in all_text(at)


def test_a_retracted_claim_leaves_the_app(app_store: Store):
    fid = str(load_dataset().layers["events"]["id"].iloc[0])
    app_store.revise(fid, {}, author="A", reason="withdrawn", retract=True)
    at = run_app({"feature": fid})
    assert any("No feature with id" in w.value for w in at.warning)
