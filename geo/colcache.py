"""A columnar cache of validated datasets: Parquet files (Arrow columns) keyed by the manifest hash.

A cold load of a data directory parses GeoJSON and validates every row in Python; a second process
loading the same dataset version reads the validated columns back instead (geo.io.load_dataset with
a cache directory). The key holds the manifest's hash, each data file's size and modification time,
and the hash of the code that validates: any change to the data or to that code is a new key, so a
stale entry is never read (it is simply not found). Entries are written whole or not at all.

What comes back is what went in: the same columns, dtypes, index, CRS and Python values (object
columns are restored value by value; a column Arrow cannot hold exactly goes as JSON text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geo.manifest import Manifest

FORMAT = 1
META = "meta.json"
_CODE = ("io.py", "schema.py", "manifest.py", "colcache.py")
_SIMPLE = (str, bool, int, float, type(None))

log = logging.getLogger(__name__)


def _code_hash() -> str:
    digest = hashlib.sha256(str(FORMAT).encode())
    here = Path(__file__).resolve().parent
    for name in _CODE:
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:12]


def data_dir_key(data_dir: Path, manifest: Manifest, files: list[str]) -> str:
    """The cache key of a data directory: manifest hash, the files' sizes and times, the validating code."""
    digest = hashlib.sha256(manifest.version.encode())
    for relative in files:
        stat = (data_dir / relative).stat()
        digest.update(f"{relative}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return f"{manifest.version}-{digest.hexdigest()[:16]}-{_code_hash()}"


# ---------------------------------------------------------------- frames <-> Arrow tables


def _object_encoding(values: list) -> str:
    """'pylist' when Arrow gives back exactly these Python values, else 'json'."""
    types = {type(v) for v in values}
    if types <= set(_SIMPLE):
        numbers = types & {int, float, bool}
        if len(numbers) > 1:  # 1 and 1.0, or True and 1, would come back as one type
            return "json"
        if float in types and any(type(v) is float and math.isnan(v) for v in values):
            return "json"
        if float in types and len(types - {type(None)}) > 1:
            return "json"
        return "pylist" if len(types - {type(None)}) <= 1 else "json"
    if types <= {list, type(None)}:
        inner = {type(x) for v in values if v is not None for x in v}
        return "pylist" if inner <= {str} else "json"
    return "json"


def frame_table(frame: pd.DataFrame) -> pa.Table:
    """A DataFrame (or GeoDataFrame) as an Arrow table whose metadata says how to restore it exactly."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    arrays, columns = [], []
    for name in frame.columns:
        series = frame[name]
        if name == geometry:
            arrays.append(pa.array(shapely.to_wkb(np.asarray(series.values, dtype=object)), type=pa.binary()))
            encoding = "wkb"
        elif series.dtype == object:
            values = series.tolist()
            encoding = _object_encoding(values)
            if encoding == "pylist":
                try:
                    arrays.append(pa.array(values))
                except (pa.ArrowInvalid, pa.ArrowTypeError):
                    encoding = "json"
            if encoding == "json":
                arrays.append(pa.array([json.dumps(v, ensure_ascii=False) for v in values], type=pa.string()))
        else:
            arrays.append(pa.Array.from_pandas(series))
            encoding = "native"
        columns.append({"name": str(name), "dtype": str(series.dtype), "encoding": encoding})
    index = frame.index
    arrays.append(pa.array(index.tolist() if index.dtype == object else np.asarray(index)))
    meta = {
        "columns": columns,
        "index": {"name": index.name, "dtype": str(index.dtype)},
        "geometry": geometry,
        "crs": frame.crs.to_wkt() if geometry and frame.crs is not None else None,
    }
    names = [c["name"] for c in columns] + ["__index__"]
    return pa.Table.from_arrays(arrays, names=names, metadata={b"crossings": json.dumps(meta).encode()})


def table_frame(table: pa.Table) -> pd.DataFrame:
    meta = json.loads(table.schema.metadata[b"crossings"])
    index_meta = meta["index"]
    raw_index = table.column("__index__")
    if index_meta["dtype"] == "object":
        index = pd.Index(raw_index.to_pylist(), dtype=object, name=index_meta["name"])
    else:
        index = pd.Index(raw_index.to_numpy(), name=index_meta["name"]).astype(index_meta["dtype"])
    data = {}
    for column in meta["columns"]:
        name, encoding, dtype = column["name"], column["encoding"], column["dtype"]
        values = table.column(name)
        if encoding == "wkb":
            data[name] = gpd.GeoSeries(shapely.from_wkb(values.to_numpy(zero_copy_only=False)), index=index)
        elif encoding == "pylist":
            # Strings (and nulls) convert in bulk; other types value by value, as exact Python values.
            text = pa.types.is_string(values.type) or pa.types.is_large_string(values.type)
            values = values.to_numpy(zero_copy_only=False) if text else values.to_pylist()
            data[name] = pd.Series(values, index=index, dtype=object)
        elif encoding == "json":
            data[name] = pd.Series([json.loads(v) for v in values.to_pylist()], index=index, dtype=object)
        else:
            series = values.to_pandas()
            series.index = index
            data[name] = series if str(series.dtype) == dtype else series.astype(dtype)
    frame = pd.DataFrame(data, index=index)
    if meta["geometry"]:
        return gpd.GeoDataFrame(frame, geometry=meta["geometry"], crs=meta["crs"])
    return frame


# ---------------------------------------------------------------- datasets


def entry_dir(cache_dir: Path, key: str) -> Path:
    return cache_dir / key


def write_entry(cache_dir: Path, key: str, dataset) -> Path | None:
    """Write the dataset under its key (whole, or not at all); None if it cannot be written."""
    target = entry_dir(cache_dir, key)
    if (target / META).is_file():
        return target
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
        frames = {f"layer-{name}": gdf for name, gdf in dataset.layers.items()}
        frames |= {"sources": dataset.sources, "rejected": dataset.rejected}
        for name, frame in frames.items():
            pq.write_table(frame_table(frame), staging / f"{name}.parquet", compression="zstd")
        meta = {
            "format": FORMAT,
            "layers": list(dataset.layers),
            "version": dataset.version,
            "manifest": {"files": dataset.manifest.files, "version": dataset.manifest.version},
            "revision": dataset.revision,
            "row_revisions": {k: list(v) for k, v in dataset.row_revisions.items()},
            "revised_at": dataset.revised_at,
        }
        (staging / META).write_text(json.dumps(meta), encoding="utf-8")
        try:
            os.replace(staging, target)
        except OSError:  # another process wrote the same entry first
            shutil.rmtree(staging, ignore_errors=True)
    except (OSError, pa.ArrowException, TypeError, ValueError) as error:
        log.warning("the columnar cache cannot be written (%s): loading from the data files", error)
        return None
    return target


def read_entry(cache_dir: Path, key: str):
    """The dataset cached under `key`, or None when there is no complete entry."""
    from geo.io import Dataset  # geo.io imports this module

    target = entry_dir(cache_dir, key)
    try:
        meta = json.loads((target / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if meta.get("format") != FORMAT:
        return None
    layers = {name: table_frame(pq.read_table(target / f"layer-{name}.parquet")) for name in meta["layers"]}
    sources = table_frame(pq.read_table(target / "sources.parquet"))
    rejected = table_frame(pq.read_table(target / "rejected.parquet"))
    manifest = Manifest(meta["manifest"]["files"], meta["manifest"]["version"])
    row_revisions = {k: tuple(v) for k, v in meta["row_revisions"].items()}
    return Dataset(
        layers, sources, rejected, meta["version"], manifest, meta["revision"], row_revisions, meta["revised_at"]
    )


def read_columns(cache_dir: Path, key: str) -> int:
    """The floor of a cached load: every column of the entry read by pyarrow alone (rows read)."""
    target = entry_dir(cache_dir, key)
    return sum(pq.read_table(path).num_rows for path in sorted(target.glob("*.parquet")))
