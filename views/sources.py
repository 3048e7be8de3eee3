"""Sources, the validation report, the dataset version and the data licences."""

import pandas as pd
import streamlit as st

from geo.sources import search_sources, sources_table
from geo.ui.data import get_dataset

dataset = get_dataset()

st.markdown("## Sources")
st.markdown(
    "Every feature on the map cites at least one of these sources, named by its outlet. Where a link was a "
    "repost and the original was found, the original is the link and the repost is kept as a mirror; where the "
    "original was not found, the repost is the link and is marked. Numbers are never averaged: conflicting "
    "estimates are shown as a range with every estimate's outlet, and a number nobody reported is *unknown*, "
    "never 0."
)

sources = dataset.sources
table = sources_table(dataset)
query = st.text_input("Search sources", placeholder="outlet, id or feature, e.g. Daily NK, S16, x-tumen-namyang")
table = search_sources(table, query or "")
st.caption(f"{len(table)} of {len(sources)} sources")
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
        "Link": st.column_config.LinkColumn("Link", display_text="open"),
        "Repost kept as mirror": st.column_config.LinkColumn(
            "Repost kept as mirror", display_text="mirror", help="A copy on another site: the Link is the original"
        ),
        "Outlet": st.column_config.TextColumn("Outlet", width=280),
        "Cited by features": st.column_config.TextColumn("Cited by features", width=220),
        "Cited by events": st.column_config.TextColumn("Cited by events", width=220),
    },
)

st.markdown("### Validation report")
counts = dataset.raw_counts()
st.dataframe(
    pd.DataFrame([{"Layer": k, "Valid rows": v["valid"], "Rejected rows": v["rejected"]} for k, v in counts.items()]),
    hide_index=True,
)
if len(dataset.rejected):
    st.warning(f"{len(dataset.rejected)} problems in the bundled data; the rows below are not shown on the map.")
    st.dataframe(dataset.rejected, hide_index=True, width="stretch")
else:
    st.success("Every row of the bundled data passed validation; none was rejected.")

st.markdown("### Dataset version and licences")
st.markdown(
    f"Dataset version **`{dataset.version}`**: the first 12 hex digits of the SHA-256 of the release's "
    "`data/manifest.json`"
    + ("." if dataset.revision is None else f", then `-r` and the store revision once edited (now {dataset.revision}).")
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
)
