"""The shared filter widgets (in the entrypoint, so every page shares them) and the footer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from geo.filters import crossing_names, date_presets
from geo.i18n import N_, _, language, ngettext, use_language
from geo.io import Dataset
from geo.schema import EVENT_KINDS
from geo.text import escape_markdown_inline
from geo.ui import state
from geo.ui.search_box import render_place_search
from geo.vocab import kind_label

CONFIDENCE_CHOICES = {
    "unknown": N_("Everything, inferred included"),
    "single-source": N_("Reported by at least one source"),
    "confirmed": N_("Confirmed by two or more sources"),
}

UNKNOWN_CROSSING = N_("The link names a crossing that is not in the data: {values}. It was left out of the filters.")
UNKNOWN_KIND = N_("The link names a kind that is not in the data: {values}. It was left out of the filters.")
UNKNOWN_CONFIDENCE = N_(
    "The link names a confidence level that is not in the data: {values}. It was left out of the filters."
)

KIND_CHOICES = ("detention_centre", "crossing", "receiving_facility", "route_leg", "regular_route", *EVENT_KINDS)


def in_language(lang: str, label: Callable[[str], str]) -> Callable[[str], str]:
    """A widget's format_func that names options in `lang`, wherever Streamlit calls it (AppTest formats the
    previous run's values outside the script run, where the language is not set)."""

    def format_in_language(value: str) -> str:
        with use_language(lang):
            return label(value)

    return format_in_language


def render_url_notices() -> None:
    """What a link asked for that the data does not have, said at the top of the page."""
    for message in state.url_notices():
        st.warning(message, icon=":material/link_off:")


def _apply_preset(dates: tuple[date, date]) -> None:
    st.session_state[state.DATES] = dates


def render_filters(dataset: Dataset, span: tuple[date, date], today: date) -> None:
    with st.sidebar:
        st.markdown("### " + _("Filters"))
        presets = date_presets(today, span)
        st.caption(_("Quick ranges"))
        columns = st.columns(2)
        for index, (label, dates) in enumerate(presets.items()):
            columns[index % 2].button(
                _(label), key=f"preset-{index}", on_click=_apply_preset, args=(dates,), width="stretch"
            )
        st.date_input(
            _("Date range"),
            value=(span[0], max(span[1], today)),
            min_value=date(1980, 1, 1),
            max_value=max(span[1], today),
            key=state.DATES,
            bind="query-params",
            format="YYYY-MM-DD",
            help=_(
                "A feature is shown when its dates overlap the range. Undated places (such as crossings "
                "not linked to 9 Oct 2023) are always shown."
            ),
        )
        crossings = dataset.layers["crossings"]
        names = crossing_names(crossings)
        used = dict(zip(crossings["id"], crossings["used_2023_10_09"], strict=True))  # once, not per comparison
        used_first = sorted(names, key=lambda fid: (used.get(fid) is not True, names[fid]))
        # Crossings, kinds and confidence are ids in the URL (state.sync_choice_*), as in the CLI and the
        # citation manifest; the widgets' own URL binding would write their display names.
        kind_names = {kind: kind_label(kind) for kind in KIND_CHOICES}
        state.sync_choice_from_url(state.CROSSINGS, names, UNKNOWN_CROSSING)
        state.sync_choice_from_url(state.KINDS, kind_names, UNKNOWN_KIND)
        state.sync_choice_from_url(state.CONFIDENCE, CONFIDENCE_CHOICES, UNKNOWN_CONFIDENCE, multiple=False)
        state.check_url_dates()
        st.multiselect(
            _("Crossings"),
            options=used_first,
            format_func=lambda fid: names.get(fid, fid),
            key=state.CROSSINGS,
            on_change=state.clear_url_notice,
            args=(state.CROSSINGS,),
            placeholder=_("All crossings"),
            help=_(
                "Keeps the chosen crossings with their routes, origins, receiving facilities and events, "
                "and moves the map to them."
            ),
        )
        with st.expander(_("More filters")):
            st.selectbox(
                _("Confidence"),
                options=list(CONFIDENCE_CHOICES),
                format_func=in_language(language(), lambda c: _(CONFIDENCE_CHOICES[c])),
                key=state.CONFIDENCE,
                on_change=state.clear_url_notice,
                args=(state.CONFIDENCE,),
            )
            st.multiselect(
                _("Kinds"),
                options=list(KIND_CHOICES),
                format_func=in_language(language(), kind_label),
                key=state.KINDS,
                on_change=state.clear_url_notice,
                args=(state.KINDS,),
                placeholder=_("All kinds"),
            )
        state.sync_choice_to_url(state.CROSSINGS)
        state.sync_choice_to_url(state.KINDS)
        state.sync_choice_to_url(state.CONFIDENCE, default=("unknown",))
        render_place_search(dataset, key="sidebar-place-search", limit=5, compact=True)


def render_footer(dataset: Dataset) -> None:
    licences = sorted({escape_markdown_inline(entry["licence"]) for entry in dataset.manifest.files.values()})
    st.divider()
    code = f"`{dataset.version}`"
    version = (
        _("{version} (manifest hash of the data release)", version=code)
        if dataset.revision is None
        else _(
            "{version} (manifest hash of the data release; store revision {revision})",
            version=code,
            revision=dataset.revision,
        )
    )
    st.caption(
        _(
            "**Data:** curated from public reporting; every feature cites its sources (see *Sources*). "
            "**Dataset version** {version}. "
            "**Basemap:** Natural Earth (public domain), GSHHG/WDBII (LGPL-3.0), GeoNames (CC BY 4.0). "
            "**Licences:** {licences}.",
            version=version,
            licences="; ".join(licences),
        )
    )
    if len(dataset.rejected):
        rejected = dataset.rejected["id"].nunique()
        st.caption(
            ngettext(
                "{n} row of the bundled data was rejected by validation: see *Sources*.",
                "{n} rows of the bundled data were rejected by validation: see *Sources*.",
                rejected,
            )
        )
