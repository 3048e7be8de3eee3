"""The columnar cache (geo.colcache): what comes back is what was loaded, and a data change is a new entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geo.io import DATA_DIR, load_dataset
from geo.manifest import ManifestError, write_manifest


def assert_same_dataset(a, b) -> None:
    assert list(a.layers) == list(b.layers)
    for name in a.layers:
        assert_geodataframe_equal(a.layers[name], b.layers[name])
        for column in a.layers[name].columns:
            if a.layers[name][column].dtype == object:  # the same Python values, not just equal ones
                assert [type(v) for v in a.layers[name][column]] == [type(v) for v in b.layers[name][column]]
    pd.testing.assert_frame_equal(a.sources, b.sources)
    pd.testing.assert_frame_equal(a.rejected, b.rejected)
    assert (a.version, a.manifest) == (b.version, b.manifest)


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("."))


def test_a_cached_load_is_the_loaded_dataset(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    first = load_dataset(data_copy, cache)  # loads the files and writes the entry
    assert len(entries(cache)) == 1
    second = load_dataset(data_copy, cache)  # reads the entry
    assert_same_dataset(plain, first)
    assert_same_dataset(plain, second)


def test_changed_data_is_a_new_entry_and_never_the_old_one(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = load_dataset(data_copy, cache)
    events = data_copy / "events.geojson"
    events.write_text(events.read_text(encoding="utf-8").replace('"notes": "', '"notes": "Changed. ', 1), "utf-8")
    # Changed without a new manifest: refused, as without the cache (the old entry is not read).
    with pytest.raises(ManifestError):
        load_dataset(data_copy, cache)
    write_manifest(data_copy)
    after = load_dataset(data_copy, cache)
    assert after.version != before.version
    assert len(entries(cache)) == 2
    assert_same_dataset(load_dataset(data_copy), after)
    assert (after.layers["events"]["notes"].astype(str).str.startswith("Changed. ")).sum() == 1


def test_an_incomplete_entry_is_not_read(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_copy, cache)
    (entries(cache)[0] / "meta.json").unlink()  # as if a write had stopped half way
    assert_same_dataset(load_dataset(data_copy), load_dataset(data_copy, cache))
