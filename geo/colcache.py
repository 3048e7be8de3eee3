"""A columnar cache of validated datasets: Parquet files (Arrow columns) keyed by the manifest hash.

A cold load of a data directory parses GeoJSON and validates every row in Python; a second process
loading the same dataset version reads the validated columns back instead (geo.io.load_dataset with
a cache directory) and neither parses nor validates again. That is safe because of the key: the
manifest's hash, each data file's identity (size, modification and change times, inode), the hash of
every geo module the loader runs (geo.io and what it imports from geo, found by reading their import lines)
and the versions of the libraries that decode. Any change to the data, to that code or to those
libraries is a new key, so a stale entry is never read (it is simply not found).

Entries are written whole or not at all (a staging directory renamed into place, so replicas sharing
a cache directory never see half an entry), never inside a data directory, and checked when read:
the SHA-256 of every file, row counts. An entry that fails any check is moved out of the way
with a log line and the caller loads from the data files.

What comes back is what went in: the same columns in the same order, dtypes, index, CRS and Python
values. Text columns in pandas' Arrow-backed str dtype (geo.io.arrow_text_columns: text in every row)
come back over the buffers pyarrow read, without a Python string per row. Object columns are decoded
in bulk: strings, numbers and booleans from Arrow arrays; any other
value (lists, mixed numbers) through a dictionary of its distinct JSON texts, so rows holding equal
lists share one list object (a loaded dataset is shared between sessions and never mutated).
Point layers are stored as x/y columns and rebuilt with vectorised shapely calls.

Reading uses both cores where it can: two threads hash and read the files (neither hashlib nor pyarrow
holds the GIL) while the calling thread builds the frames, small files first; a large file's other
columns are read by a thread of their own while its geometries are built. Building Python values (str,
lists, shapely geometries) holds the GIL whichever thread does it, so that part stays on one core: at
1,000,000 points shapely alone takes about as long as pyarrow reading every column (bench/run.py).
"""

from __future__ import annotations

import functools
import gc
import hashlib
import importlib
import json
import logging
import mmap
import os
import re
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely
from pandas.api.internals import create_dataframe_from_blocks
from pyproj import CRS as ProjCRS

from geo.atomic import is_inside
from geo.manifest import Manifest
from geo.schema import TEXT_DTYPE

FORMAT = 2
META = "meta.json"
STAGING_PREFIX = ".tmp-"
PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # the directory holding geo/
STALE_STAGING_SECONDS = 3600
DICTIONARY_FROM_ROWS = 64  # below this, decoding a dictionary costs more than the strings
SPLIT_FROM_ROWS = 20_000  # from this many rows, the other columns are read while the geometries are built
POINTS_PER_CALL = 50_000  # about 10 ms of shapely.points with the GIL held
_ENTRY_MODULE = "geo.io"  # the loader: its code and every geo module it imports are in the key
_LIBRARIES = ("pyarrow", "pandas", "numpy", "shapely", "geopandas", "pyproj")

log = logging.getLogger(__name__)


class CorruptEntry(ValueError):
    """A cache entry that does not read back as it was written."""


# ---------------------------------------------------------------- where, and under which key


def default_cache_dir(project_root: Path, environ: dict | None = None) -> Path:
    """CROSSINGS_CACHE_DIR if set; else <project>/.crossings/columns when it can be written (beside
    the default store); else the user's cache directory (XDG_CACHE_HOME or ~/.cache)/crossings/columns."""
    environ = os.environ if environ is None else environ
    if environ.get("CROSSINGS_CACHE_DIR"):
        return Path(environ["CROSSINGS_CACHE_DIR"])
    beside = project_root / ".crossings" / "columns"
    if _writable(beside):
        return beside
    base = Path(environ.get("XDG_CACHE_HOME") or Path(environ.get("HOME") or Path.home()) / ".cache")
    return base / "crossings" / "columns"


def _writable(directory: Path) -> bool:
    """Whether directory exists and can be written, or its first existing parent can."""
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            return candidate.is_dir() and os.access(candidate, os.W_OK | os.X_OK)
    return False


