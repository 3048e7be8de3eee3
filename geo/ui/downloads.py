"""Download buttons for exactly the filtered view, each format bundled with its citation manifest.

The files are built in memory (nothing touches data/) when a button is clicked (Streamlit's deferred
download: a rerun of the page builds none of the four exports, which cost half a second together),
and cached on the dataset version, the filter and the format; a cached export keeps the export time
of the moment it was built, and is rebuilt after CACHE_SECONDS so that time stays close to the download.
"""

from __future__ import annotations

from dataclasses import astuple
from functools import partial
from urllib.parse import urlsplit

import streamlit as st

from geo.export import FORMATS, base_name, build_citation, build_export, citation_json, citation_text
from geo.filters import FilterSpec
from geo.i18n import N_, _, language, use_language
from geo.io import Dataset
from geo.ui.data import filtered_layers, get_dataset

CACHE_SECONDS = 600


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_SECONDS)
def export_zip(version: str, spec_values: tuple, fmt: str, app_url: str = "", lang: str = "en") -> bytes:
    """The export in `lang`: its caveats and citation text in that language, its columns the same in every one."""
    dataset = get_dataset()
    spec = FilterSpec(*spec_values)
    with use_language(lang):
        return build_export(dataset, filtered_layers(dataset, spec), spec, fmt, app_url=app_url).zip_bytes()


@st.cache_data(show_spinner=False, max_entries=64, ttl=CACHE_SECONDS)
def citation_files(
    version: str, spec_values: tuple, app_url: str = "", lang: str = "en"
) -> tuple[bytes, bytes]:  # (json, text)
    dataset = get_dataset()
    spec = FilterSpec(*spec_values)
    with use_language(lang):
        citation = build_citation(dataset, filtered_layers(dataset, spec), spec, app_url=app_url)
        return citation_json(citation), citation_text(citation).encode("utf-8")


def app_address() -> str:
    """The app's address in the viewer's browser (scheme and host), for the view's URL in a citation."""
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def render_downloads(dataset: Dataset, spec: FilterSpec) -> None:
    values = astuple(spec)
    app_url = app_address()
    name = base_name(dataset)
    lang = language()
    columns = st.columns(len(FORMATS) + 1)
    for column, fmt in zip(columns, FORMATS.values(), strict=False):
        column.download_button(
            fmt.label,
            data=partial(_export_file, dataset.version, values, fmt.key, app_url, lang),
            file_name=f"{name}-{fmt.key}.zip",
            mime="application/zip",
            key=f"download-{fmt.key}",
            icon=":material/download:",
            width="stretch",
            on_click="ignore",
            help=_(
                "A zip with {file} and its citation manifest ({file}.citation.json and .txt).",
                file=f"{name}.{fmt.extension}",
            ),
        )
    with columns[-1].popover(_("Citation only"), icon=":material/format_quote:", width="stretch"):
        st.download_button(
            _("Citation manifest (text)"),
            data=partial(_citation_file, dataset.version, values, 1, app_url, lang),
            file_name=f"{name}.citation.txt",
            mime="text/plain",
            key="download-citation-txt",
            on_click="ignore",
            width="stretch",
        )
        st.download_button(
            _("Citation manifest (JSON)"),
            data=partial(_citation_file, dataset.version, values, 0, app_url, lang),
            file_name=f"{name}.citation.json",
            mime="application/json",
            key="download-citation-json",
            on_click="ignore",
            width="stretch",
        )


PREPARING = N_("Preparing the export…")


def _export_file(version: str, spec_values: tuple, fmt: str, app_url: str, lang: str) -> bytes:
    with st.spinner(_(PREPARING)):
        return export_zip(version, spec_values, fmt, app_url, lang)


def _citation_file(version: str, spec_values: tuple, which: int, app_url: str = "", lang: str = "en") -> bytes:
    return citation_files(version, spec_values, app_url, lang)[which]
