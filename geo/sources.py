"""The sources table as the Sources page shows it: every source with the features and events citing it."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from geo.i18n import N_, _
from geo.io import Dataset
from geo.schema import as_id_list
from geo.text import format_source_date, safe_url

# Where a feature cites a source: for the feature as a whole, for its count, for its coordinates.
CITING_COLUMNS = ("source_ids", "count_source_ids", "coord_source_ids")
# The header shown for each column of sources_table (the frame keeps these English names for the code).
COLUMN_LABELS = {
    "Id": N_("Id"),
    "Outlet": N_("Outlet"),
    "Title": N_("Title"),
    "Published": N_("Published"),
    "Mirror or repost": N_("Mirror or repost"),
    "Primary document": N_("Primary document"),
    "Link": N_("Link"),
    "Repost kept as mirror": N_("Repost kept as mirror"),
    "Notes": N_("Notes"),
    "Cited by features": N_("Cited by features"),
    "Cited by events": N_("Cited by events"),
}


def cited_by(layers: Mapping[str, gpd.GeoDataFrame]) -> dict[str, dict[str, list[str]]]:
    """Source id -> {"features": ids, "events": ids} of the rows citing it in any citing column, sorted."""
    found: dict[str, dict[str, set[str]]] = {}
    for layer, gdf in layers.items():
        group = "events" if layer == "events" else "features"
        columns = [gdf[c] if c in gdf.columns else [None] * len(gdf) for c in CITING_COLUMNS]
        for fid, *cells in zip(gdf["id"], *columns, strict=True):
            for sid in {sid for cell in cells for sid in as_id_list(cell)}:
                found.setdefault(sid, {"features": set(), "events": set()})[group].add(str(fid))
    return {sid: {group: sorted(ids) for group, ids in groups.items()} for sid, groups in found.items()}


def sources_table(dataset: Dataset) -> pd.DataFrame:
    """One row per source, in the order of the sources file; "—" where nothing cites it."""
    sources = dataset.sources
    citing = cited_by(dataset.layers)

    def column(name: str) -> pd.Series:
        return sources[name] if name in sources.columns else pd.Series("", index=sources.index)

    def citing_ids(group: str) -> list[str]:
        return [", ".join(citing.get(sid, {}).get(group, [])) or "—" for sid in sources["id"]]

    return pd.DataFrame(
        {
            "Id": sources["id"],
            "Outlet": sources["outlet"],
            "Title": sources["title"].where(sources["title"] != "", _("unknown")),
            "Published": [
                format_source_date(p or n or _("unknown"))
                for p, n in zip(sources["published"], sources["date_note"], strict=True)
            ],
            "Mirror or repost": sources["is_mirror"] == "true",
            "Primary document": column("primary") == "true",
            "Link": [safe_url(u) for u in sources["url"]],
            "Repost kept as mirror": [safe_url(str(m).split(" ; ")[0]) if m else None for m in column("mirror_urls")],
            "Notes": column("notes"),
            "Cited by features": citing_ids("features"),
            "Cited by events": citing_ids("events"),
        }
    )


def search_sources(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """The rows of sources_table with `query` (case-insensitive) in any cell: outlet, id, title, citing ids."""
    needle = query.strip().lower()
    if not needle:
        return table
    return table[table.apply(lambda row: needle in " ".join(map(str, row.values)).lower(), axis=1)]