def _imported_geo_modules(module: str, root: Path) -> set[str]:
    """module and every geo module it imports, directly or not (read from the source, not run)."""
    seen: set[str] = set()
    pending = [module]
    while pending:
        name = pending.pop()
        path = _module_path(name, root)
        if name in seen or path is None:
            continue
        seen.add(name)
        stat = path.stat()
        pending += _geo_imports(str(path), stat.st_mtime_ns, stat.st_size)
    return seen


# `from geo.x import a, b` / `from geo.x import (a,\n b)` / `import geo.x` at any indentation.
_FROM_GEO = re.compile(rb"^[ \t]*from[ \t]+(geo(?:\.\w+)*)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.MULTILINE)
_IMPORT_GEO = re.compile(rb"^[ \t]*import[ \t]+(geo\.[\w.]+)", re.MULTILINE)


@functools.lru_cache(maxsize=256)
def _geo_imports(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    """The geo modules one file may import (names that are not modules are ignored by the caller)."""
    source = Path(path).read_bytes()
    names = [m.decode() for m in _IMPORT_GEO.findall(source)]
    for module, imported in _FROM_GEO.findall(source):
        names.append(module.decode())
        names += [f"{module.decode()}.{name.decode()}" for name in re.findall(rb"\w+", imported)]
    return tuple(names)


def _module_path(name: str, root: Path) -> Path | None:
    base = root.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def code_hash(root: Path = PACKAGE_ROOT) -> str:
    """The loader's code (geo.io and every geo module it imports), the cache format and the libraries."""
    digest = hashlib.sha256(f"format {FORMAT};{_library_versions()};".encode())
    for name in sorted(_imported_geo_modules(_ENTRY_MODULE, root)):
        digest.update(name.encode() + b"\0" + _module_path(name, root).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@functools.cache
def _library_versions() -> str:
    return ";".join(f"{name}={importlib.import_module(name).__version__}" for name in _LIBRARIES)


def data_dir_key(data_dir: Path, manifest: Manifest, files: list[str]) -> str:
    """The cache key of a data directory: manifest hash, the files' identities, the loading code."""
    digest = hashlib.sha256(manifest.version.encode())
    for relative in files:
        stat = (data_dir / relative).stat()
        identity = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino, stat.st_dev)
        digest.update(f"{relative}:{identity};".encode())
    return f"{manifest.version}-{digest.hexdigest()[:16]}-{code_hash()}"


# ---------------------------------------------------------------- frames <-> Arrow tables


def _object_encoding(values: np.ndarray) -> str:
    """How an object column is stored: by the Python types it holds (None aside)."""
    types = {type(v) for v in values} - {type(None)}
    if not types:
        return "null"
    if len(types) == 1:
        kind = types.pop()
        if kind is str:
            return "str"
        if kind is bool:
            return "bool"
        if kind is float:
            return "float"
        if kind is int and all(-(2**63) <= v < 2**63 for v in values if v is not None):
            return "int"
    return "json"


def _json_value(value: object) -> bool:
    """Whether value comes back from its JSON text as exactly itself (types included)."""
    if value is None or type(value) in (str, bool, int):
        return True
    if type(value) is float:
        return True  # json writes NaN and Infinity and reads them back as floats
    if type(value) is list:
        return all(_json_value(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _json_value(v) for k, v in value.items())
    return False


def _dictionary(values: np.ndarray, texts: list[str] | None = None) -> pa.DictionaryArray:
    """values (or their JSON texts) as codes into their distinct values; None as a null code."""
    codes, uniques = pd.factorize(pd.Series(values if texts is None else texts, dtype=object), use_na_sentinel=True)
    mask = codes < 0
    return pa.DictionaryArray.from_arrays(
        pa.array(codes.astype(np.int32), mask=mask if mask.any() else None),
        pa.array(np.asarray(uniques, dtype=object), type=pa.string()),
    )


def _encode_object(values: np.ndarray) -> tuple[str, pa.Array]:
    encoding = _object_encoding(values)
    if encoding == "null":
        return encoding, pa.nulls(len(values))
    if encoding == "str":
        distinct = len(set(values))
        repeated = len(values) >= DICTIONARY_FROM_ROWS and distinct <= len(values) // 2
        array = _dictionary(values) if repeated else pa.array(values, type=pa.string())
        return encoding, array
    if encoding in ("int", "float", "bool") and len(set(values)) > len(values) // 2:
        kind = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}[encoding]
        return encoding, pa.array(values, type=kind, from_pandas=False)
    # Repeated numbers (a few radii in metres), lists, mixed types: a dictionary of distinct JSON texts.
    encoding = "json"
    distinct_objects = {id(v): v for v in values}
    if not all(_json_value(v) for v in distinct_objects.values()):
        raise TypeError("a column holds values JSON cannot carry exactly")
    texts = {key: json.dumps(v, ensure_ascii=False) for key, v in distinct_objects.items()}
    return encoding, _dictionary(values, [texts[id(v)] for v in values])


def _point_xy(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """x and y when every geometry is a 2-d, non-empty point (then x/y rebuild them exactly)."""
    if len(geometries) == 0 or any(g is None for g in geometries):
        return None
    types = shapely.get_type_id(geometries)
    if not (types == 0).all() or shapely.is_empty(geometries).any() or shapely.has_z(geometries).any():
        return None
    return shapely.get_x(geometries), shapely.get_y(geometries)


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame (or GeoDataFrame) as an Arrow table whose metadata says how to restore it exactly.

    Arrow columns are named c0, c1, … (the frame's names, whatever they are, live in the metadata)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    arrays: list[pa.Array] = []
    columns = []
    for position, name in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if name == geometry:
            values = np.asarray(series.values, dtype=object)
            xy = _point_xy(values)
            if xy is not None:
                arrays += [pa.array(xy[0]), pa.array(xy[1])]
                encoding = "points"
            else:
                arrays.append(pa.array(shapely.to_wkb(values), type=pa.binary()))
                encoding = "wkb"
        elif series.dtype == object:
            encoding, array = _encode_object(series.to_numpy())
            arrays.append(array)
        else:
            arrays.append(pa.Array.from_pandas(series))
            encoding = "native"
        columns.append({"name": name, "dtype": str(series.dtype), "encoding": encoding})
    index = frame.index
    if isinstance(index, pd.RangeIndex):
        index_meta = {"name": index.name, "range": [index.start, index.stop, index.step]}
    else:
        encoding, array = _encode_object(index.to_numpy()) if index.dtype == object else ("native", pa.array(index))
        arrays.append(array)
        index_meta = {"name": index.name, "dtype": str(index.dtype), "encoding": encoding}
    meta = {
        "columns": columns,
        "columns_dtype": str(frame.columns.dtype),
        "index": index_meta,
        "geometry": geometry,
        "crs": frame.crs.to_wkt() if geometry and frame.crs is not None else None,
        "rows": len(frame),
    }
    names = [f"c{i}" for i in range(len(arrays))]
    return pa.Table.from_arrays(arrays, names=names, metadata={b"crossings": json.dumps(meta).encode()})


def _decode_dictionary(chunks: list[pa.DictionaryArray], parse: bool) -> np.ndarray:
    """The values of dictionary chunks that share one dictionary: one take over all their codes."""
    uniques = chunks[0].dictionary.to_numpy(zero_copy_only=False)
    if parse:
        parsed = np.empty(len(uniques), dtype=object)
        for i, text in enumerate(uniques):  # one json.loads per distinct value, not per row
            parsed[i] = json.loads(text)
        uniques = parsed
    null_code = len(uniques)  # a null's code: the place of the None appended below
    parts = [(chunk.indices.fill_null(null_code) if chunk.null_count else chunk.indices).to_numpy() for chunk in chunks]
    if any(chunk.null_count for chunk in chunks):
        uniques = np.append(uniques, None)
    return uniques[parts[0] if len(parts) == 1 else np.concatenate(parts)]


def _decode_chunk(chunk: pa.Array, encoding: str) -> np.ndarray:
    if encoding == "str":
        return chunk.to_numpy(zero_copy_only=False)  # str objects, None where null
    # int, float, bool: Python numbers in bulk (numpy's astype(object) makes int/float/bool)
    values = chunk.fill_null(False if encoding == "bool" else 0).to_numpy(zero_copy_only=False).astype(object)
    if chunk.null_count:
        values[chunk.is_null().to_numpy(zero_copy_only=False)] = None
    return values


def _decode_object(column: pa.ChunkedArray, encoding: str, rows: int) -> np.ndarray:
    """An object column's Python values (a file read in one piece is one chunk: no copy)."""
    if len(column) != rows:
        raise CorruptEntry(f"a column of {len(column)} rows where {rows} were written")
    if encoding == "null":
        return np.empty(rows, dtype=object)  # None in every row
    if pa.types.is_dictionary(column.type):
        # A file is read in batches, so a column may come in several chunks: decoded as one (joining
        # their codes costs far less than joining millions of Python values).
        chunks = column.unify_dictionaries().chunks if column.num_chunks > 1 else column.chunks
        return _decode_dictionary(chunks, encoding == "json") if chunks else np.empty(0, dtype=object)
    parts = [_decode_chunk(chunk, encoding) for chunk in column.chunks]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate(parts) if parts else np.empty(0, dtype=object)


def _decode_native(column: pa.ChunkedArray, dtype: str) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A natively typed column's values: a NumPy array or a pandas extension array, as a block holds them."""
    if dtype == "str" and pa.types.is_large_string(column.type):  # over pyarrow's buffers, as written
        return pd.arrays.ArrowStringArray(column, dtype=TEXT_DTYPE)
    if dtype == "Int64":  # pandas' own Arrow conversion (the extension type protocol)
        return pd.Int64Dtype().__from_arrow__(column)
    if dtype.startswith("datetime64[") and "," not in dtype:
        return _writeable(column.to_numpy().astype(dtype, copy=False))
    series = column.to_pandas()
    if str(series.dtype) != dtype:
        series = series.astype(dtype)
    return _writeable(series.to_numpy()) if isinstance(series.dtype, np.dtype) else series.array


def _writeable(array: np.ndarray) -> np.ndarray:
    """array, or a copy where it is a read-only view of Arrow's buffers: a frame from the cache can be
    changed like one loaded from the data files."""
    return array if array.flags.writeable else array.copy()


@functools.lru_cache(maxsize=8)
def _crs(wkt: str) -> ProjCRS:
    return ProjCRS.from_wkt(wkt)


def _restore_index(table: pa.Table | _SplitTable, meta: dict) -> tuple[pd.Index, int]:
    """The index, and how many Arrow columns it used (0 for a range)."""
    index_meta = meta["index"]
    if "range" in index_meta:
        return pd.RangeIndex(*index_meta["range"], name=index_meta["name"]), 0
    column = table.column(table.num_columns - 1)
    if index_meta["encoding"] == "native":
        index = pd.Index(column.to_numpy(), name=index_meta["name"]).astype(index_meta["dtype"])
    else:
        values = _decode_object(column, index_meta["encoding"], table.num_rows)
        index = pd.Index(values, dtype=object, name=index_meta["name"])
    return index, 1


def _geometries(table: pa.Table, position: int, encoding: str, crs: ProjCRS | None) -> gpd.array.GeometryArray:
    """Points from the x/y columns at position and position + 1; any other geometry from WKB."""
    if encoding == "points":
        x, y = table.column(position).to_numpy(), table.column(position + 1).to_numpy()
        values = np.empty(len(x), dtype=object)
        # In pieces: shapely holds the GIL for a whole call, and between pieces the column reader gets it
        # to finish one read and start the next (a million points in one call would stall it for ~200 ms).
        for start in range(0, len(x), POINTS_PER_CALL):
            piece = slice(start, start + POINTS_PER_CALL)
            shapely.points(x[piece], y[piece], out=values[piece])
    else:
        values = shapely.from_wkb(table.column(position).to_numpy(zero_copy_only=False))
    # shapely made every value (or None for a missing WKB): from_shapely would check each one again.
    return gpd.array.GeometryArray(values, crs=crs)


def table_frame(table: pa.Table | _SplitTable) -> pd.DataFrame:
    """The frame frame_table wrote, each column in its place."""
    meta = json.loads(table.schema.metadata[b"crossings"])
    rows = meta["rows"]
    if table.num_rows != rows:
        raise CorruptEntry(f"{table.num_rows} rows where {rows} were written")
    index, index_columns = _restore_index(table, meta)
    expected = sum(2 if c["encoding"] == "points" else 1 for c in meta["columns"]) + index_columns
    if table.num_columns != expected:
        raise CorruptEntry(f"{table.num_columns} columns where {expected} were written")
    crs = _crs(meta["crs"]) if meta["crs"] else None
    # Columns of nulls first (nothing to read: the file's hash and row count vouch for them), then the
    # geometry (a _SplitTable reads the other columns meanwhile), then the rest. Then the frame is made
    # from one block per column, each in its place (names may repeat), with pandas' constructor for
    # blocks: a Series per column and the DataFrame constructor cost more than decoding a small table,
    # and object columns stay object (the constructor would infer pandas' string dtype for text).
    values: dict[int, np.ndarray | pd.api.extensions.ExtensionArray] = {}
    geometry: list[tuple[int, str, int]] = []
    later: list[tuple[int, dict, int]] = []
    position = 0
    for place, column in enumerate(meta["columns"]):
        encoding = column["encoding"]
        if encoding == "null":
            values[place] = np.empty(rows, dtype=object)  # None in every row
        elif encoding in ("points", "wkb"):
            geometry.append((place, encoding, position))
        else:
            later.append((place, column, position))
        position += 2 if encoding == "points" else 1
    for place, encoding, position in geometry:
        values[place] = _geometries(table, position, encoding, crs)
    for place, column, position in later:
        if column["encoding"] == "native":
            values[place] = _decode_native(table.column(position), column["dtype"])
        else:
            values[place] = _decode_object(table.column(position), column["encoding"], rows)
    blocks = [
        (array.reshape(1, -1) if isinstance(array, np.ndarray) else array, np.array([place]))
        for place, array in values.items()
    ]
    names = pd.Index([column["name"] for column in meta["columns"]], dtype=object)
    if str(names.dtype) != meta["columns_dtype"]:
        names = names.astype(meta["columns_dtype"])
    frame = create_dataframe_from_blocks(blocks, index=index, columns=names)
    if meta["geometry"] is not None:  # the CRS comes with the geometry column
        return gpd.GeoDataFrame(frame, geometry=meta["geometry"], copy=False)
    return frame


# ---------------------------------------------------------------- datasets


def entry_dir(cache_dir: Path, key: str) -> Path:
    return cache_dir / key


def _frames(dataset) -> dict[str, pd.DataFrame]:
    frames = {f"layer-{name}": gdf for name, gdf in dataset.layers.items()}
    return frames | {"sources": dataset.sources, "rejected": dataset.rejected}


def write_entry(cache_dir: Path, key: str, dataset, data_dir: Path | None = None) -> Path | None:
    """Write the dataset under its key (whole, or not at all); None if it cannot or may not be written.

    Never inside data_dir. Several processes may write the same key at once: the first rename wins
    and the others drop their copy."""
    target = entry_dir(cache_dir, key)
    if data_dir is not None and is_inside(cache_dir, data_dir):
        log.warning("the columnar cache %s is inside the data directory: not written there", cache_dir)
        return None
    staging = None
    try:
        if (target / META).is_file():
            return target
        cache_dir.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(cache_dir)
        staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=cache_dir))
        files = {}
        for name, frame in _frames(dataset).items():
            path = staging / f"{name}.parquet"
            pq.write_table(frame_table(frame), path, compression="zstd")
            files[path.name] = {"sha256": _file_sha256(path), "rows": len(frame)}
        meta = {
            "format": FORMAT,
            "key": key,
            "files": files,
            "layers": list(dataset.layers),
            "version": dataset.version,
            "manifest": {"files": dataset.manifest.files, "version": dataset.manifest.version},
            "revision": dataset.revision,
            "row_revisions": {k: list(v) for k, v in dataset.row_revisions.items()},
            "revised_at": dataset.revised_at,
        }
        (staging / META).write_text(json.dumps({"sha256": _meta_sha256(meta), "meta": meta}), encoding="utf-8")
        os.chmod(staging, 0o755)  # noqa: S103  mkdtemp makes it private; replicas run as other users may read
        try:
            os.replace(staging, target)
            staging = None
        except OSError:  # another process wrote the same entry first
            pass
    except (OSError, pa.ArrowException, TypeError, ValueError) as error:
        log.warning("the columnar cache cannot be written (%s): loading from the data files", error)
        return None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _remove_stale_staging(cache_dir: Path) -> None:
    """Staging directories left by a process that died while writing (an hour old)."""
    now = time.time()
    for path in cache_dir.glob(f"{STAGING_PREFIX}*"):
        try:
            if now - path.stat().st_mtime > STALE_STAGING_SECONDS:
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue


def read_entry(cache_dir: Path, key: str):
    """The dataset cached under `key`, or None when there is no complete, intact entry.

    An entry that cannot be read back exactly (truncated, corrupted, written by other code) is moved
    aside and logged; the caller then loads from the data files and writes a new one."""
    target = entry_dir(cache_dir, key)
    try:
        raw = (target / META).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None  # no entry (or no complete one: meta.json is written last)
    # The decoding makes millions of small objects at once; the cyclic collector would walk every
    # object of the process several times over while it does (none of them can form a cycle).
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _read_checked(target, key, raw)
    except Exception as error:  # any failure to read back means a full load, never a crash
        log.warning(
            "the columnar cache entry %s cannot be read (%s: %s): loading from the data files",
            target,
            type(error).__name__,
            error,
        )
        discard_entry(cache_dir, key)
        return None
    finally:
        if collecting:
            gc.enable()


def _meta_sha256(meta: dict) -> str:
    return hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()


def _file_sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _checked_buffer(path: Path, sha256: str | None = None) -> pa.Buffer:
    """A file's bytes through a memory map; with sha256, refused unless they hash to it."""
    with path.open("rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if path.stat().st_size else b""
    if sha256 is not None and hashlib.sha256(mapped).hexdigest() != sha256:
        raise CorruptEntry(f"{path.name} is not the file that was written (its SHA-256 differs)")
    return pa.py_buffer(mapped)


def _read_table(path: Path, sha256: str | None = None) -> pa.Table:
    """A Parquet file through a memory map; with sha256, refused unless its bytes hash to it."""
    return pq.read_table(_checked_buffer(path, sha256))


class _SplitTable:
    """A large file read in parts: the index and the geometry by the calling thread; every other column
    (but columns of nulls: nothing to read) one by one, in the order table_frame decodes them, by a
    reader thread of its own that starts first. The frame's builder makes the points while the reader
    reads, then decodes each column as it arrives. One reader, and one thread per column read, so the
    builder (which holds the GIL) keeps a core to itself."""

    def __init__(self, buffer: pa.Buffer) -> None:
        first_file = pq.ParquetFile(pa.BufferReader(buffer))
        self.schema, self.num_rows = first_file.schema_arrow, first_file.metadata.num_rows
        self.num_columns = len(self.schema)
        meta = json.loads(self.schema.metadata[b"crossings"])
        kinds = [c["encoding"] for c in meta["columns"] for _ in range(2 if c["encoding"] == "points" else 1)]
        kinds += ["index"] * (self.num_columns - len(kinds))
        first = [i for i, kind in enumerate(kinds) if kind in ("points", "wkb", "index")]
        later = [i for i, kind in enumerate(kinds) if kind not in ("points", "wkb", "index", "null")]
        reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="colcache-columns")
        try:
            # Each thread its own ParquetFile over the same bytes (one is not documented as thread-safe).
            later_file = pq.ParquetFile(pa.BufferReader(buffer))
            self._later = {i: reader.submit(self._read, later_file, [i], False) for i in later}
        finally:
            reader.shutdown(wait=False)  # the reads already submitted still run
        self._first = dict(zip(first, self._read(first_file, first, True).columns, strict=True))

    def _read(self, parquet: pq.ParquetFile, positions: list[int], threads: bool) -> pa.Table:
        table = parquet.read(columns=[self.schema.names[i] for i in positions], use_threads=threads)
        if table.num_rows != self.num_rows:
            raise CorruptEntry(f"{table.num_rows} rows in a part of a file of {self.num_rows}")
        return table

    def column(self, i: int) -> pa.ChunkedArray:
        return self._first[i] if i in self._first else self._later[i].result().column(0)


def _read_checked_table(path: Path, expected: dict) -> pa.Table | _SplitTable:
    if expected["rows"] >= SPLIT_FROM_ROWS:
        table = _SplitTable(_checked_buffer(path, expected["sha256"]))
    else:
        table = _read_table(path, expected["sha256"])
    if table.num_rows != expected["rows"]:
        raise CorruptEntry(f"{path.name} has {table.num_rows} rows where {expected['rows']} were written")
    return table


def _read_checked(target: Path, key: str, raw: str):
    """Every byte is checked: meta.json against its own hash, each Parquet file against the hash in it
    (a damaged page, a damaged footer and a damaged column name are all refused, not decoded)."""
    from geo.io import Dataset  # geo.io imports this module

    document = json.loads(raw)
    meta = document["meta"]
    if document["sha256"] != _meta_sha256(meta):
        raise CorruptEntry(f"{META} is not the file that was written (its SHA-256 differs)")
    if meta.get("format") != FORMAT or meta.get("key") != key:
        raise CorruptEntry(f"format {meta.get('format')} and key {meta.get('key')} where {FORMAT} and {key}")
    # Files are hashed and read by two threads beside this one (hashlib and pyarrow release the GIL) while
    # this one builds the frames: Python objects, with the GIL (shapely.points holds it too: a thread of its
    # own measured no faster). A file is hashed before pyarrow reads a byte of it.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="colcache") as pool:
        smallest_first = sorted(meta["files"], key=lambda name: meta["files"][name]["rows"])
        # The largest file first (one thread reads it), then the others in the order they are built.
        order = smallest_first[-1:] + smallest_first[:-1]
        reading = {name: pool.submit(_read_checked_table, target / name, meta["files"][name]) for name in order}
        frames = {}
        try:  # the small frames first, while the large files are still being read
            for name in smallest_first:
                frames[name] = table_frame(reading[name].result())
        finally:
            for future in reading.values():
                future.cancel()
    layers = {name: frames[f"layer-{name}.parquet"] for name in meta["layers"]}
    sources, rejected = frames["sources.parquet"], frames["rejected.parquet"]
    manifest = Manifest(meta["manifest"]["files"], meta["manifest"]["version"])
    row_revisions = {k: tuple(v) for k, v in meta["row_revisions"].items()}
    return Dataset(
        layers, sources, rejected, meta["version"], manifest, meta["revision"], row_revisions, meta["revised_at"]
    )


def discard_entry(cache_dir: Path, key: str) -> None:
    """Move an entry out of the way (one rename: readers never see it half removed), then delete it."""
    target = entry_dir(cache_dir, key)
    doomed = cache_dir / f"{STAGING_PREFIX}discard-{key}-{os.getpid()}"
    try:
        os.replace(target, doomed)
    except OSError:
        return  # already moved by another process, or not ours to move: the next write replaces nothing
    shutil.rmtree(doomed, ignore_errors=True)


def read_columns(cache_dir: Path, key: str, datasets_layer: bool = True) -> int:
    """The floor of a cached load: every column of the entry read by pyarrow alone (rows read); with
    datasets_layer=False, by `ParquetFile.read`, without the few milliseconds per file `pq.read_table` adds."""
    total = 0
    for path in sorted(entry_dir(cache_dir, key).glob("*.parquet")):
        buffer = _checked_buffer(path)
        table = pq.read_table(buffer) if datasets_layer else pq.ParquetFile(pa.BufferReader(buffer)).read()
        total += table.num_rows
    return total
