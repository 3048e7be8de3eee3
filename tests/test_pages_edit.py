"""Editing with review in AppTest: anonymous sessions cannot reach edit pages, drafts or restricted
data; an editor's change is a draft until another reviewer approves it; sign-in is slowed down after
failures; hostile strings typed into the form render as text everywhere, the history included."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.accounts import Account
from geo.store import Store, open_current_store
from geo.store.review import add_user, drafts_for
from geo.ui.session import ACCOUNT, LAST_SEEN, SIGNED_IN_AT

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PASSWORD = "correct horse battery"
RECORD = "dc-jangchun"
RAW_TAG = re.compile(r"(?<!\\)<(img|script)")  # a tag markdown would render: "<" not escaped
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script> [x](javascript:alert(3)) **b**"


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
    yield store
    store.close()
    st.cache_resource.clear()
    st.cache_data.clear()


def app(account: Account | None = None, page: str | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=90)
    if account is not None:
        import time

        at.session_state[ACCOUNT] = account
        at.session_state[SIGNED_IN_AT] = time.time()
        at.session_state[LAST_SEEN] = time.time()
    for key, value in (state or {}).items():
        at.session_state[key] = value
    if page:
        at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_anonymous_session_cannot_reach_the_edit_or_review_page(team_store: Store):
    for page in ("views/edit.py", "views/review.py"):
        at = app(page=page)
        assert "Propose a change" not in titles(at) and "Review queue" not in titles(at)
        # Run directly, past the navigation: the page itself refuses.
        direct = AppTest.from_file(str(ROOT / page), default_timeout=60)
        direct.run()
        assert any("signed-in" in e.value for e in direct.error)
        assert not direct.text_area and not direct.dataframe


def test_signing_in_through_the_sidebar_and_slowing_down_after_failures(team_store: Store):
    at = app()
    for _ in range(4):
        at.text_input(key="sign-in-name").input("ed")
        at.text_input(key="sign-in-password").input("wrong password!")
        button(at, "Sign in").click().run()
    messages = [e.value for e in at.error]
    assert any("Too many failed sign-ins" in m for m in messages), messages
    fresh = app()
    fresh.text_input(key="sign-in-name").input("rita")
    fresh.text_input(key="sign-in-password").input(PASSWORD)
    button(fresh, "Sign in").click().run()
    assert fresh.session_state[ACCOUNT] == Account("rita", "reviewer")
    assert "sign-in-password" not in fresh.session_state or fresh.session_state["sign-in-password"] == ""


def test_an_editors_change_is_a_draft_until_another_reviewer_approves_it(team_store: Store):
    editor = Account("ed", "editor")
    at = app(editor, "views/edit.py")
    assert "Propose a change" in titles(at)
    at.selectbox(key="edit-record").set_value(RECORD).run()
    at.text_area(key=f"edit-{RECORD}-notes").input(HOSTILE).run()
    at.text_input(key=f"edit-{RECORD}-name_en").input(f"Jangchun {HOSTILE}").run()
    at.text_area(key=f"edit-{RECORD}-reason").input(f"because {HOSTILE}").run()
    button(at, "Submit for review").click().run()
    assert not at.exception
    assert any("waiting for review" in s.value for s in at.success), [e.value for e in at.error]
    (made,) = drafts_for(team_store, RECORD, "draft")
    assert made.author == "ed" and made.changes["notes"] == HOSTILE

    public = app(state={"feature": RECORD})
    assert HOSTILE not in "\n".join(m.value for m in public.markdown)  # not public before approval

    # The editor's History shows the draft, as text.
    history = app(editor, state={"feature": RECORD})
    shown = "\n".join(m.value for m in history.markdown)
    assert "Draft (waiting for review)" in shown and "onerror" in shown and not RAW_TAG.search(shown)

    # A reviewer cannot approve their own change; another reviewer can.
    own = app(Account("rita", "reviewer"), "views/review.py")
    assert "Review queue" in titles(own)
    own_made = team_store.revision()
    assert button(own, "Approve").disabled is False  # not rita's draft
    own.text_input(key=f"review-note-{made.id}").input(f"checked {HOSTILE}").run()
    button(own, "Approve").click().run()
    assert not own.exception
    assert team_store.revision() == own_made + 1
    st.cache_data.clear()  # the revision poll's few seconds, in one process
    after = app(state={"feature": RECORD})
    text = "\n".join(m.value for m in after.markdown)
    assert "onerror" in text and not RAW_TAG.search(text)  # shown, escaped


def test_a_reviewer_cannot_approve_their_own_draft_in_the_page(team_store: Store):
    from geo.store.review import propose

    made = propose(team_store, "rita", RECORD, {"notes": "mine"}, reason="r", base=team_store.revision())
    at = app(Account("rita", "reviewer"), "views/review.py")
    assert button(at, "Approve").disabled and button(at, "Reject").disabled
    assert drafts_for(team_store, RECORD)[0].id == made.id


def test_an_editor_cannot_open_the_review_page(team_store: Store):
    at = AppTest.from_file(str(ROOT / "views/review.py"), default_timeout=60)
    import time

    at.session_state[ACCOUNT] = Account("ed", "editor")
    at.session_state[SIGNED_IN_AT] = time.time()
    at.session_state[LAST_SEEN] = time.time()
    at.run()
    assert any("reviewers" in e.value for e in at.error)


def test_the_import_page_proposes_its_accepted_rows_as_drafts(team_store: Store):
    import json
    import time

    from geo.store.review import review
    from tests.test_pages_import import GOOD, IMPORT_PAGE

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state[ACCOUNT] = Account("ed", "editor")
    at.session_state[SIGNED_IN_AT] = time.time()
    at.session_state[LAST_SEEN] = time.time()
    at.run()
    at.switch_page(IMPORT_PAGE).run()
    at.file_uploader(key="import-file").set_value(("mine.geojson", json.dumps(GOOD).encode(), "application/geo+json"))
    at.run()
    at.text_input(key="import-draft-reason").input("interviews of 2024").run()
    at.button(key="import-propose").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("3 drafts are waiting for review" in s.value for s in at.success), [e.value for e in at.error]
    made = drafts_for(team_store, status="draft")
    assert sorted(d.record_id for d in made) == ["mine-0", "mine-1", "mine-2"]
    assert all(d.author == "ed" and d.new_sources and d.layer == "events" for d in made)
    assert "mine-0" not in set(team_store.read_dataset().layers["events"]["id"])
    review(team_store, "rita", made[0].id, approve=True, note="checked")
    dataset = team_store.read_dataset()
    assert made[0].record_id in set(dataset.layers["events"]["id"]) and len(dataset.rejected) == 0


def test_the_import_page_offers_no_drafts_to_viewers(team_store: Store):
    import json

    from tests.test_pages_import import GOOD, IMPORT_PAGE

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.run()
    at.switch_page(IMPORT_PAGE).run()
    at.file_uploader(key="import-file").set_value(("mine.geojson", json.dumps(GOOD).encode(), "application/geo+json"))
    at.run()
    assert not at.exception
    assert not [b for b in at.button if b.key == "import-propose"]


def test_a_second_editor_sees_the_first_change_and_keeps_what_they_typed(team_store: Store):
    from geo.store.review import propose

    add_user(team_store, "eve", "editor", PASSWORD)
    propose(team_store, "ed", RECORD, {"notes": "ed's correction"}, reason="first", base=team_store.revision())
    at = app(Account("eve", "editor"), "views/edit.py")
    at.selectbox(key="edit-record").set_value(RECORD).run()
    at.text_area(key=f"edit-{RECORD}-notes").input("eve's correction").run()
    at.text_area(key=f"edit-{RECORD}-reason").input("second").run()
    button(at, "Submit for review").click().run()
    assert not at.exception
    assert any("ed has already proposed a change" in w.value for w in at.warning), [w.value for w in at.warning]
    shown = at.dataframe[-1].value
    assert "ed's correction" in set(shown["proposed"])  # the other change, shown
    assert at.text_area(key=f"edit-{RECORD}-notes").value == "eve's correction"  # nothing typed is lost
    assert at.text_area(key=f"edit-{RECORD}-reason").value == "second"
    assert len(drafts_for(team_store, RECORD, "draft")) == 1


def test_an_expired_session_is_signed_out_and_sees_the_public_view(team_store: Store):
    from geo.accounts import SESSION_IDLE_SECONDS

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state[ACCOUNT] = Account("ed", "editor")
    at.session_state[SIGNED_IN_AT] = 0.0
    at.session_state[LAST_SEEN] = __import__("time").time() - SESSION_IDLE_SECONDS - 1
    at.run()
    assert not at.exception
    assert ACCOUNT not in at.session_state
    assert not any("Signed in:" in e.label for e in at.expander)
    footer = "\n".join(c.value for c in at.caption)
    assert "Dataset version" in footer and "+editors" not in footer  # the public view
