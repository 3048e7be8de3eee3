"""The Import page's last step for signed-in editors: propose the accepted rows as drafts for review."""

from __future__ import annotations

import streamlit as st

from geo import upload
from geo.store.review import propose_rows
from geo.text import escape_markdown as md
from geo.ui.data import get_store
from geo.ui.session import signed_in


def render_propose_drafts(result: upload.ImportResult, name: str) -> None:
    editor = signed_in()
    store = get_store()
    if editor is None or not editor.may("propose") or store is None or not len(result.layer):
        return
    st.markdown("### 4. Propose as drafts")
    st.caption(
        "Each accepted row becomes a draft of a new record, with its sources; a reviewer approves or rejects "
        "each one. Nothing is public before that."
    )
    reason = st.text_input("Reason (required; shown in each record's history)", key="import-draft-reason")
    if st.button(f"Propose {len(result.layer):,} rows as drafts", key="import-propose", disabled=not reason.strip()):
        rows = [
            (dict(row), geometry)
            for row, geometry in zip(
                result.layer.drop(columns=["geometry"]).to_dict("records"), result.layer.geometry, strict=True
            )
        ]
        made, refused = propose_rows(store, editor, rows, result.sources.to_dict("records"), reason=reason)
        if made:
            st.success(f"{len(made)} drafts are waiting for review (from {md(name)}).")
        for line in refused:
            st.error(md(line))
