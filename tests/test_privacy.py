"""Per-record visibility at the one choke point (geo.visibility.public_view), proved on every output.

A restricted and a generalised record are seeded with marker strings and exact coordinates; then
every public output is searched for them: the rendered elements of every page in AppTest (the map
payload included), a deep link to the restricted id, every export format from the command line, the
briefing file, a figure's SVG text and the search results. None may contain them.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import astuple
from pathlib import Path

import pytest
import streamlit as st
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from geo.__main__ import main as geo_main
from geo.clientdata import client_document
from geo.export import FORMATS
from geo.io import load_dataset
from geo.search import load_index, search
from geo.store import Store, open_current_store
from geo.text import escape_markdown as md
from geo.ui.data import CLIENT_DATA_DIR
from geo.visibility import (
    GENERALISED_RADIUS_M,
    WITHHELD_NOTE,
    is_less_visible,
    public_view,
    snap_coordinate,
    visibility_of,
)

APP = Path(__file__).resolve().parents[1] / "app.py"
RESTRICTED = "dc-longjing"
GENERALISED = "ev-2021-07-14-dandong"
MARKERS = ("ZQXMARKERRESTRICTED", "ZQXMARKERGENERALNOTE", "ZQXMARKERGENERALPLACE")
# Exact coordinates as any output would print them (to 4 decimals or more).
EXACT = ("126.9876", "41.8765", "124.4123", "40.1345")
PAGES = ["views/map.py", "views/timeline.py", "views/data.py", "views/crossing.py", "views/sources.py"]
PAGES += ["views/import_data.py", "views/presenter.py", "views/about.py"]


def seed_secrets(store: Store) -> None:
    store.revise(
        RESTRICTED,
        {
            "visibility": "restricted",
            "name_en": f"{MARKERS[0]} safe house",
            "notes": MARKERS[0],
            "geometry": Point(126.987654, 41.876543),
            "location_precision": "exact",
            "uncertainty_m": 50,
        },
        author="test",
        reason="seed a secret",
        source_ids=["S5"],
    )
    store.revise(
        GENERALISED,
        {
            "visibility": "generalised",
            "notes": MARKERS[1],
            "place_en": MARKERS[2],
            "geometry": Point(124.412345, 40.134567),
            "location_precision": "exact",
            "uncertainty_m": 50,
        },
        author="test",
        reason="seed a secret",
        source_ids=["S5"],
    )


@pytest.fixture
def secret_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = str(tmp_path / "secret.sqlite")
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_current_store(url)
    seed_secrets(store)
    yield store
    store.close()
    st.cache_resource.clear()
    st.cache_data.clear()


def leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [secret for secret in (*MARKERS, *EXACT) if secret.encode() in data]


def element_text(at: AppTest) -> str:
    """Every element's protobuf as text: markdown, captions, tables (Arrow bytes), the map component's payload."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


# -- the choke point itself -------------------------------------------------------------------


def test_public_view_removes_restricted_and_generalises(secret_store: Store):
    full = secret_store.read_dataset()
    public = public_view(full)
    assert RESTRICTED in set(full.layers["detention_centres"]["id"])
    assert RESTRICTED not in set(public.layers["detention_centres"]["id"])
    assert RESTRICTED not in public.row_revisions
    # A route leg that ends at the restricted place would draw it: it goes too.
    routes = public.layers["routes"]
    assert not routes[["from_id", "to_id"]].isin([RESTRICTED]).any().any()
    events = public.layers["events"].set_index("id")
    row = events.loc[GENERALISED]
    assert (row.geometry.x, row.geometry.y) == (snap_coordinate(124.412345), snap_coordinate(40.134567))
    assert row["uncertainty_m"] >= GENERALISED_RADIUS_M and row["location_precision"] == "city"
    assert row["date_start"] == "2021-07" and row["date_precision"] == "month"
    assert row["notes"] == WITHHELD_NOTE and row["place_en"] == ""
    # The true place is inside the published circle.
    assert row.geometry.distance(Point(124.412345, 40.134567)) * 111_000 < row["uncertainty_m"]
    assert full.layers["events"].set_index("id").loc[GENERALISED, "notes"] == MARKERS[1]  # input untouched


def test_visibility_rules_fail_closed():
    assert visibility_of(None) == "public" and visibility_of("") == "public"
    assert visibility_of("secret") == "restricted"
    assert is_less_visible("public", "generalised") and is_less_visible(None, "restricted")
    assert not is_less_visible("restricted", "public")
    assert snap_coordinate(124.412345) == snap_coordinate(124.40001) == 124.45


def test_a_dataset_without_visibility_is_unchanged():
    dataset = load_dataset()
    assert public_view(dataset) is dataset


# -- every public output ----------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_no_page_shows_a_secret(secret_store: Store, page: str):
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.switch_page(page)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = element_text(at)
    assert len(text) > 2000  # the page rendered
    assert leaks(text) == []
    # The map's data file (geo.clientdata: served to anyone at /app/static/...) that the page names.
    names = set(re.findall(r"crossings/data/([0-9a-f]{20}\.(?:json|bin))", text))
    assert names or page != "views/map.py"
    for name in names:
        served = (CLIENT_DATA_DIR / name).read_bytes()
        assert RESTRICTED.encode() not in served
        assert leaks(served) == []


