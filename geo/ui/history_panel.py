"""A claim's revision line and History in the details panel (the store's record of every change)."""

from __future__ import annotations

import streamlit as st

from geo.i18n import N_, _, ngettext
from geo.io import Dataset
from geo.store.records import change_rows
from geo.text import escape_markdown as md
from geo.ui.data import get_store
from geo.ui.session import is_editor
from geo.visibility import is_public_record

ACTIONS = {
    "create": N_("first recorded"),
    "change": N_("changed"),
    "retract": N_("retracted"),
    "move": N_("moved in its file"),
}


def _when(stamp: str) -> str:
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 else stamp


@st.cache_data(show_spinner=False, max_entries=64)
def _history(revision: int, fid: str) -> list[dict]:
    """One claim's history, once per dataset revision (a new revision is a new key)."""
    store = get_store()
    return [] if store is None else [entry.as_json() for entry in store.history(fid)]


def render_history(dataset: Dataset, fid: str) -> None:
    """ "Changed on … (revision N)" and the History expander; nothing when the data is not from the store."""
    entry = dataset.row_revisions.get(fid)
    if entry is None or dataset.revision is None:
        return
    editor = is_editor()
    if not editor and not is_public_record(dataset, fid):
        # A generalised record's history holds its exact place and dates: editors only.
        st.caption(_("The history of a record published at coarser precision is shown to editors only."))
        return
    revision, changed_at = entry
    st.caption(_("Changed on {when} (revision {revision})", when=md(_when(changed_at)), revision=revision))
    outlets = dict(zip(dataset.sources["id"], dataset.sources["outlet"], strict=True))
    with st.expander(_("History"), icon=":material/history:"):
        if editor:
            render_drafts(fid)
        for item in reversed(_history(dataset.revision, fid)):
            action = _(ACTIONS[str(item["action"])]) if str(item["action"]) in ACTIONS else str(item["action"])
            when, author = md(_when(str(item["time"]))), md(item["author"])
            revision_title = _("**Revision {revision}**", revision=item["revision"])
            st.markdown(f"{revision_title} · {when} · {author} · {md(action)}")
            lines = ["- " + _("**Reason:** {reason}", reason=md(item["reason"]))]
            if item["source_ids"]:
                cited = ", ".join(
                    f"{md(sid)} ({md(outlets[sid])})" if sid in outlets else md(sid) for sid in item["source_ids"]
                )
                lines.append("- " + _("**Sources:** {cited}", cited=cited))
            if item["action"] == "create":
                lines.append("- " + ngettext("{n} field recorded", "{n} fields recorded", len(item["changes"])))
            else:
                lines.extend(
                    f"- {md(field)}: {md(old)} → {md(new)}" for field, old, new in change_rows(item["changes"])
                )
            st.markdown("\n".join(lines))


def render_drafts(fid: str) -> None:
    """Open drafts and reviewed ones (editors only: the caller checks). Every value is shown as text."""
    from geo.store.review import drafts_for
    from geo.ui.review_panel import draft_table

    store = get_store()
    if store is None:
        return
    for item in reversed(drafts_for(store, fid)):
        if item.status == "approved":
            continue  # an approval is the revision below
        label = "Draft (waiting for review)" if item.status == "draft" else "Rejected draft"
        st.markdown(f"**{label} {item.id}** · {md(_when(item.created_at))} · {md(item.author)}")
        lines = [f"- **Reason:** {md(item.reason)}"]
        if item.review_note:
            lines.append(f"- **Review by {md(item.reviewer or '')}:** {md(item.review_note)}")
        st.markdown("\n".join(lines))
        draft_table(store, item)
