"""The details panel beside the map: everything known about the selected feature, with sources."""

from __future__ import annotations

import streamlit as st

from geo.details import FeatureDetails, SourceEntry, feature_details
from geo.i18n import _, language
from geo.io import Dataset
from geo.text import escape_markdown as md
from geo.text import format_source_date
from geo.ui import state
from geo.ui.history_panel import render_history
from geo.ui.uploaded import uploaded_details


def source_line(entry: SourceEntry) -> str:
    outlet = md(entry.outlet)
    label = f"[{outlet}]({entry.url})" if entry.url else outlet
    title = f" — “{md(entry.title)}”" if entry.title else ""
    mirror = " · *" + _("mirror or repost") + "*" if entry.is_mirror else ""
    return f"- **{md(entry.id)}** {label}{title}, {md(format_source_date(entry.date))}{mirror}"


def _sources_block(title: str, entries: tuple[SourceEntry, ...]) -> None:
    if entries:
        st.markdown(f"**{title}**\n\n" + "\n".join(source_line(e) for e in entries))


def render_details(details: FeatureDetails) -> None:
    # In Korean the Korean name heads the panel where the data has one; the others follow.
    korean_first = language() == "ko" and details.name_ko
    names = (
        (details.name_ko, details.name_en, details.name_zh)
        if korean_first
        else (details.name_en, details.name_ko, details.name_zh)
    )
    st.markdown(f"#### {md(names[0])}")
    local = " · ".join(md(n) for n in names[1:] if n)
    if local:
        st.markdown(local)
    st.caption(md(details.kind))
    if details.reported:
        st.markdown(_("**What is reported.** {text}", text=md(details.reported)))
    dates = (
        _("{dates} (precise {precision})", dates=details.dates, precision=details.date_precision)
        if details.date_precision
        else details.dates
    )
    rows = [(_("Dates"), dates)]
    if details.count is not None:
        rows.append((_("People"), details.count))
    if details.count_confidence:
        rows.append((_("Number's confidence"), details.count_confidence))
    rows.append((_("Confidence"), details.confidence))
    if details.location:
        rows.append((_("Location"), details.location))
    rows.extend(details.facts)
    st.markdown("\n".join(f"- **{md(k)}:** {md(v)}" for k, v in rows))
    if details.count_note:
        st.caption(md(details.count_note))
    if details.notes:
        st.markdown(_("**Notes.** {text}", text=md(details.notes)))
    _sources_block(_("Sources"), details.sources)
    _sources_block(_("Sources of the number"), details.count_sources)
    _sources_block(_("Sources of the coordinates"), details.coord_sources)


def render_details_panel(dataset: Dataset) -> None:
    fid = state.selected_feature()
    if not fid:
        st.markdown("#### " + _("Details"))
        st.info(
            _(
                "Click a symbol or a line on the map (or focus it with Tab and press Enter) to see what is "
                "reported there, the numbers and every source."
            )
        )
        return
    details = feature_details(dataset, fid) or uploaded_details(dataset, fid)
    if details is None:
        st.warning(_("No feature with id “{id}” in this dataset.", id=md(fid)))
        st.button(_("Clear selection"), on_click=state.select_feature, args=(None,))
        return
    render_details(details)
    render_history(dataset, details.id)
    if details.layer == "crossings" and details.id in set(dataset.layers["crossings"]["id"]):
        st.page_link(
            "views/crossing.py",
            label=_("Open the crossing profile"),
            icon=":material/swap_horiz:",
            query_params={"profile": details.name_en},  # the profile selectbox is bound to ?profile=<name>
        )
    st.button(_("Clear selection"), on_click=state.select_feature, args=(None,), key="clear-selection")
