"""Accounts, drafts and review in the store (both backends): roles checked on every write, drafts
invisible until approved, nobody approves their own change, fail-closed visibility, conflicts."""

from __future__ import annotations

import pytest
from shapely.geometry import Point

from geo.accounts import AccountError
from geo.store import RevisionRefused, Store
from geo.store.review import (
    AccessDenied,
    DraftConflict,
    SignInRefused,
    add_user,
    drafts_for,
    propose,
    review,
    sign_in,
)
from geo.visibility import public_view

PASSWORD = "correct horse battery"


@pytest.fixture
def team(store: Store) -> Store:
    add_user(store, "ed", "editor", PASSWORD)
    add_user(store, "eve", "editor", PASSWORD)
    add_user(store, "rita", "reviewer", PASSWORD)
    return store


def a_crossing(store: Store):
    return next(r for r in store.records() if r.layer == "crossings" and r.properties.get("count_high") is not None)


def test_only_the_hash_is_stored_and_the_password_signs_in(team: Store):
    import sqlalchemy as sa

    with team.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT password_hash FROM users WHERE name = 'ed'")).scalar_one()
    assert PASSWORD not in stored and stored.startswith("$argon2id$")
    assert sign_in(team, "ed", PASSWORD).role == "editor"
    with pytest.raises(SignInRefused):
        sign_in(team, "ed", "wrong password!")
    with pytest.raises(AccountError):
        add_user(team, "ed", "admin", PASSWORD)


def test_ten_wrong_passwords_are_slowed_down(team: Store):
    now = 1_000_000.0
    waits = []
    for _ in range(10):
        try:
            sign_in(team, "rita", "not her password", now=now)
        except SignInRefused as refused:
            waits.append(refused.wait)
    # The first failures cost nothing; then the account must wait before any password is checked.
    assert waits[:4] == [0, 0, 0, 1.0] and max(waits) >= 1.0
    with pytest.raises(SignInRefused) as refused:
        sign_in(team, "rita", PASSWORD, now=now + 0.5)  # even the right password waits its turn
    assert refused.value.wait > 0
    later = now + 10_000
    assert sign_in(team, "rita", PASSWORD, now=later).name == "rita"


def test_an_editors_change_is_a_draft_until_a_reviewer_approves_it(team: Store):
    record = a_crossing(team)
    before = team.revision()
    new_notes = "A corrected note."
    made = propose(team, "ed", record.id, {"notes": new_notes}, reason="new report", source_ids=["S5"], base=before)
    assert made.status == "draft" and team.revision() == before  # no revision: the public sees nothing new
    assert team.record(record.id).properties["notes"] == record.properties["notes"]
    with pytest.raises(AccessDenied):
        review(team, "ed", made.id, approve=True, note="fine")  # an editor cannot review
    done = review(team, "rita", made.id, approve=True, note="checked S5")
    assert done.status == "approved" and done.revision == before + 1
    assert team.record(record.id).properties["notes"] == new_notes
    entry = team.history(record.id)[-1]
    assert entry.author == "ed" and "rita" in entry.reason


def test_a_reviewer_cannot_approve_their_own_change_by_default(team: Store):
    record = a_crossing(team)
    made = propose(team, "rita", record.id, {"name_en": "Renamed"}, reason="typo", base=team.revision())
    with pytest.raises(AccessDenied):
        review(team, "rita", made.id, approve=True, note="mine")
    assert review(team, "rita", made.id, approve=True, note="mine", allow_self_review=True).status == "approved"


def test_unknown_accounts_cannot_write_and_invalid_drafts_are_refused(team: Store):
    record = a_crossing(team)
    with pytest.raises(AccessDenied):
        propose(team, "nobody", record.id, {"name_en": "x"}, reason="r", base=team.revision())
    with pytest.raises(RevisionRefused) as refused:
        propose(team, "ed", record.id, {"confidence": "very"}, reason="r", base=team.revision())
    assert "confidence" in str(refused.value)


def test_less_visible_takes_effect_at_once_more_visible_waits(team: Store):
    record = a_crossing(team)
    made = propose(team, "ed", record.id, {"visibility": "restricted"}, reason="danger", base=team.revision())
    assert made.applied_at_once is not None
    assert record.id not in set(public_view(team.read_dataset()).layers["crossings"]["id"])
    back = propose(team, "ed", record.id, {"visibility": "public"}, reason="safe now", base=team.revision())
    assert back.applied_at_once is None
    assert record.id not in set(public_view(team.read_dataset()).layers["crossings"]["id"])
    review(team, "rita", made.id, approve=False, note="superseded")
    review(team, "rita", back.id, approve=True, note="agreed")
    assert record.id in set(public_view(team.read_dataset()).layers["crossings"]["id"])


def test_a_second_editor_gets_a_conflict_naming_the_first_change(team: Store):
    record = a_crossing(team)
    base = team.revision()
    propose(team, "ed", record.id, {"name_en": "First"}, reason="one", base=base)
    with pytest.raises(DraftConflict) as conflict:
        propose(team, "eve", record.id, {"name_en": "Second"}, reason="two", base=base)
    assert conflict.value.other.author == "ed" and "name_en" in str(conflict.value)
    assert len(drafts_for(team, record.id, "draft")) == 1


def test_a_new_event_with_a_new_source_appears_after_approval(team: Store):
    source = {"id": "S900", "outlet": "Field notes", "title": "Interview", "url": "", "is_mirror": "false"}
    changes = {
        "kind": "report",
        "name_en": "A new report",
        "confidence": "single-source",
        "source_ids": ["S900"],
        "date_start": "2024-02-03",
        "date_precision": "day",
        "location_precision": "town",
        "uncertainty_m": 3000,
        "geometry": Point(129.5, 42.9),
    }
    made = propose(
        team, "ed", "ev-new-report", changes, reason="new", base=team.revision(), layer="events", new_sources=[source]
    )
    assert "ev-new-report" not in set(team.read_dataset().layers["events"]["id"])
    review(team, "rita", made.id, approve=True, note="ok")
    dataset = team.read_dataset()
    assert "ev-new-report" in set(dataset.layers["events"]["id"]) and "S900" in set(dataset.sources["id"])
    assert len(dataset.rejected) == 0
