"""The basemap the live maps fetch (static/crossings/basemap.json) instead of carrying it in the map code."""

from __future__ import annotations

import json
from pathlib import Path

from geo.basemap import BASEMAP_FILE, BASEMAP_URL, basemap_json, basemap_reference, write_static_basemap
from geo.io import DATA_DIR
from geo.mapview import build_base_map
from geo.schema import REGION_BBOX
from geo.ui.data import get_basemap_json, get_map_basemap


def test_the_served_file_is_the_bundled_basemap_document():
    assert BASEMAP_FILE.read_text(encoding="utf-8") == basemap_json(DATA_DIR), (
        "static/crossings/basemap.json is stale: run `python -m geo static-basemap`"
    )


def test_the_live_maps_get_a_reference_to_the_served_file():
    reference = json.loads(get_map_basemap("bundled"))
    assert set(reference) == {"url", "region"}
    assert reference["url"].startswith(BASEMAP_URL + "?v=") and reference["region"] == list(REGION_BBOX)
    # The version changes with the content, so a browser never keeps an old copy.
    assert reference == json.loads(basemap_reference(get_basemap_json("bundled")))


def test_the_map_code_no_longer_carries_the_basemap():
    with_reference = build_base_map(get_map_basemap("bundled")).get_root().render()
    inline = build_base_map(get_basemap_json("bundled")).get_root().render()
    assert BASEMAP_URL in with_reference and "iso_a3" not in with_reference
    assert len(inline) - len(with_reference) > 100_000  # about 140 KB less with every filter change


def test_another_or_a_stale_document_is_embedded_instead(tmp_path: Path):
    document = basemap_json(DATA_DIR)
    assert basemap_reference(document, tmp_path / "missing.json") is None
    stale = write_static_basemap(DATA_DIR, tmp_path / "basemap.json")
    stale.write_text(document.replace('"PRK"', '"XXX"', 1), encoding="utf-8")
    assert basemap_reference(document, stale) is None


def test_writing_the_served_file_is_reproducible(tmp_path: Path):
    first = write_static_basemap(DATA_DIR, tmp_path / "a.json").read_bytes()
    second = write_static_basemap(DATA_DIR, tmp_path / "b.json").read_bytes()
    assert first == second == BASEMAP_FILE.read_bytes()
