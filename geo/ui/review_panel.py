"""The review queue: a reviewer approves or rejects each draft with a note. Every value from data
or from an editor is shown in a dataframe (text, never HTML or markdown)."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from geo.accounts import Account
from geo.i18n import N_, _
from geo.store import RevisionRefused, Store, StoreError
from geo.store.records import change_rows, diff_fields, field_name, parse_geometry, shown_value
from geo.store.review import Draft, drafts_for, review
from geo.text import display_text
from geo.text import escape_markdown as md

# A one-person deployment may let a reviewer approve their own drafts (default: nobody may).
SELF_REVIEW_VARIABLE = "CROSSINGS_ALLOW_SELF_REVIEW"


def self_review_allowed() -> bool:
    return os.environ.get(SELF_REVIEW_VARIABLE, "").strip().lower() in ("1", "true", "yes")


# The columns of a draft's diff (the frame keeps these names, which code and tests read; the header is translated).
DIFF_COLUMNS = ("field", "now", "proposed")
COLUMN_LABELS = {
    "field": N_("field"),
    "now": N_("now"),
    "proposed": N_("proposed"),
    "draft": N_("draft"),
    "record": N_("record"),
    "author": N_("author"),
    "status": N_("status"),
    "reviewer": N_("reviewer"),
    "note": N_("note"),
    "revision": N_("revision"),
}
# A layer's name in a draft's headline: the store's own name in English, a word with it in Korean.
LAYER_NAMES = {
    "detention_centres": N_("detention_centres"),
    "crossings": N_("crossings"),
    "receiving_facilities": N_("receiving_facilities"),
    "routes": N_("routes"),
    "regular_routes": N_("regular_routes"),
    "events": N_("events"),
    "sources": N_("sources"),
}
STATUS_LABELS = {"draft": N_("draft"), "approved": N_("approved"), "rejected": N_("rejected")}


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def column_config(frame: pd.DataFrame) -> dict[str, str]:
    """Headers in the active language for the columns the review tables name (others as they are)."""
    return {column: _(COLUMN_LABELS[column]) for column in frame.columns if column in COLUMN_LABELS}


def diff_rows(changes) -> list[tuple[str, str, str]]:
    """(field as the reader's language names it, now, proposed)."""
    return [
        (field_name(field), shown_value(field, old), shown_value(field, new))
        for field, old, new in change_rows(changes)
    ]


def stamp_text(stamp: str) -> str:
    """A stored UTC time stamp as a reader sees it: 2026-12-04 15:23 UTC."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


def text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table of data or typed text as a reader should see it: bidirectional controls shown, not applied
    (the table is drawn as text, so no markup can come from a cell)."""
    return frame.map(display_text)


def draft_diff(store: Store, item: Draft) -> pd.DataFrame:
    """field | now | proposed, for one draft against the record as it is now."""
    current = store.record(item.record_id)
    old_props = dict(current.properties) if current else {}
    old_geometry = current.geometry if current else None
    new_props = dict(old_props)
    new_geometry = old_geometry
    for field, value in item.changes.items():
        if field == "geometry":
            new_geometry = parse_geometry(value)
        else:
            new_props[field] = value
    rows = diff_rows(diff_fields(old_props, old_geometry, new_props, new_geometry))
    return text_frame(pd.DataFrame(rows, columns=list(DIFF_COLUMNS), dtype=str))


def new_sources_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """A draft's new sources, their columns named in the reader's language."""
    frame = text_frame(pd.DataFrame(rows, dtype=str))
    return frame.rename(columns={column: field_name(column) for column in frame.columns})


def show_table(frame: pd.DataFrame) -> None:
    st.dataframe(frame, hide_index=True, width="stretch", column_config=column_config(frame))


def draft_table(store: Store, item: Draft) -> None:
    show_table(draft_diff(store, item))
    if item.new_sources:
        st.caption(_("New sources in this draft"))
        st.dataframe(new_sources_frame(item.new_sources), hide_index=True, width="stretch")


def render_review_queue(store: Store, reviewer: Account) -> None:
    waiting = drafts_for(store, status="draft")
    if not waiting:
        st.info(_("No draft is waiting for review."))
    allow_self = self_review_allowed()
    for item in waiting:
        with st.container(border=True, key=f"draft-{item.id}"):
            headline = DRAFT_HEADLINES["create" if item.action == "create" else "change"]
            st.markdown(
                _(
                    headline,
                    draft=item.id,
                    record=md(item.record_id),
                    layer=md(_(LAYER_NAMES[item.layer]) if item.layer in LAYER_NAMES else item.layer),
                    author=md(item.author),
                    when=md(stamp_text(item.created_at)),
                )
            )
            st.markdown(_("**Reason:** {reason}", reason=md(item.reason)))
            if item.applied_at_once:
                st.caption(
                    _(
                        "Made less visible at once in revision {revision} (fail closed).",
                        revision=item.applied_at_once,
                    )
                )
            draft_table(store, item)
            own = item.author == reviewer.name and not allow_self
            if own:
                st.caption(_("Your own change: another reviewer must review it."))
            note = st.text_input(_("Review note"), key=f"review-note-{item.id}", disabled=own)
            approve, reject = st.columns(2)
            if approve.button(_("Approve"), key=f"approve-{item.id}", disabled=own, type="primary"):
                _review(store, reviewer, item, True, note, allow_self)
            if reject.button(_("Reject"), key=f"reject-{item.id}", disabled=own):
                _review(store, reviewer, item, False, note, allow_self)
    reviewed = [d for d in drafts_for(store) if d.status != "draft"][-20:]
    if reviewed:
        st.subheader(_("Recently reviewed"))
        frame = pd.DataFrame(
            [
                {
                    "draft": str(d.id),
                    "record": d.record_id,
                    "author": d.author,
                    "status": status_label(d.status),
                    "reviewer": d.reviewer or "",
                    "note": d.review_note or "",
                    "revision": "" if d.revision is None else str(d.revision),
                }
                for d in reversed(reviewed)
            ],
            dtype=str,
        )
        show_table(text_frame(frame))


def _review(store: Store, reviewer: Account, item: Draft, approve: bool, note: str, allow_self: bool) -> None:
    try:
        done = review(store, reviewer, item.id, approve=approve, note=note, allow_self_review=allow_self)
    except RevisionRefused as refused:
        st.error(_("Not reviewed: {reasons}", reasons="; ".join(md(r) for r in refused.reasons)))
        return
    except StoreError as error:
        st.error(_("Not reviewed: {reasons}", reasons=md(error)))
        return
    st.session_state["_review_message"] = review_message(done)
    st.rerun()


# The headline of a draft in the queue, one whole sentence per kind of draft (markdown; values escaped).
DRAFT_HEADLINES = {
    "create": N_("**Draft {draft}** · new record of {record} ({layer}) · by {author} · {when}"),
    "change": N_("**Draft {draft}** · change of {record} ({layer}) · by {author} · {when}"),
}


def review_message(done: Draft) -> str:
    """What the reviewer is told after a review (plain text: the page escapes it)."""
    if done.status == "approved":
        if done.revision:
            return _("Draft {draft} approved as revision {revision}.", draft=done.id, revision=done.revision)
        return _("Draft {draft} approved.", draft=done.id)
    return _("Draft {draft} rejected.", draft=done.id)
