"""Download buttons for exactly the filtered view, each format bundled with its citation manifest.

The files are built in memory (nothing touches data/) when a button is clicked (Streamlit's deferred
download: a rerun of the page builds none of the four exports, which cost half a second together),
and cached on the dataset version, the filter and the format; a cached export keeps the export time
of the moment it was built, and is rebuilt after CACHE_SECONDS so that time stays close to the download.
"""

from __future__ import annotations

from dataclasses import astuple
from functools import partial

import streamlit as st

from geo.export import FORMATS, base_name, build_citation, build_export, citation_json, citation_text
from geo.filters import FilterSpec
from geo.io import Dataset
from geo.ui.data import filtered_layers, get_dataset

CACHE_SECONDS = 600


@st.cache_data(show_spinner="Preparing the export…", max_entries=64, ttl=CACHE_SECONDS)
def export_zip(version: str, spec_values: tuple, fmt: str) -> bytes:
    dataset = get_dataset()
    spec = FilterSpec(*spec_values)
    return build_export(dataset, filtered_layers(dataset, spec), spec, fmt).zip_bytes()


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_SECONDS)
def citation_files(version: str, spec_values: tuple) -> tuple[bytes, bytes]:  # (json, text)
    dataset = get_dataset()
    spec = FilterSpec(*spec_values)
    citation = build_citation(dataset, filtered_layers(dataset, spec), spec)
    return citation_json(citation), citation_text(citation).encode("utf-8")


def render_downloads(dataset: Dataset, spec: FilterSpec) -> None:
    values = astuple(spec)
    name = base_name(dataset)
    columns = st.columns(len(FORMATS) + 1)
    for column, fmt in zip(columns, FORMATS.values(), strict=False):
        column.download_button(
            fmt.label,
            data=partial(export_zip, dataset.version, values, fmt.key),
            file_name=f"{name}-{fmt.key}.zip",
            mime="application/zip",
            key=f"download-{fmt.key}",
            icon=":material/download:",
            width="stretch",
            on_click="ignore",
            help=f"A zip with {name}.{fmt.extension} and its citation manifest "
            f"({name}.{fmt.extension}.citation.json and .txt).",
        )
    with columns[-1].popover("Citation only", icon=":material/format_quote:", width="stretch"):
        st.download_button(
            "Citation manifest (text)",
            data=partial(_citation_file, dataset.version, values, 1),
            file_name=f"{name}.citation.txt",
            mime="text/plain",
            key="download-citation-txt",
            on_click="ignore",
            width="stretch",
        )
        st.download_button(
            "Citation manifest (JSON)",
            data=partial(_citation_file, dataset.version, values, 0),
            file_name=f"{name}.citation.json",
            mime="application/json",
            key="download-citation-json",
            on_click="ignore",
            width="stretch",
        )


def _citation_file(version: str, spec_values: tuple, which: int) -> bytes:
    return citation_files(version, spec_values)[which]
