"""The features of a filter as one display table (the Data page), one row per feature."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import geopandas as gpd
import pandas as pd

from geo.i18n import N_, _
from geo.schema import LAYERS, LOCATION_PRECISION_LABELS, as_id_list, as_text
from geo.text import count_confidence_phrase, format_count, format_dates, precision_phrase, publisher_names
from geo.vocab import kind_label

TABLE_COLUMNS = (
    "id",
    "Layer",
    "Kind",
    "Name",
    "Korean",
    "Chinese",
    "Dates",
    "Date precision",
    "Start",
    "People",
    "Confidence",
    "Number's confidence",
    "Location precision",
    "Sources",
)
# The header shown for each column (the frame keeps the English names above, which code and tests read).
COLUMN_LABELS = {
    "id": N_("Id"),
    "Layer": N_("Layer"),
    "Kind": N_("Kind"),
    "Name": N_("Name"),
    "Korean": N_("Korean"),
    "Chinese": N_("Chinese"),
    "Dates": N_("Dates"),
    "Date precision": N_("Date precision"),
    "Start": N_("Start"),
    "People": N_("People"),
    "Confidence": N_("Confidence"),
    "Number's confidence": N_("Number's confidence"),
    "Location precision": N_("Location precision"),
    "Sources": N_("Sources"),
}
# A confidence code as the table shows it: the code itself in English, its word in another language.
CONFIDENCE_WORDS = {
    "confirmed": N_("confirmed"),
    "single-source": N_("single-source"),
    "inferred": N_("inferred"),
    "unknown": N_("unknown"),
}


def column_label(column: str) -> str:
    return _(COLUMN_LABELS.get(column, column))


def confidence_word(code: object) -> str:
    text = as_text(code)
    return _(CONFIDENCE_WORDS[text]) if text in CONFIDENCE_WORDS else text


LINE_LAYERS = ("routes", "regular_routes")  # lines carry no count of people


def _location(layer: str, row: Mapping[str, object]) -> str:
    if layer == "routes":
        if row.get("evidence") == "inferred":
            return _("schematic line (inferred leg)")
        return _("schematic line (reported leg)")
    if layer == "regular_routes":
        return _("schematic line between town and city centres (regular route per NKDB, not 9 Oct 2023)")
    if row.get("geometry") is None:
        return _("no location")
    return _(LOCATION_PRECISION_LABELS.get(as_text(row.get("location_precision")), N_("unknown")))


def feature_table(layers: Mapping[str, gpd.GeoDataFrame], sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Kind, names, dates and their precision, people (a range or "unknown", never 0), confidence, the
    number's own confidence with its outlets (from `sources`), location precision and sources of every
    feature, in layer order. `Start` is the first day the dates cover, so the table sorts by time;
    undated features have none."""
    names = publisher_names(sources) if sources is not None else {}
    records = []
    for layer in LAYERS:
        gdf = layers.get(layer)
        if gdf is None or not len(gdf):
            continue
        for row in gdf.to_dict("records"):
            sources = list(
                dict.fromkeys(
                    as_id_list(row.get("source_ids"))
                    + as_id_list(row.get("count_source_ids"))
                    + as_id_list(row.get("coord_source_ids"))
                )
            )
            start = row.get("span_start")
            records.append(
                {
                    "id": as_text(row.get("id")),
                    "Layer": _(LAYERS[layer].title),
                    "Kind": kind_label(row.get("kind")),
                    "Name": as_text(row.get("name_en")),
                    "Korean": as_text(row.get("name_ko")),
                    "Chinese": as_text(row.get("name_zh")),
                    "Dates": _("not dated (a usual route, per NKDB)")
                    if layer == "regular_routes"
                    else format_dates(row.get("date_start"), row.get("date_end"), row.get("date_precision")),
                    "Date precision": precision_phrase(row.get("date_precision"))
                    if as_text(row.get("date_start"))
                    else "",
                    "Start": None if start is None or pd.isna(start) else pd.Timestamp(start).date(),
                    "People": "—"
                    if layer in LINE_LAYERS
                    else format_count(row.get("count_low"), row.get("count_high")),
                    "Confidence": confidence_word(row.get("confidence")),
                    "Number's confidence": count_confidence_phrase(row, names) if layer not in LINE_LAYERS else "",
                    "Location precision": _location(layer, row),
                    "Sources": ", ".join(sources),
                }
            )
    return pd.DataFrame(records, columns=list(TABLE_COLUMNS))


def filter_rows(table: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows in which every word of the query appears somewhere (case-insensitive)."""
    words = query.casefold().split()
    if not words:
        return table
    text = table.map(lambda v: "" if pd.isna(v) else str(v)).agg(" ".join, axis=1).str.casefold()
    mask = pd.Series(True, index=table.index)
    for word in words:
        mask &= text.str.contains(word, regex=False)
    return table[mask]


def selected_id(table: pd.DataFrame, rows: list[int]) -> str | None:
    """The feature id of the selected row; selection rows are positions in the frame given to st.dataframe."""
    if not rows or rows[0] >= len(table) or rows[0] < 0:
        return None
    return str(table.iloc[rows[0]]["id"])


def table_key(table: pd.DataFrame) -> str:
    """A widget key that changes with the rows shown, so a selection (row positions) never
    outlives the rows it was made on."""
    digest = hashlib.sha1("\x1f".join(table["id"]).encode("utf-8"), usedforsecurity=False).hexdigest()[:10]
    return f"data-table-{digest}"
