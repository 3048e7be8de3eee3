"""The review queue: a reviewer approves or rejects each draft with a note. Every value from data
or from an editor is shown in a dataframe (text, never HTML or markdown)."""

from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from geo.accounts import Account
from geo.store import RevisionRefused, Store, StoreError
from geo.store.records import change_rows, diff_fields, parse_geometry
from geo.store.review import Draft, drafts_for, review
from geo.text import display_text
from geo.text import escape_markdown as md

# A one-person deployment may let a reviewer approve their own drafts (default: nobody may).
SELF_REVIEW_VARIABLE = "CROSSINGS_ALLOW_SELF_REVIEW"


def self_review_allowed() -> bool:
    return os.environ.get(SELF_REVIEW_VARIABLE, "").strip().lower() in ("1", "true", "yes")


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
    rows = change_rows(diff_fields(old_props, old_geometry, new_props, new_geometry))
    return text_frame(pd.DataFrame(rows, columns=["field", "now", "proposed"], dtype=str))


def draft_table(store: Store, item: Draft) -> None:
    st.dataframe(draft_diff(store, item), hide_index=True, width="stretch")
    if item.new_sources:
        st.caption("New sources in this draft")
        st.dataframe(text_frame(pd.DataFrame(item.new_sources, dtype=str)), hide_index=True, width="stretch")


def render_review_queue(store: Store, reviewer: Account) -> None:
    waiting = drafts_for(store, status="draft")
    if not waiting:
        st.info("No draft is waiting for review.")
    allow_self = self_review_allowed()
    for item in waiting:
        with st.container(border=True, key=f"draft-{item.id}"):
            what = "new record" if item.action == "create" else "change"
            st.markdown(
                f"**Draft {item.id}** · {md(what)} of {md(item.record_id)} ({md(item.layer)}) · "
                f"by {md(item.author)} · {md(item.created_at[:16])}"
            )
            st.markdown(f"**Reason:** {md(item.reason)}")
            if item.applied_at_once:
                st.caption(f"Made less visible at once in revision {item.applied_at_once} (fail closed).")
            draft_table(store, item)
            own = item.author == reviewer.name and not allow_self
            if own:
                st.caption("Your own change: another reviewer must review it.")
            note = st.text_input("Review note", key=f"review-note-{item.id}", disabled=own)
            approve, reject = st.columns(2)
            if approve.button("Approve", key=f"approve-{item.id}", disabled=own, type="primary"):
                _review(store, reviewer, item, True, note, allow_self)
            if reject.button("Reject", key=f"reject-{item.id}", disabled=own):
                _review(store, reviewer, item, False, note, allow_self)
    reviewed = [d for d in drafts_for(store) if d.status != "draft"][-20:]
    if reviewed:
        st.subheader("Recently reviewed")
        frame = pd.DataFrame(
            [
                {
                    "draft": str(d.id),
                    "record": d.record_id,
                    "author": d.author,
                    "status": d.status,
                    "reviewer": d.reviewer or "",
                    "note": d.review_note or "",
                    "revision": "" if d.revision is None else str(d.revision),
                }
                for d in reversed(reviewed)
            ],
            dtype=str,
        )
        st.dataframe(text_frame(frame), hide_index=True, width="stretch")


def _review(store: Store, reviewer: Account, item: Draft, approve: bool, note: str, allow_self: bool) -> None:
    try:
        done = review(store, reviewer, item.id, approve=approve, note=note, allow_self_review=allow_self)
    except RevisionRefused as refused:
        st.error("Not reviewed: " + "; ".join(md(r) for r in refused.reasons))
        return
    except StoreError as error:
        st.error(f"Not reviewed: {md(error)}")
        return
    st.session_state["_review_message"] = f"Draft {done.id} {done.status}" + (
        f" as revision {done.revision}." if done.revision else "."
    )
    st.rerun()
