"""The shared filter widgets (in the entrypoint, so every page shares them) and the footer."""

from __future__ import annotations

from datetime import date

import streamlit as st

from geo.filters import crossing_names, date_presets
from geo.io import Dataset
from geo.schema import EVENT_KINDS
from geo.text import escape_markdown_inline
from geo.ui import state
from geo.ui.search_box import render_place_search
from geo.vocab import KIND_LABELS

CONFIDENCE_CHOICES = {
    "unknown": "Everything, inferred included",
    "single-source": "Reported by at least one source",
    "confirmed": "Confirmed by two or more sources",
}


def _apply_preset(dates: tuple[date, date]) -> None:
    st.session_state[state.DATES] = dates


def render_filters(dataset: Dataset, span: tuple[date, date], today: date) -> None:
    with st.sidebar:
        st.markdown("### Filters")
        presets = date_presets(today, span)
        st.caption("Quick ranges")
        columns = st.columns(2)
        for index, (label, dates) in enumerate(presets.items()):
            columns[index % 2].button(
                label, key=f"preset-{index}", on_click=_apply_preset, args=(dates,), width="stretch"
            )
        st.date_input(
            "Date range",
            value=(span[0], max(span[1], today)),
            min_value=date(1980, 1, 1),
            max_value=max(span[1], today),
            key=state.DATES,
            bind="query-params",
            format="YYYY-MM-DD",
            help="A feature is shown when its dates overlap the range. Undated places (such as crossings "
            "not linked to 9 Oct 2023) are always shown.",
        )
        crossings = dataset.layers["crossings"]
        names = crossing_names(crossings)
        used = dict(zip(crossings["id"], crossings["used_2023_10_09"], strict=True))  # once, not per comparison
        used_first = sorted(names, key=lambda fid: (used.get(fid) is not True, names[fid]))
        st.multiselect(
            "Crossings",
            options=used_first,
            format_func=lambda fid: names.get(fid, fid),
            key=state.CROSSINGS,
            bind="query-params",
            placeholder="All crossings",
            help="Keeps the chosen crossings with their routes, origins, receiving facilities and events, "
            "and moves the map to them.",
        )
        with st.expander("More filters"):
            st.selectbox(
                "Confidence",
                options=list(CONFIDENCE_CHOICES),
                format_func=lambda c: CONFIDENCE_CHOICES[c],
                key=state.CONFIDENCE,
                bind="query-params",
            )
            st.multiselect(
                "Kinds",
                options=[
                    "detention_centre",
                    "crossing",
                    "receiving_facility",
                    "route_leg",
                    "regular_route",
                    *EVENT_KINDS,
                ],
                format_func=lambda k: KIND_LABELS.get(k, k),
                key=state.KINDS,
                bind="query-params",
                placeholder="All kinds",
            )
        render_place_search(dataset, key="sidebar-place-search", limit=5, compact=True)


def render_footer(dataset: Dataset) -> None:
    licences = sorted({escape_markdown_inline(entry["licence"]) for entry in dataset.manifest.files.values()})
    st.divider()
    st.caption(
        "**Data:** curated from public reporting; every feature cites its sources "
        "(see *Sources*). "
        f"**Dataset version** `{dataset.version}` (manifest hash of the data release"
        f"{'' if dataset.revision is None else f'; store revision {dataset.revision}'}). "
        "**Basemap:** Natural Earth (public domain), GSHHG/WDBII (LGPL-3.0), GeoNames (CC BY 4.0). "
        f"**Licences:** {'; '.join(licences)}."
    )
    if len(dataset.rejected):
        st.caption(
            f"{dataset.rejected['id'].nunique()} rows of the bundled data were rejected by validation: see *Sources*."
        )
