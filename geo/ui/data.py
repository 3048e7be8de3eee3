"""Cached access to the dataset, its filtered views and the serialised map layers.

The dataset is loaded once per process (st.cache_resource: shared, never mutated). Everything
derived from it is keyed on the dataset version (a content hash) and the plain values of the
filter spec; the dataset itself is passed as an unhashed `_dataset` argument, because a
GeoDataFrame cannot be a cache argument. What a rerun reads is small and in st.cache_data (the
filter sentence's count, the serialised map layers: strings); the GeoDataFrames stay in
st.cache_resource (shared, not copied: a cache_data hit would unpickle every row on every rerun),
so a rerun that does not change the data does no data work at all.
"""

from __future__ import annotations

import logging
import os
from dataclasses import astuple
from datetime import UTC, date, datetime
from typing import NamedTuple

import numpy as np
import pandas as pd
import sqlalchemy as sa
import streamlit as st

from geo.basemap import basemap_json, basemap_reference
from geo.clientdata import client_document, group_rows, selected_group_counts, write_document
from geo.filters import (
    FilterSpec,
    LayerIndex,
    apply_filters,
    data_span,
    describe_on_map,
    describe_view,
    index_layers,
    select_rows,
)
from geo.i18n import N_, _, language, use_language
from geo.io import COLUMN_CACHE_DIR, DATA_DIR, STATIC_DIR, Dataset, load_dataset
from geo.payload import (
    ICON_LIMIT,
    STATIC,
    MapLayers,
    PointCodes,
    encode_features,
    encode_points,
    row_bounds,
    selected_bounds,
    serialise_map,
    view_for_bounds,
)
from geo.schema import CONTEXT_LAYERS
from geo.store import Store, StoreError, open_current_store
from geo.text import escape_markdown_inline
from geo.ui.session import is_editor
from geo.visibility import editor_view, public_view
from geo.vocab import HIDDEN_BY_DEFAULT

# How often an open session asks the store for a newer revision (seconds). The answer is shared by
# every session of the process for REVISION_TTL_SECONDS, so a revision written by another session,
# another replica or `python -m geo db revise` shows within about the sum of the two (under 5 s).
REVISION_POLL_SECONDS = 3
REVISION_TTL_SECONDS = 1

log = logging.getLogger(__name__)


class SpinnerText(str):
    """A cache's spinner text (fixed when the decorator runs, at import) that reads as its translation in
    the language of the run that shows it: Streamlit turns it into text with str() in the script thread."""

    def __str__(self) -> str:
        return _(str.__str__(self))


class StoreUnavailable(RuntimeError):
    """The store cannot be reached and this process has no earlier revision of the data to show."""


@st.cache_resource(show_spinner=SpinnerText(N_("Opening the data store…")))
def get_store() -> Store | None:
    """The store the app reads (CROSSINGS_DATABASE_URL, else the embedded default). None when
    CROSSINGS_DATA_DIR names a data directory: its files are then shown exactly as they are."""
    if os.environ.get("CROSSINGS_DATA_DIR"):
        return None
    return open_current_store()


@st.cache_resource(show_spinner=False)
def _store_health() -> dict:
    """The process's last answer from the store: the revision it read and the outage, if any."""
    return {"revision": None, "outage": None}


@st.cache_data(ttl=REVISION_TTL_SECONDS, show_spinner=False)
def _polled_revision() -> int | None:
    store = get_store()
    return None if store is None else store.revision()


def _note_outage(error: Exception) -> None:
    health = _store_health()
    if health["outage"] is None:
        # The details (host, driver message) go to the server log only, never to viewers.
        log.warning("the data store is unreachable: %s", error)
        health["outage"] = datetime.now(UTC)


def current_revision() -> int | None:
    """The store's revision counter: one tiny query per process at most once per REVISION_TTL_SECONDS.
    While the store is unreachable: the last revision this process read (None if it never read one)."""
    health = _store_health()
    try:
        revision = _polled_revision()
    except (sa.exc.DBAPIError, StoreError) as error:
        _note_outage(error)
        return health["revision"]
    if health["outage"] is not None:
        log.warning("the data store is reachable again")
    health["outage"] = None
    return revision


current_revision.clear = _polled_revision.clear  # type: ignore[attr-defined]  # forget the polled answer


def store_outage() -> datetime | None:
    """Since when the store has been unreachable (UTC), or None when it answers."""
    return _store_health()["outage"]


