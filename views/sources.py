"""Sources, the validation report, the dataset version and the data licences."""

import pandas as pd
import streamlit as st

from geo.schema import as_id_list
from geo.text import format_source_date, safe_url
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

cited_by: dict[str, list[str]] = {}
cited_by_events: dict[str, list[str]] = {}
for layer_name, gdf in dataset.layers.items():
    target = cited_by_events if layer_name == "events" else cited_by
    for fid, ids, count_ids, coord_ids in zip(
        gdf["id"],
        gdf["source_ids"],
        gdf.get("count_source_ids", [None] * len(gdf)),
        gdf.get("coord_source_ids", [None] * len(gdf)),
        strict=True,
    ):
        for sid in {*as_id_list(ids), *as_id_list(count_ids), *as_id_list(coord_ids)}:
            target.setdefault(sid, []).append(fid)

sources = dataset.sources
table = pd.DataFrame(
    {
        "Id": sources["id"],
        "Outlet": sources["outlet"],
        "Title": sources["title"].where(sources["title"] != "", "unknown"),
        "Published": [
            format_source_date(p or n or "unknown")
            for p, n in zip(sources["published"], sources["date_note"], strict=True)
        ],
        "Mirror or repost": sources["is_mirror"] == "true",
        "Primary document": sources.get("primary", pd.Series("", index=sources.index)) == "true",
        "Link": [safe_url(u) for u in sources["url"]],
        "Repost kept as mirror": [
            safe_url(str(m).split(" ; ")[0]) if m else None
            for m in sources.get("mirror_urls", pd.Series("", index=sources.index))
        ],
        "Notes": sources.get("notes", pd.Series("", index=sources.index)),
        "Cited by features": [", ".join(sorted(cited_by.get(sid, []))) or "—" for sid in sources["id"]],
        "Cited by events": [", ".join(sorted(cited_by_events.get(sid, []))) or "—" for sid in sources["id"]],
    }
)
query = st.text_input("Search sources", placeholder="outlet, id or feature, e.g. Daily NK, S16, x-tumen-namyang")
if query:
    needle = query.strip().lower()
    table = table[table.apply(lambda row: needle in " ".join(map(str, row.values)).lower(), axis=1)]
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
st.markdown(f"Dataset version **`{dataset.version}`**: the first 12 hex digits of the SHA-256 of `data/manifest.json`.")
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
