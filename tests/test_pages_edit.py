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
from geo.text import escape_markdown
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


# ------------------------------------------------------------------------------- the edit map and every field
# AppTest cannot click inside the map component: a click reaches the form as the value the map returns, which
# the page keeps under _key(id, PICKED) until the next run applies it; seeding it is the click's consequence.


def edit_page(record_id: str, account: Account | None = None) -> AppTest:
    at = app(account or Account("ed", "editor"), "views/edit.py")
    at.selectbox(key="edit-record").set_value(record_id).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def preview(at: AppTest) -> dict[str, str]:
    """The diff preview: field -> proposed value."""
    frame = next(d.value for d in reversed(at.dataframe) if list(d.value.columns) == ["field", "now", "proposed"])
    return dict(zip(frame["field"], frame["proposed"], strict=True))


def test_a_click_on_the_edit_map_moves_the_point_and_keeps_what_was_typed(team_store: Store):
    from geo.ui.edit_form import PICKED, _key

    at = edit_page(RECORD)
    at.text_area(key=_key(RECORD, "notes")).input("typed before the click").run()
    at.text_input(key=_key(RECORD, "name_en")).input("Jangchun, moved").run()
    at.session_state[_key(RECORD, PICKED)] = {"lat": 41.91234567, "lng": 127.0456789}
    at.run()
    assert not at.exception
    assert at.text_input(key=_key(RECORD, "lat")).value == "41.91235"
    assert at.text_input(key=_key(RECORD, "lon")).value == "127.04568"
    assert at.text_area(key=_key(RECORD, "notes")).value == "typed before the click"
    assert at.text_input(key=_key(RECORD, "name_en")).value == "Jangchun, moved"
    proposed = preview(at)
    assert proposed["geometry"] == "41.91235° N, 127.04568° E"
    assert proposed["notes"] == "typed before the click"
    # The precision class beside the map, and the page's own reasons: a click outside the region is refused.
    at.selectbox(key=_key(RECORD, "location_precision")).set_value("town").run()
    at.session_state[_key(RECORD, PICKED)] = {"lat": 45.5, "lng": 127.0}
    at.run()
    errors = [e.value for e in at.error]
    assert any("geometry" in e and "outside the region" in e for e in errors), errors
    assert button(at, "Submit for review").disabled
    assert at.text_area(key=_key(RECORD, "notes")).value == "typed before the click"


def test_keyboard_users_type_the_coordinates_and_see_the_reason_in_place(team_store: Store):
    from geo.ui.edit_form import _key

    at = edit_page(RECORD)
    at.text_input(key=_key(RECORD, "lat")).input("forty-one").run()
    errors = [e.value for e in at.error]
    assert any("latitude and longitude must both be decimal degrees" in e for e in errors), errors
    assert at.text_input(key=_key(RECORD, "lat")).value == "forty-one"  # nothing typed is lost
    at.text_input(key=_key(RECORD, "lat")).input("41.85").run()
    at.text_input(key=_key(RECORD, "lon")).input("126.95").run()
    assert not at.error
    assert preview(at)["geometry"] == "41.85° N, 126.95° E"


def test_a_route_keeps_its_line_and_says_so(team_store: Store):
    from geo.ui.edit_form import ROUTES_KEEP_GEOMETRY, _key

    at = edit_page("leg-baishan-nanping")
    assert ROUTES_KEEP_GEOMETRY in [c.value for c in at.caption]
    keys = {w.key for w in at.text_input}
    assert _key("leg-baishan-nanping", "lat") not in keys and _key("leg-baishan-nanping", "from_id") in keys


def test_every_field_the_form_lists_has_its_widget(team_store: Store):
    from geo.ui.edit_form import EDITABLE_LAYERS, _key, form_fields

    examples = {layer: team_store.read_dataset().layers[layer]["id"].iloc[0] for layer in (*EDITABLE_LAYERS, "routes")}
    for layer, record_id in examples.items():
        at = edit_page(record_id)
        keys = {w.key for kind in ("text_input", "text_area", "selectbox", "multiselect") for w in getattr(at, kind)}
        missing = [f for f in form_fields(layer) if _key(record_id, f) not in keys]
        assert not missing, (layer, missing)


# Hostile strings: markup, a script end, a template literal, a markdown link, a right-to-left override.
HOSTILE_STRINGS = (
    "<img src=x onerror=alert(1)>",
    "</script><script>alert(1)</script>",
    "${alert(1)}",
    "[x](javascript:alert(1))",
    "gpj.\u202eexe",
)
# A markdown link to anything but an http(s) address (the details panel links its sources' pages).
MARKDOWN_LINK = re.compile(r"(?<!\\)\]\((?!https?://)")


def hostile(field: str) -> str:
    return f"{field} " + " ".join(HOSTILE_STRINGS)