def test_the_map_data_file_holds_the_public_view_only(secret_store: Store):
    """The document map.js filters is made from the public view: no restricted record, no exact place."""
    full = secret_store.read_dataset()
    document = client_document(public_view(full).layers)
    assert document is not None and GENERALISED in document.text
    served = document.text + document.binary.decode("latin-1")  # the binary file holds only integers
    assert RESTRICTED not in served and leaks(served) == []
    assert leaks(client_document(full.layers).text)  # the check would see them (seeded in the full data)


def test_a_deep_link_to_a_restricted_id_is_a_missing_id(secret_store: Store):
    def details(fid: str) -> str:
        at = AppTest.from_file(str(APP), default_timeout=90)
        at.session_state["feature"] = fid
        at.run()
        assert not at.exception
        return "\n".join(w.value for w in at.warning)

    missing = details("no-such-id")
    assert "No feature with id" in missing
    assert details(RESTRICTED).replace(md(RESTRICTED), "ID") == missing.replace(md("no-such-id"), "ID")
    at = AppTest.from_file(str(APP), default_timeout=90)
    at.session_state["feature"] = GENERALISED
    at.run()
    text = element_text(at)
    assert leaks(text) == [] and "shown to editors only" in text


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_no_export_shows_a_secret(secret_store: Store, tmp_path: Path, fmt: str):
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / f"export.{FORMATS[fmt].extension}"
    assert geo_main(["export", "--format", fmt, "--out", str(out)]) == 0
    written = [p for p in out.parent.iterdir() if p.is_file()]
    assert written and all(leaks(p.read_bytes()) == [] for p in written)
    if fmt == "gpkg":  # binary: strings are stored as UTF-8 inside, which leaks() would find
        assert out.stat().st_size > 0


def test_the_briefing_figures_site_and_search_show_no_secret(secret_store: Store, tmp_path: Path):
    published = secret_store.publish(tmp_path / "published")  # the full data, as a release directory
    assert leaks((published / "detention_centres.geojson").read_text()) != []  # the secret is in the files
    briefing = tmp_path / "briefing.html"
    assert geo_main(["briefing", "--out", str(briefing), "--data", str(published)]) == 0
    assert leaks(briefing.read_bytes()) == []
    svg = tmp_path / "held.svg"
    assert geo_main(["figure", "--scene", "held", "--out", str(svg), "--data", str(published)]) == 0
    assert leaks(svg.read_bytes()) == []
    site = tmp_path / "site"
    assert geo_main(["site", "--out", str(site), "--data", str(published)]) == 0
    site_files = [path for path in site.rglob("*") if path.is_file() and "basemap" not in path.name]
    assert site_files and all(leaks(path.read_bytes()) == [] for path in site_files)
    index = load_index(public_view(secret_store.read_dataset()))
    hits = search(index, MARKERS[0]) + search(index, "safe house") + search(index, MARKERS[2])
    assert leaks(repr(hits)) == []


def test_the_downloads_on_the_data_page_show_no_secret(secret_store: Store):
    from geo.filters import FilterSpec
    from geo.ui.downloads import export_zip

    at = AppTest.from_file(str(APP), default_timeout=90)
    at.switch_page("views/data.py")
    at.run()
    assert not at.exception
    public = public_view(secret_store.read_dataset())
    for fmt in FORMATS:
        with zipfile.ZipFile(io.BytesIO(export_zip(public.version, astuple(FilterSpec()), fmt))) as z:
            assert all(leaks(z.read(name)) == [] for name in z.namelist())


def test_the_apps_briefing_and_figure_downloads_are_public_whoever_asks(
    secret_store: Store, monkeypatch: pytest.MonkeyPatch
):
    import geo.ui.data
    from geo.ui.presenter import briefing_bytes, figure_bytes

    monkeypatch.setattr(geo.ui.data, "is_editor", lambda: True)  # a signed-in editor downloads them
    editors_see = geo.ui.data.get_dataset().layers["detention_centres"].drop(columns=["span_start", "span_end"])
    assert leaks(editors_see.to_json()) != []

    version = secret_store.read_dataset().version + "+editors"  # as a signed-in editor's page asks
    for lang in ("en", "ko"):
        assert leaks(briefing_bytes(version, lang)) == []
        assert leaks(figure_bytes(version, "held", "svg", lang)) == []


def test_the_cli_export_is_full_only_for_an_editor_who_signs_in(
    secret_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from geo.store.review import add_user

    add_user(secret_store, "ed", "editor", "correct horse battery")
    out = tmp_path / "full.csv"
    monkeypatch.setattr("sys.stdin", io.StringIO("wrong password!\n"))
    assert geo_main(["export", "--format", "csv", "--editor", "ed", "--out", str(out)]) == 2
    assert not out.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert geo_main(["export", "--format", "csv", "--editor", "ed", "--out", str(out)]) == 0
    assert MARKERS[0] in out.read_text(encoding="utf-8")


def test_a_public_release_holds_no_secret_and_validates(secret_store: Store, tmp_path: Path, capsys):
    out = tmp_path / "public"
    url = str(secret_store.engine.url.database)
    assert geo_main(["db", "publish", "--public", "--out", str(out), "--url", url]) == 0
    # The basemap is copied from data/ (no record in it; one river vertex happens to share 4 digits).
    records = [path for path in out.rglob("*") if path.is_file() and "basemap" not in path.parts]
    assert records and all(leaks(path.read_bytes()) == [] for path in records)
    assert "OK" in capsys.readouterr().out
    released = load_dataset(out)
    assert RESTRICTED not in set(released.layers["detention_centres"]["id"])
    assert GENERALISED in set(released.layers["events"]["id"])
