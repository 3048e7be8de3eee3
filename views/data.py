"""The features of the current filter as a table, place-name search, and exports with citations."""

from datetime import date

import streamlit as st

from geo.details import feature_details
from geo.filters import describe_endpoint_only, endpoint_only
from geo.i18n import _
from geo.table import column_label, feature_table, filter_rows, selected_id, table_key
from geo.text import escape_markdown as md
from geo.ui import state
from geo.ui.data import filter_sentence, filtered_layers, get_data_span, get_dataset
from geo.ui.details_panel import render_details
from geo.ui.downloads import render_downloads
from geo.ui.navigate import open_map
from geo.ui.search_box import render_place_search
from geo.ui.site_download import render_site_download

LAST_ROW = "_data_table_last"  # the row selection already acted on, so a rerun does not re-select it

dataset = get_dataset()
spec = state.read_spec((get_data_span(dataset)[0], date.today()))
layers = filtered_layers(dataset, spec)
table = feature_table(layers, dataset.sources)

st.markdown("## " + _("Data"))
st.markdown(f"**{filter_sentence(dataset, spec)}**")
st.caption(
    _(
        "The features of the filters in the sidebar. Numbers are ranges or *unknown*, never 0 for a number nobody "
        "reported; *inferred* means a deduction no source states. Select a row to see its details and sources."
    )
)

st.markdown("#### " + _("Download exactly this view"))
render_downloads(dataset, spec)
st.caption(
    _(
        "Each download is a zip: the data file and its citation manifest (the sources the rows cite, the dataset "
        "version, this filter, the export time in UTC, the licences). Every row keeps its confidence, location "
        "precision and a `caveat` marking inferred routes and city-level locations. Same files: "
        "`python -m geo export`."
    )
)
st.markdown("#### " + _("Publish for readers"))
render_site_download(dataset, spec)

search_column, filter_column = st.columns(2, gap="medium")
with search_column:
    render_place_search(dataset, key="data-place-search", shown_ids=set(table["id"]), limit=6)
with filter_column:
    query = st.text_input(
        _("Filter the table"), key="data-table-filter", placeholder=_("words in any column, e.g. Tumen inferred")
    )
shown = filter_rows(table, query or "")
if query:
    st.caption(_("{shown} of {total} rows match the words", shown=len(shown), total=len(table)))
else:
    st.caption(_("{shown} of {total} rows", shown=len(shown), total=len(table)))
ends_note = describe_endpoint_only(endpoint_only(layers, spec))
if ends_note:
    st.caption(_("{note} The exports and their citation list them too.", note=md(ends_note)))

event = st.dataframe(
    shown,
    key=table_key(shown),  # a new set of rows starts with no selection: positions would point elsewhere
    on_select="rerun",
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    height="auto" if len(shown) <= 10 else 420,
    column_order=[
        "Kind",
        "Name",
        "Dates",
        "People",
        "Number's confidence",
        "Confidence",
        "Location precision",
        "Korean",
        "Chinese",
        "Date precision",
        "Start",
        "Sources",
        "id",
    ],
    column_config={
        "id": st.column_config.TextColumn(column_label("id"), help=_("The feature's stable id"), width=150),
        "Kind": st.column_config.TextColumn(column_label("Kind"), width=170),
        "Name": st.column_config.TextColumn(column_label("Name"), width=280),
        "Korean": st.column_config.TextColumn(column_label("Korean"), width=120),
        "Chinese": st.column_config.TextColumn(column_label("Chinese"), width=120),
        "Dates": st.column_config.TextColumn(column_label("Dates"), width=150),
        "Start": st.column_config.DateColumn(
            column_label("Start"), format="YYYY-MM-DD", help=_("First day the dates cover")
        ),
        "People": st.column_config.TextColumn(
            column_label("People"), help=_("A range, a bound or unknown; never an average")
        ),
        "Number's confidence": st.column_config.TextColumn(
            column_label("Number's confidence"),
            help=_("The number's own confidence and the outlets that give it"),
            width=260,
        ),
        "Confidence": st.column_config.TextColumn(column_label("Confidence")),
        "Location precision": st.column_config.TextColumn(column_label("Location precision")),
        "Date precision": st.column_config.TextColumn(column_label("Date precision")),
        "Sources": st.column_config.TextColumn(column_label("Sources"), help=_("Source ids: see the Sources page")),
    },
)
rows = list(event.selection.rows) if event is not None else []
chosen = selected_id(shown, rows)
if chosen and chosen != st.session_state.get(LAST_ROW):
    state.select_feature(chosen, focus=True)
st.session_state[LAST_ROW] = chosen

fid = state.selected_feature()
details = feature_details(dataset, fid) if fid else None
if details is not None:
    st.divider()
    info, actions = st.columns([0.7, 0.3], gap="medium")
    with info, st.container(key="data-details"):
        render_details(details)
    with actions:
        if st.button(_("Open on the map"), key="data-open-map", icon=":material/map:", type="primary"):
            state.select_feature(details.id, focus=True)
            open_map(details.id)
        if details.layer == "crossings":
            st.page_link(
                "views/crossing.py",
                label=_("Open the crossing profile"),
                icon=":material/swap_horiz:",
                query_params={"profile": details.name_en},
            )
        if details.id not in set(table["id"]):
            st.caption(_("This feature is outside the current filters, so it is not in the table or the exports."))
else:
    st.caption(_("No feature selected."))
