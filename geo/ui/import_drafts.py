"""The Import page's last step for signed-in editors: propose the accepted rows as drafts for review."""

from __future__ import annotations

import streamlit as st

from geo import upload
from geo.i18n import _, ngettext
from geo.store.review import propose_rows
from geo.text import escape_markdown as md
from geo.ui.data import get_store
from geo.ui.session import signed_in


def render_propose_drafts(result: upload.ImportResult, name: str) -> None:
    editor = signed_in()
    store = get_store()
    if editor is None or not editor.may("propose") or store is None or not len(result.layer):
        return
    st.markdown("### " + _("4. Propose as drafts"))
    st.caption(
        _(
            "Each accepted row becomes a draft of a new record, with its sources; a reviewer approves or rejects "
            "each one. Nothing is public before that."
        )
    )
    reason = st.text_input(_("Reason (required; shown in each record's history)"), key="import-draft-reason")
    rows_label = ngettext(
        "Propose {count} row as a draft",
        "Propose {count} rows as drafts",
        len(result.layer),
        count=f"{len(result.layer):,}",
    )
    if st.button(rows_label, key="import-propose", disabled=not reason.strip()):
        rows = [
            (dict(row), geometry)
            for row, geometry in zip(
                result.layer.drop(columns=["geometry"]).to_dict("records"), result.layer.geometry, strict=True
            )
        ]
        made, refused = propose_rows(store, editor, rows, result.sources.to_dict("records"), reason=reason)
        if made:
            st.success(
                ngettext(
                    "{n} draft is waiting for review (from {name}).",
                    "{n} drafts are waiting for review (from {name}).",
                    len(made),
                    name=md(name),
                )
            )
        for line in refused:
            st.error(md(line))