def assert_shown_as_text(at: AppTest) -> None:
    """No markdown, caption or message of the page can render a tag, a link or an applied bidi control."""
    texts = [
        m.value for kind in ("markdown", "caption", "error", "warning", "success", "info") for m in getattr(at, kind)
    ]
    for text in texts:
        assert not RAW_TAG.search(text), text
        assert not MARKDOWN_LINK.search(text), text
        assert "\u202e" not in text, text
    for frame in at.dataframe:
        cells = frame.value.astype(str).to_numpy().ravel().tolist()
        assert not any("\u202e" in cell for cell in cells)


@pytest.mark.parametrize("record_id", [RECORD, "x-dandong-sinuiju", "leg-baishan-nanping"])
def test_hostile_strings_in_every_field_render_as_text_everywhere(team_store: Store, record_id: str):
    from geo.store.review import drafts_for
    from geo.ui.edit_form import NEW_SOURCE_FIELDS, _key, form_fields, new_source_key

    layer = team_store.record(record_id).layer
    fields = form_fields(layer)
    at = edit_page(record_id)
    typed = {}
    for field, how in fields.items():
        if how in ("choice", "sources"):
            continue  # chosen from the contract's values or the sources table: nothing can be typed
        widget = (
            at.text_area(key=_key(record_id, field)) if field == "notes" else at.text_input(key=_key(record_id, field))
        )
        typed[field] = hostile(field)
        widget.input(typed[field])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert_shown_as_text(at)
    errors = "\n".join(e.value for e in at.error)
    # Fields whose value is validated refuse it with a reason naming them, and keep what was typed.
    refused = {f for f in typed if escape_markdown(f"{f}:") in errors}
    if {"lat", "lon"} & set(typed):
        assert "geometry" in errors
        refused |= {"lat", "lon"}
    assert {f for f, how in fields.items() if how in ("date", "count", "radius")} <= refused, errors
    for field in typed:
        widget = (
            at.text_area(key=_key(record_id, field)) if field == "notes" else at.text_input(key=_key(record_id, field))
        )
        assert widget.value == typed[field], field
    assert button(at, "Submit for review").disabled

    # The new source's fields: the URL and the date are checked, the rest is text.
    for field, _label in NEW_SOURCE_FIELDS:
        at.text_input(key=new_source_key(field)).input("S900" if field == "id" else hostile(field))
    button(at, "Add to this draft").click().run()
    errors = "\n".join(e.value for e in at.error)
    assert "url" in errors and "published" in errors, errors
    assert at.text_input(key=new_source_key("outlet")).value == hostile("outlet")  # kept
    at.text_input(key=new_source_key("url")).input("https://example.org/report")
    at.text_input(key=new_source_key("published")).input("2024-05-01")
    button(at, "Add to this draft").click().run()
    assert at.text_input(key=new_source_key("outlet")).value == ""  # added: the form is empty again

    # What was refused goes back to the record's value; the rest is submitted with the new source cited.
    current = team_store.record(record_id)
    for field in refused:
        value = current.properties.get(field, "")
        if field in ("lat", "lon"):
            value = f"{current.geometry.y:.6f}" if field == "lat" else f"{current.geometry.x:.6f}"
        widget = (
            at.text_area(key=_key(record_id, field)) if field == "notes" else at.text_input(key=_key(record_id, field))
        )
        widget.input("" if value is None else str(value))
    at.multiselect(key=_key(record_id, "source_ids")).select("S900")
    at.text_area(key=f"edit-{record_id}-reason").input(hostile("reason"))
    at.run()
    assert not [e.value for e in at.error], [e.value for e in at.error]
    proposed = preview(at)
    free = set(typed) - refused
    assert free and all(proposed[f] == hostile(f).replace("\u202e", "[U+202E]") for f in free), proposed
    assert_shown_as_text(at)
    button(at, "Submit for review").click().run()
    assert any("waiting for review" in s.value for s in at.success), [e.value for e in at.error]
    (made,) = drafts_for(team_store, record_id, "draft")

    queue = app(Account("rita", "reviewer"), "views/review.py")
    assert_shown_as_text(queue)
    queue_cells = "\n".join(str(c) for d in queue.dataframe for c in d.value.to_numpy().ravel())
    assert all(hostile(f).replace("\u202e", "[U+202E]") in queue_cells for f in free)
    assert hostile("outlet").replace("\u202e", "[U+202E]") in queue_cells  # the new source, as text
    drafts = app(Account("ed", "editor"), state={"feature": record_id})
    assert_shown_as_text(drafts)

    from geo.store.review import review

    review(team_store, "rita", made.id, approve=True, note=hostile("note"))
    st.cache_data.clear()
    for account in (None, Account("ed", "editor")):
        history = app(account, state={"feature": record_id})
        assert_shown_as_text(history)
        shown = "\n".join(m.value for m in history.markdown)
        assert "onerror" in shown and "javascript" in shown  # the changes are there, escaped