def get_dataset() -> Dataset:
    """What this session may see at the store's current revision: the public view (geo.visibility,
    the one privacy choke point) for every viewer, the full data for a signed-in editor. Every cache
    below keys on its version, which changes with the revision (and differs between the two views),
    so a new revision is new data everywhere without a restart. While the store is unreachable, the
    last revision this process read (StoreUnavailable if there is none)."""
    health = _store_health()
    revision = current_revision()
    if health["outage"] is not None and revision is None:
        raise StoreUnavailable("the data store is unreachable and no revision has been read yet")
    try:
        full = _dataset_at(revision)
    except (sa.exc.DBAPIError, StoreError) as error:
        _note_outage(error)
        if health["revision"] is None:
            raise StoreUnavailable("the data store is unreachable and no revision has been read yet") from error
        full = _dataset_at(health["revision"])  # read before, so in the cache: no query
    else:
        if health["outage"] is None:
            health["revision"] = revision
    return _editor_dataset(full.version, full) if is_editor() else _public_dataset(full.version, full)


def get_full_dataset() -> Dataset:
    """Every record, restricted ones included: only for code that has checked the account's role."""
    return _dataset_at(current_revision())


@st.cache_resource(show_spinner=False, max_entries=2)
def _public_dataset(version: str, _full: Dataset) -> Dataset:
    return public_view(_full)


@st.cache_resource(show_spinner=False, max_entries=2)
def _editor_dataset(version: str, _full: Dataset) -> Dataset:
    return editor_view(_full)


@st.cache_resource(show_spinner=SpinnerText(N_("Loading the dataset…")), max_entries=2)
def _dataset_at(revision: int | None) -> Dataset:
    store = get_store()
    return load_dataset(DATA_DIR, COLUMN_CACHE_DIR) if store is None else store.read_dataset(revision)


@st.fragment(run_every=REVISION_POLL_SECONDS)
def follow_revisions(shown: int | None, outage_shown: bool = False) -> None:
    """Rerun the page when the store has moved past the revision this page shows, or when it goes
    away or comes back (the page says so)."""
    revision = current_revision()
    if (store_outage() is not None) != outage_shown or (shown is not None and revision != shown):
        st.rerun()


def get_data_span(dataset: Dataset) -> tuple[date, date]:
    """The first and last day of the data (every page's date limits), once per dataset version."""
    return _data_span(dataset.version, dataset)


@st.cache_resource(show_spinner=False, max_entries=8)
def _data_span(version: str, _dataset: Dataset) -> tuple[date, date]:
    return data_span(_dataset.layers)


@st.cache_resource(show_spinner=SpinnerText(N_("Loading the offline basemap…")))
def get_basemap_json(version: str) -> str:
    """The offline basemap for CrossingsMap.basemap: the properties it reads, exact integer coordinates."""
    return basemap_json(DATA_DIR)


@st.cache_resource(show_spinner=False)
def get_map_basemap(version: str) -> str:
    """The basemap argument of the live maps: a reference to the served file, or the document itself
    when the served file is not this data's basemap (files that travel, like the briefing, embed it)."""
    document = get_basemap_json(version)
    return basemap_reference(document) or document


def filtered_layers(dataset: Dataset, spec: FilterSpec):
    """The layers under the spec. Shared with every session: read them, never modify them."""
    return dict(_filtered(dataset.version, astuple(spec), dataset))


@st.cache_resource(show_spinner=False, max_entries=4)
def _filtered(version: str, spec_values: tuple, _dataset: Dataset):
    return apply_filters(_dataset.layers, FilterSpec(*spec_values), _filter_index(version, _dataset))


@st.cache_resource(show_spinner=False, max_entries=4)
def _filter_index(version: str, _dataset: Dataset) -> dict[str, LayerIndex]:
    """The columns the filters read, once per dataset version (a filter state nobody has opened is then cheap)."""
    return index_layers(_dataset.layers)


@st.cache_resource(show_spinner=False, max_entries=4)
def _selection(version: str, spec_values: tuple, _dataset: Dataset) -> dict:
    """The rows _filtered holds, as a boolean mask per layer: the counts and the map's view read these,
    so a filter change on the map page builds no filtered frames (at 100,000 events that was most of
    its rerun)."""
    return select_rows(_dataset.layers, FilterSpec(*spec_values), _filter_index(version, _dataset))


@st.cache_resource(show_spinner=False, max_entries=4)
def _row_facts(version: str, _dataset: Dataset) -> tuple[dict, dict]:
    """Once per dataset version: each row's bounds (geo.payload.row_bounds) and each map group's drawable
    rows (geo.clientdata.group_rows)."""
    layers = _dataset.layers
    return {name: row_bounds(gdf) for name, gdf in layers.items()}, group_rows(layers)


@st.cache_data(show_spinner=False, max_entries=256)
def _shown_count(version: str, spec_values: tuple, _dataset: Dataset) -> int:
    """geo.filters.count_features of the filtered layers."""
    selected = _selection(version, spec_values, _dataset)
    return sum(int(np.count_nonzero(mask)) for name, mask in selected.items() if name not in CONTEXT_LAYERS)


