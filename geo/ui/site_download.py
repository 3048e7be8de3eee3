"""The Data page's "publish for readers" block: the static site of the current filters as a zip, and the
<iframe> snippet that embeds it.

Like the other downloads (geo/ui/downloads.py) the zip is built only when its button is clicked
(a deferred download: a page rerun builds nothing), and cached on the dataset version and the filter.
"""

from __future__ import annotations

from dataclasses import astuple
from functools import partial

import streamlit as st

from geo.basemap import basemap_json
from geo.filters import FilterSpec
from geo.i18n import _, language, use_language
from geo.io import DATA_DIR, Dataset
from geo.site import build_site_files, embed_snippet, public_dataset, render_preview, site_zip, site_zip_name
from geo.ui.data import get_dataset

CACHE_SECONDS = 600


@st.cache_data(show_spinner=False, max_entries=16, ttl=CACHE_SECONDS)
def site_zip_bytes(version: str, spec_values: tuple, lang: str = "en") -> bytes:
    """The site in `lang` (its pages, `<html lang>`, the words its scripts show)."""
    dataset = public_dataset(get_dataset())
    spec = FilterSpec(*spec_values)
    with use_language(lang):
        preview = render_preview(dataset, spec, DATA_DIR / "basemap")
        return site_zip(build_site_files(dataset, spec, basemap_json(DATA_DIR), lang=lang, preview=preview))


def _site_file(version: str, spec_values: tuple, lang: str) -> bytes:
    with st.spinner(_("Building the site…")):
        return site_zip_bytes(version, spec_values, lang)


def render_site_download(dataset: Dataset, spec: FilterSpec) -> None:
    st.download_button(
        _("Site for readers (zip)"),
        data=partial(_site_file, dataset.version, astuple(spec), language()),
        file_name=site_zip_name(dataset),
        mime="application/zip",
        key="download-site",
        icon=":material/public:",
        on_click="ignore",
        help=_(
            "A static folder any web host or CDN serves, or that opens from disk: the map, the filters, the "
            "timeline strip, every source and an embed page. It opens with these filters; readers can change them."
        ),
    )
    st.caption(
        _(
            "Unzip it and upload the `crossings-site` folder anywhere (or open `index.html` from disk): nothing is "
            "fetched from another site. To put the map in an article, paste this where it should appear, with the "
            "address where you published the folder:"
        )
    )
    st.code(embed_snippet(), language="html", wrap_lines=True)
