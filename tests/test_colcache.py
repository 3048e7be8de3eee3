"""The columnar cache (geo.colcache): what comes back is what was loaded, a change to the data or to the
loading code is a new entry, and a damaged entry means a full load with a log line, never wrong data."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, Point

from bench.synthetic import edge_case_events, write_data_dir
from geo import colcache
from geo.io import DATA_DIR, load_dataset
from geo.manifest import ManifestError, read_manifest, write_manifest
from geo.schema import CRS

ROOT = Path(__file__).resolve().parent.parent


def assert_same_frame(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames, down to the column order, dtypes, index type, CRS and the Python type of each value."""
    if isinstance(a, gpd.GeoDataFrame):
        assert isinstance(b, gpd.GeoDataFrame)
        assert_geodataframe_equal(a, b, check_crs=True, check_dtype=True, check_index_type=True)
        assert a.geometry.name == b.geometry.name
    else:
        pd.testing.assert_frame_equal(a, b, check_index_type=True, check_column_type=True)
    assert list(a.columns) == list(b.columns)
    assert type(a.index) is type(b.index)
    for column in a.columns:
        if a[column].dtype == object:  # the same Python values, not just equal ones (1 is not 1.0)
            assert [type(v) for v in a[column]] == [type(v) for v in b[column]], column


def assert_same_dataset(a, b) -> None:
    assert list(a.layers) == list(b.layers)
    for name in a.layers:
        assert_same_frame(a.layers[name], b.layers[name])
    assert_same_frame(a.sources, b.sources)
    assert_same_frame(a.rejected, b.rejected)
    assert (a.version, a.manifest, a.revision, dict(a.row_revisions), a.revised_at) == (
        b.version,
        b.manifest,
        b.revision,
        dict(b.row_revisions),
        b.revised_at,
    )
    assert a.raw_counts() == b.raw_counts()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in cache.iterdir() if not p.name.startswith("."))


def the_entry(cache: Path) -> Path:
    (entry,) = entries(cache)
    return entry


# ---------------------------------------------------------------- what comes back