def filter_sentence(dataset: Dataset, spec: FilterSpec) -> str:
    shown = _shown_count(dataset.version, astuple(spec), dataset)
    # The sentence is shown with st.markdown: names from data are escaped (ordinary names are unchanged).
    return describe_view(spec, shown, dataset.layers, escape=escape_markdown_inline)


def on_map_sentence(dataset: Dataset, spec: FilterSpec) -> str:
    """How many of the features in the filter sentence the map draws, and what the others are."""
    shown = _shown_count(dataset.version, astuple(spec), dataset)
    counts = client_group_counts(dataset, spec)  # what every draw mode draws: the drawable rows in view
    # The context layers are off until asked for, and not counted among the features shown.
    return describe_on_map(shown, sum(n for group, n in counts.items() if group not in HIDDEN_BY_DEFAULT))


def map_layers(dataset: Dataset, spec: FilterSpec) -> MapLayers:
    """The serialised map layers, their counts, draw modes and view for one filter state."""
    return _map_layers(dataset.version, astuple(spec), language(), dataset)


@st.cache_data(show_spinner=False, max_entries=64)
def _map_layers(version: str, spec_values: tuple, lang: str, _dataset: Dataset) -> MapLayers:
    layers = _filtered(version, spec_values, _dataset)
    with use_language(lang):  # the payloads carry words (labels, tooltips)
        return serialise_map(layers, lambda layer, kind: _encoded(version, layer, kind, lang, _dataset))


# A layer this large is not worth encoding feature by feature (a view of it shows at most ICON_LIMIT
# points with icons; the rest go as columns or grid counts).
FEATURE_TEXTS_UP_TO = 20_000


@st.cache_resource(show_spinner=False, max_entries=32)
def _encoded(version: str, layer: str, kind: str, lang: str, _dataset: Dataset) -> PointCodes | pd.Series | None:
    """A layer encoded once per dataset version and language, so that a filter change only selects rows:
    "points" (PointCodes, for canvas points and grid counts) or "features" (each row's feature JSON)."""
    gdf = _dataset.layers.get(layer)
    if gdf is None:
        return None
    with use_language(lang):
        if kind == "points":
            return encode_points(layer, gdf) if len(gdf) > ICON_LIMIT else None
        return encode_features(layer, gdf) if len(gdf) <= FEATURE_TEXTS_UP_TO else None


# The map's data for the browser: static/crossings/data/<content hash>.json (served at /app/static/...).
CLIENT_DATA_DIR = STATIC_DIR / "crossings" / "data"
CLIENT_DATA_URL = f"{STATIC}/crossings/data"


class ClientData(NamedTuple):
    """Where map.js fetches the dataset's document ("url") and its binary columns ("binary"), and each
    group's form in it (geo.clientdata.client_modes)."""

    urls: dict[str, str]
    modes: dict[str, str]


def client_data(dataset: Dataset) -> ClientData | None:
    """The dataset's document for map.js (geo.clientdata), written once per dataset version; None when the
    map takes the server's payloads instead: an editor's view (the files are served to anyone, so only the
    public view is ever written), a dataset too large to hold in the browser, or a static directory that
    cannot be written."""
    if is_editor():
        return None
    return _client_data(dataset.version, dataset)


@st.cache_resource(show_spinner=False, max_entries=4)
def _client_data(version: str, _dataset: Dataset) -> ClientData | None:
    document = client_document(_dataset.layers)
    if document is None:
        return None
    try:
        name, binary_name = write_document(document, CLIENT_DATA_DIR)
    except OSError as error:
        log.warning("the map data file cannot be written (%s): the map takes the server's payloads", error)
        return None
    urls = {"url": f"{CLIENT_DATA_URL}/{name}", "binary": f"{CLIENT_DATA_URL}/{binary_name}"}
    return ClientData(urls, dict(document.modes))


def client_group_counts(dataset: Dataset, spec: FilterSpec) -> dict[str, int]:
    """Features each map group draws under the spec (the layer control's counts; map.js draws them)."""
    return _client_group_counts(dataset.version, astuple(spec), dataset)


@st.cache_data(show_spinner=False, max_entries=256)
def _client_group_counts(version: str, spec_values: tuple, _dataset: Dataset) -> dict[str, int]:
    """geo.clientdata.group_counts of the filtered layers."""
    return selected_group_counts(_row_facts(version, _dataset)[1], _selection(version, spec_values, _dataset))


def map_view(dataset: Dataset, spec: FilterSpec) -> tuple:
    """The centre and zoom that frame what the spec shows."""
    return _map_view(dataset.version, astuple(spec), dataset)


@st.cache_data(show_spinner=False, max_entries=256)
def _map_view(version: str, spec_values: tuple, _dataset: Dataset) -> tuple:
    """geo.payload.view_for of the filtered layers."""
    bounds = selected_bounds(_row_facts(version, _dataset)[0], _selection(version, spec_values, _dataset))
    return view_for_bounds(bounds)
