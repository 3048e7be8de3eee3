"""Sources, the validation report, the dataset version and the data licences."""

import pandas as pd
import streamlit as st

from geo.i18n import _
from geo.sources import COLUMN_LABELS, search_sources, sources_table
from geo.ui.data import get_dataset

dataset = get_dataset()

st.markdown("## " + _("Sources"))
st.markdown(
    _(
        "Every feature on the map cites at least one of these sources, named by its outlet. Where a link was a "
        "repost and the original was found, the original is the link and the repost is kept as a mirror; where the "
        "original was not found, the repost is the link and is marked. Numbers are never averaged: conflicting "
        "estimates are shown as a range with every estimate's outlet, and a number nobody reported is *unknown*, "
        "never 0."
    )
)

sources = dataset.sources
table = sources_table(dataset)
query = st.text_input(_("Search sources"), placeholder=_("outlet, id or feature, e.g. Daily NK, S16, x-tumen-namyang"))
table = search_sources(table, query or "")
st.caption(_("{shown} of {total} sources", shown=len(table), total=len(sources)))
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_order=[
        "Id",
        "Outlet",
        "Published",
        "Mirror or repost",
        "Primary document",
        "Link",
        "Repost kept as mirror",
        "Cited by features",
        "Cited by events",
        "Title",
        "Notes",
    ],
    column_config={
        **{column: _(label) for column, label in COLUMN_LABELS.items()},
        "Link": st.column_config.LinkColumn(_(COLUMN_LABELS["Link"]), display_text=_("open")),
        "Repost kept as mirror": st.column_config.LinkColumn(
            _(COLUMN_LABELS["Repost kept as mirror"]),
            display_text=_("mirror"),
            help=_("A copy on another site: the Link is the original"),
        ),
        "Outlet": st.column_config.TextColumn(_(COLUMN_LABELS["Outlet"]), width=280),
        "Cited by features": st.column_config.TextColumn(_(COLUMN_LABELS["Cited by features"]), width=220),
        "Cited by events": st.column_config.TextColumn(_(COLUMN_LABELS["Cited by events"]), width=220),
    },
)

st.markdown("### " + _("Validation report"))
counts = dataset.raw_counts()
st.dataframe(
    pd.DataFrame([{"Layer": k, "Valid rows": v["valid"], "Rejected rows": v["rejected"]} for k, v in counts.items()]),
    hide_index=True,
    column_config={"Layer": _("Layer"), "Valid rows": _("Valid rows"), "Rejected rows": _("Rejected rows")},
)
if len(dataset.rejected):
    st.warning(_("{n} problems in the bundled data; the rows below are not shown on the map.", n=len(dataset.rejected)))
    st.dataframe(
        dataset.rejected,
        hide_index=True,
        width="stretch",
        column_config={
            "layer": _("Layer"),
            "row": _("Row"),
            "id": _("Id"),
            "field": _("Field"),
            "reason": _("Reason"),
        },
    )
else:
    st.success(_("Every row of the bundled data passed validation; none was rejected."))

st.markdown("### " + _("Dataset version and licences"))
if dataset.revision is None:
    st.markdown(
        _(
            "Dataset version **`{version}`**: the first 12 hex digits of the SHA-256 of the release's "
            "`data/manifest.json`.",
            version=dataset.version,
        )
    )
else:
    st.markdown(
        _(
            "Dataset version **`{version}`**: the first 12 hex digits of the SHA-256 of the release's "
            "`data/manifest.json`, then `-r` and the store revision once edited (now {revision}).",
            version=dataset.version,
            revision=dataset.revision,
        )
    )
st.dataframe(
    pd.DataFrame(
        [
            {"File": f"data/{name}", "Licence": entry["licence"], "Source": entry["source"], "SHA-256": entry["sha256"]}
            for name, entry in sorted(dataset.manifest.files.items())
        ]
    ),
    hide_index=True,
    width="stretch",
    column_config={"File": _("File"), "Licence": _("Licence"), "Source": _("Source"), "SHA-256": "SHA-256"},
)