def test_a_cached_load_is_the_loaded_dataset(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    first = load_dataset(data_copy, cache)  # loads the files and writes the entry
    assert len(entries(cache)) == 1
    second = load_dataset(data_copy, cache)  # reads the entry
    assert_same_dataset(plain, first)
    assert_same_dataset(plain, second)


def test_a_synthetic_dataset_comes_back_equal(tmp_path: Path) -> None:
    data_dir = write_data_dir(3000, tmp_path / "data")
    cache = tmp_path / "cache"
    plain = load_dataset(data_dir)
    load_dataset(data_dir, cache)
    cached = load_dataset(data_dir, cache)
    assert_same_dataset(plain, cached)
    assert len(cached.layers["events"]) == 3000
    layout = json.loads((the_entry(cache) / colcache.META).read_text("utf-8"))
    assert layout["meta"]["files"]["layer-events.parquet"]["rows"] == 3000


def test_the_rejected_rows_report_comes_back_equal(make_feature, make_data_dir, tmp_path: Path) -> None:
    data_dir = make_data_dir(
        {
            "crossings": [make_feature("crossings"), make_feature("crossings", id="x-bad", source_ids=["S404"])],
            "routes": [make_feature("routes"), make_feature("routes", id="leg-dangling", from_id="dc-nowhere")],
            "events": [
                make_feature("events"),
                make_feature("events", id="ev-broken", geometry={"type": "Point", "coordinates": ["a", "b"]}),
            ],
        }
    )
    cache = tmp_path / "cache"
    plain = load_dataset(data_dir)
    assert len(plain.rejected) == 3
    load_dataset(data_dir, cache)
    assert_same_dataset(plain, load_dataset(data_dir, cache))


def test_values_an_encoding_easily_gets_wrong_come_back_exactly() -> None:
    events = edge_case_events(300)  # mixed int/float radii, unicode and markup in ids, partial dates, ...
    n = len(events)
    events["mixed_numbers"] = pd.Series([1, 1.0, True, None, 2**70, float("nan")] * (n // 6), dtype=object)
    events["nested"] = pd.Series([{"S1": [1, 2.5]}, [], None, ["a", None]] * (n // 4), dtype=object)
    events["big"] = pd.Series([2**62 + i for i in range(n)], dtype=object)
    events["floats"] = pd.Series([0.1 * i for i in range(n)], dtype=object)
    events["flags"] = pd.Series([True, False, None] * (n // 3), dtype=object)
    events["all_none"] = pd.Series([None] * n, dtype=object)
    events["text"] = pd.Series(["", "NA", "None", "007", "사건", None] * (n // 6), dtype=object)
    events["arrow_text"] = pd.Series(["", "NA", "nan", "사건", "<b>", None] * (n // 6), dtype="str")
    events.index = pd.Index(range(7, 7 + 2 * n, 2))  # not a RangeIndex: rows dropped by validation
    assert_same_frame(events, colcache.table_frame(colcache.frame_table(events)))
    assert colcache.table_frame(colcache.frame_table(events))["arrow_text"].isna().sum() == n // 6


def test_natively_typed_columns_come_back_with_their_dtypes_and_missing_values() -> None:
    # Each kind of column the frame is rebuilt from (NumPy blocks, pandas' extension arrays, dates with
    # and without a time zone), with missing values where the dtype has them.
    frame = pd.DataFrame(
        {
            "int": [1, -2, 3],
            "float": [0.5, float("nan"), -1e300],
            "bool": [True, False, True],
            "Int64": pd.array([1, None, 2**40], dtype="Int64"),
            "when": pd.to_datetime(["2023-10-09", None, "2023-12-01"]),
            "when_utc": pd.to_datetime(["2023-10-09 18:00", "2024-01-01 00:00", None], utc=True),
            "text": pd.Series(["a", None, "사건"], dtype="str"),
            "objects": pd.Series([[1], None, "x"], dtype=object),
        },
        index=pd.Index([5, 9, 11]),
    )
    back = colcache.table_frame(colcache.frame_table(frame))
    assert_same_frame(frame, back)
    assert [str(dtype) for dtype in back.dtypes] == [str(dtype) for dtype in frame.dtypes]
    # A rebuilt frame is an ordinary frame: it can be changed like one (not a read-only view of Arrow's buffers).
    back.loc[5, ["int", "float", "bool", "when"]] = [7, 1.5, False, pd.Timestamp("2023-10-10")]
    assert back.loc[5, ["int", "float", "bool"]].tolist() == [7, 1.5, False]
    assert back.loc[5, "when"] == pd.Timestamp("2023-10-10")


def test_repeated_column_names_keep_their_places() -> None:
    frame = pd.DataFrame({"a": pd.Series(["x", "y"], dtype="str"), "b": [1, 2], "c": pd.Series([None, [1]])})
    frame.columns = pd.Index(["a", "b", "a"], dtype=object)
    back = colcache.table_frame(colcache.frame_table(frame))
    assert list(back.columns) == ["a", "b", "a"]
    assert [str(dtype) for dtype in back.dtypes] == ["str", "int64", "object"]
    assert back.iloc[:, 2].tolist() == [None, [1]]


def test_lines_empty_points_and_no_geometry_come_back_exactly() -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b", "c", "d"]},
        geometry=[LineString([(125, 41), (126, 42)]), Point(), None, Point(125.123456789, 41.987654321)],
        crs=CRS,
    )
    assert_same_frame(frame, colcache.table_frame(colcache.frame_table(frame)))
    points = frame.iloc[[3]]
    assert_same_frame(points, colcache.table_frame(colcache.frame_table(points)))
    assert_same_frame(frame.iloc[0:0], colcache.table_frame(colcache.frame_table(frame.iloc[0:0])))


def test_a_value_json_cannot_carry_exactly_is_not_cached_and_the_load_still_works(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    frame = pd.DataFrame({"when": pd.Series([pd.Timestamp("2023-10-09"), None], dtype=object)})
    with pytest.raises(TypeError):
        colcache.frame_table(frame)
    original = colcache.frame_table

    def tuples_too(frame: pd.DataFrame):
        if "notes" in frame.columns and len(frame):
            frame = frame.copy()
            frame["notes"] = pd.Series([("a", "tuple")] * len(frame), index=frame.index, dtype=object)
        return original(frame)

    monkeypatch.setattr(colcache, "frame_table", tuples_too)
    cache = tmp_path / "cache"
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        dataset = load_dataset(data_copy, cache)
    assert "cannot be written" in caplog.text
    assert entries(cache) == []  # and no staging directory either
    assert not list(cache.iterdir())
    assert_same_dataset(load_dataset(data_copy), dataset)


@pytest.mark.parametrize("row_group_size", [None, 64])
def test_a_file_read_in_parts_comes_back_exactly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, row_group_size: int | None
) -> None:
    # Large files are read in parts (geometry first, each other column by a reader thread); here any size.
    # Points are built in pieces (the last one short); row groups of 64 make every column several chunks,
    # each dictionary column with a dictionary of its own per chunk.
    monkeypatch.setattr(colcache, "POINTS_PER_CALL", 7)
    events = edge_case_events(300)
    events.index = pd.Index(range(7, 7 + 2 * len(events), 2))  # not a RangeIndex: its column is read too
    events.insert(3, "nothing", pd.Series([None] * len(events), index=events.index, dtype=object))  # not read
    lines = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[LineString([(125, 41), (126, 42)]), None], crs=CRS)
    text_only = pd.DataFrame({"a": ["x", None, "z"], "b": [[1], [], None]}, dtype=object)  # no first part
    for frame in (events, lines, events.iloc[0:0], text_only):
        path = tmp_path / "frame.parquet"
        pq.write_table(colcache.frame_table(frame), path, row_group_size=row_group_size)
        split = colcache._SplitTable(colcache._checked_buffer(path))
        assert_same_frame(frame, colcache.table_frame(split))
        table = pq.read_table(path)
        assert_same_frame(frame, colcache.table_frame(table))
        if row_group_size and frame is events:
            assert any(pa.types.is_dictionary(c.type) and c.num_chunks > 1 for c in table.columns)


def test_dictionary_chunks_with_dictionaries_of_their_own_decode_as_one_column() -> None:
    chunks = [
        pa.DictionaryArray.from_arrays(pa.array([0, 1, None, 0], pa.int32()), pa.array(['["a"]', "2"])),
        pa.DictionaryArray.from_arrays(pa.array([1, 0], pa.int32()), pa.array(['"b"', '["a"]'])),
    ]
    values = colcache._decode_object(pa.chunked_array(chunks), "json", 6)
    assert values.tolist() == [["a"], 2, None, ["a"], ["a"], "b"]
    assert values[0] is values[3]  # equal lists share one object
    texts = [
        pa.DictionaryArray.from_arrays(pa.array([0, None], pa.int32()), pa.array(["x"])),
        pa.array(["y"]).dictionary_encode(),
    ]
    assert colcache._decode_object(pa.chunked_array(texts), "str", 3).tolist() == ["x", None, "y"]


def test_a_dataset_read_in_two_parts_comes_back_equal_and_damage_is_still_refused(
    data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(colcache, "SPLIT_FROM_ROWS", 0)  # every file, however small
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    load_dataset(data_copy, cache)
    assert_same_dataset(plain, load_dataset(data_copy, cache))
    damage_tail(the_entry(cache) / "layer-events.parquet")
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        assert_same_dataset(plain, load_dataset(data_copy, cache))
    assert "SHA-256 differs" in caplog.text


# ---------------------------------------------------------------- the key


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


def test_a_file_rewritten_with_the_same_size_and_time_is_a_new_key(data_copy: Path) -> None:
    manifest = read_manifest(data_copy)
    files = ["sources.csv", "events.geojson"]
    key = colcache.data_dir_key(data_copy, manifest, files)
    path = data_copy / "sources.csv"
    stat = path.stat()
    text = path.read_bytes()
    path.unlink()
    path.write_bytes(text)  # the same bytes in a new file (a checkout, a copy), its old time put back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert colcache.data_dir_key(data_copy, manifest, files) != key


def test_a_new_manifest_is_a_new_entry(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_copy, cache)
    manifest = json.loads((data_copy / "manifest.json").read_text("utf-8"))
    manifest["note"] = "a new release of the same files"
    (data_copy / "manifest.json").write_text(json.dumps(manifest), "utf-8")
    after = load_dataset(data_copy, cache)
    assert len(entries(cache)) == 2
    assert_same_dataset(load_dataset(data_copy), after)


def copy_package(target: Path) -> Path:
    shutil.copytree(ROOT / "geo", target / "geo", ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_the_code_hash_follows_the_loading_code_and_only_it(tmp_path: Path) -> None:
    root = copy_package(tmp_path)
    modules = colcache._imported_geo_modules("geo.io", root)
    assert {"geo.io", "geo.schema", "geo.manifest", "geo.colcache"} <= modules  # what validates, what decodes
    assert "geo.mapview" not in modules
    before = colcache.code_hash(root)
    mapview = root / "geo" / "mapview.py"
    mapview.write_text(mapview.read_text("utf-8") + "\n# not part of loading\n", "utf-8")
    assert colcache.code_hash(root) == before
    schema = root / "geo" / "schema.py"
    schema.write_text(schema.read_text("utf-8") + "\n# a validation rule changed\n", "utf-8")
    assert colcache.code_hash(root) != before


def test_new_loading_code_is_a_new_entry(data_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_copy, cache)
    old = the_entry(cache)
    monkeypatch.setattr(colcache, "code_hash", lambda root=None: "new-rules")
    load_dataset(data_copy, cache)
    assert len(entries(cache)) == 2
    assert next(p for p in entries(cache) if p != old).name.endswith("-new-rules")


# ---------------------------------------------------------------- damage


def test_an_incomplete_entry_is_not_read(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load_dataset(data_copy, cache)
    (the_entry(cache) / "meta.json").unlink()  # as if a write had stopped half way
    assert_same_dataset(load_dataset(data_copy), load_dataset(data_copy, cache))


def damage_truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damage_tail(path: Path) -> None:  # the same size, the footer gone
    data = path.read_bytes()
    path.write_bytes(data[:-64] + bytes(64))


def damage_empty(path: Path) -> None:
    path.write_bytes(b"")


def damage_meta(path: Path) -> None:
    (path.parent / colcache.META).write_text('{"sha256": "0", "meta": {"format": ', "utf-8")


def damage_meta_value(path: Path) -> None:  # valid JSON that says something else
    meta = path.parent / colcache.META
    document = json.loads(meta.read_text("utf-8"))
    document["meta"]["version"] = "another-version"
    meta.write_text(json.dumps(document), "utf-8")


def damage_rows(path: Path) -> None:  # a valid Parquet file of another entry's frame
    (path.parent / "layer-events.parquet").replace(path)


@pytest.mark.parametrize(
    "damage", [damage_truncate, damage_tail, damage_empty, damage_meta, damage_meta_value, damage_rows]
)
def test_a_damaged_entry_means_a_full_load_and_a_log_line(
    damage, data_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    load_dataset(data_copy, cache)
    damage(the_entry(cache) / "layer-crossings.parquet")
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        dataset = load_dataset(data_copy, cache)
    assert "cannot be read" in caplog.text
    assert_same_dataset(plain, dataset)
    # The damaged entry was replaced by a good one: the next load reads it, quietly.
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        assert_same_dataset(plain, load_dataset(data_copy, cache))
    assert caplog.text == ""
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []


def test_changed_bytes_anywhere_never_give_wrong_data(
    data_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    load_dataset(data_copy, cache)
    path = the_entry(cache) / "layer-events.parquet"
    good = path.read_bytes()
    for offset in np.linspace(4, len(good) - 9, 8).astype(int):
        entry = the_entry(cache)
        damaged = bytearray((entry / path.name).read_bytes())
        damaged[offset] ^= 0x5A
        (entry / path.name).write_bytes(bytes(damaged))
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="geo.colcache"):
            dataset = load_dataset(data_copy, cache)
        assert_same_dataset(plain, dataset)  # read back and equal, or refused and loaded from the files
        if bytes(damaged) != good and "cannot be read" not in caplog.text:
            # Only bytes nothing reads (padding, unused statistics) may change without a log line.
            assert_same_dataset(plain, load_dataset(data_copy, cache))
        shutil.rmtree(cache)
        load_dataset(data_copy, cache)


# ---------------------------------------------------------------- where it is written


def test_never_written_inside_the_data_directory(
    data_copy: Path, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    inside = data_copy / ".cache"
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        dataset = load_dataset(data_copy, inside)
    assert not inside.exists()
    assert "inside the data directory" in caplog.text
    assert_same_dataset(load_dataset(data_copy), dataset)


def test_an_unwritable_cache_directory_is_a_log_line_not_an_error(
    data_copy: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", "utf-8")
    with caplog.at_level(logging.WARNING, logger="geo.colcache"):
        dataset = load_dataset(data_copy, blocked / "columns")
    assert "cannot be written" in caplog.text
    assert_same_dataset(load_dataset(data_copy), dataset)


def test_the_default_cache_directory(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    explicit = {"CROSSINGS_CACHE_DIR": str(tmp_path / "mine"), "HOME": str(tmp_path / "home")}
    assert colcache.default_cache_dir(project, explicit) == tmp_path / "mine"
    home = {"HOME": str(tmp_path / "home")}
    assert colcache.default_cache_dir(project, home) == project / ".crossings" / "columns"
    # A project that cannot be written (here: below a file; in production: a read-only install)
    blocked = tmp_path / "installed"
    blocked.write_text("", "utf-8")
    assert (
        colcache.default_cache_dir(blocked / "project", home) == tmp_path / "home" / ".cache" / "crossings" / "columns"
    )
    xdg = {**home, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    assert colcache.default_cache_dir(blocked / "project", xdg) == tmp_path / "xdg" / "crossings" / "columns"


def test_replicas_writing_the_same_entry_at_once_leave_one_whole_entry(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    plain = load_dataset(data_copy)
    key = "shared-key"
    start = threading.Barrier(4)
    written: list[Path | None] = []

    def replica() -> None:
        start.wait()
        written.append(colcache.write_entry(cache, key, plain, data_copy))

    threads = [threading.Thread(target=replica) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert written == [cache / key] * 4
    assert [p.name for p in cache.iterdir()] == [key]  # no staging directory left behind
    assert_same_dataset(plain, colcache.read_entry(cache, key))


def test_a_staging_directory_left_by_a_dead_writer_is_removed(data_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    stale = cache / f"{colcache.STAGING_PREFIX}dead"
    stale.mkdir(parents=True)
    (stale / "layer-events.parquet").write_bytes(b"half")
    old = stale.stat().st_mtime - colcache.STALE_STAGING_SECONDS - 60
    os.utime(stale, (old, old))
    fresh = cache / f"{colcache.STAGING_PREFIX}writing-now"
    fresh.mkdir()
    load_dataset(data_copy, cache)
    assert not stale.exists()
    assert fresh.exists()  # another process may be writing it right now
