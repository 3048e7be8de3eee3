"""The reading boundary of an upload: every byte a researcher sends is first read here.

Sniffing and the name/content check, UTF-8 decoding, the refusal of GDAL virtual datasets, zip checks,
GeoJSON parsed with the json module, CSV with the csv module, and the only GDAL access (a GeoPackage,
after its SQLite schema and values are checked); the caps on bytes, features, vertices and columns.
SECURITY.md points here. What the rows mean is geo.upload (mapping, building) and geo.upload_values
(cell coercions).

Pure (no streamlit). The rules:

- **Never let GDAL guess.** GeoJSON is parsed as JSON with the json module and CSV with the csv module
  (every cell stays text: "NA", "None" and "007" are not turned into missing values or numbers).
  Only a GeoPackage reaches GDAL, and only after its SQLite header, its GeoPackage application id and
  its schema (nothing SQLite evaluates on read: no views, no virtual tables other than R-trees, no
  generated columns, no custom collations) and the size of every value have been checked; it is written to a
  private temporary directory, opened through the GPKG driver explicitly ("GPKG:" prefix) and deleted.
  XML (a GDAL virtual dataset, ``<OGRVRTDataSource>``) and ``/vsi…`` paths are refused outright, with a
  message that quotes nothing from the file. No user string is ever used as a path.
- **Limits first.** The byte limit is checked before anything is decoded; the bytes of every value, mapped
  or not, as each is read (a GeoPackage's before GDAL reads a row); the feature and vertex limits
  before any geometry is built or any row validated; a zip's member names, sizes and compression ratios
  before anything is extracted (and extraction is to memory, never to disk).
- **Reject, don't fix.** Every rejected row is reported with where it is (CSV line, GeoJSON feature,
  GeoPackage FID), the contract field and the reason. Validation uses the same rules as the bundled data
  (geo.schema.row_problems). Nothing is dropped silently and nothing is repaired.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import re
import sqlite3
import stat
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from geo.i18n import N_, _
from geo.schema import EVENT_KINDS, REGION_BBOX, LayerSpec

# --- limits (shown in the UI) ----------------------------------------------------------------------

MAX_UPLOAD_MB = 10
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
MAX_FEATURES = 5_000
MAX_VERTICES = 100_000  # all features together
MAX_VERTICES_PER_FEATURE = 10_000
MAX_COLUMNS = 200
MAX_TEXT_CHARS = 5_000  # one value
# Bytes as stored, for every column read (mapped or not): one value, and all values of a file together.
# A text value within MAX_TEXT_CHARS is at most 4 bytes a character in UTF-8.
MAX_VALUE_BYTES = 4 * MAX_TEXT_CHARS
MAX_FILE_VALUE_BYTES = MAX_UPLOAD_BYTES
ZIP_MAX_MEMBERS = 20
ZIP_MAX_RATIO = 100  # uncompressed / compressed, per member and overall
SUPPORTED_EXTENSIONS = ("geojson", "json", "csv", "gpkg", "zip")

LIMITS_MESSAGE = N_(
    "GeoJSON (.geojson, .json), CSV with latitude and longitude columns (.csv), GeoPackage (.gpkg), "
    "or a .zip holding one of them. At most {max_mb} MB, {max_features:,} features, "
    "{max_vertices:,} vertices in all and {max_per_feature:,} per feature; a zip at most "
    "{zip_members} files, {max_mb} MB unpacked and a compression ratio of {zip_ratio}:1; at "
    "most {max_columns} columns and {max_value_bytes:,} bytes in any one value. "
    "Coordinates in WGS 84 longitude/latitude (EPSG:4326) inside the mapped region; dates as ISO 8601 "
    "(2023, 2023-10 or 2023-10-09); text in UTF-8. Nothing is trimmed: a number, date, id or category with "
    "spaces around it is rejected (names and notes are kept exactly as written). The file's name must match "
    "its content."
)


def limits_text() -> str:
    """The limits of an upload in the active language."""
    return _(
        LIMITS_MESSAGE,
        max_mb=MAX_UPLOAD_MB,
        max_features=MAX_FEATURES,
        max_vertices=MAX_VERTICES,
        max_per_feature=MAX_VERTICES_PER_FEATURE,
        zip_members=ZIP_MAX_MEMBERS,
        zip_ratio=ZIP_MAX_RATIO,
        max_columns=MAX_COLUMNS,
        max_value_bytes=MAX_VALUE_BYTES,
    )


LIMITS_TEXT = (
    f"GeoJSON (.geojson, .json), CSV with latitude and longitude columns (.csv), GeoPackage (.gpkg), "
    f"or a .zip holding one of them. At most {MAX_UPLOAD_MB} MB, {MAX_FEATURES:,} features, "
    f"{MAX_VERTICES:,} vertices in all and {MAX_VERTICES_PER_FEATURE:,} per feature; a zip at most "
    f"{ZIP_MAX_MEMBERS} files, {MAX_UPLOAD_MB} MB unpacked and a compression ratio of {ZIP_MAX_RATIO}:1; at "
    f"most {MAX_COLUMNS} columns and {MAX_VALUE_BYTES:,} bytes in any one value. "
    "Coordinates in WGS 84 longitude/latitude (EPSG:4326) inside the mapped region; dates as ISO 8601 "
    "(2023, 2023-10 or 2023-10-09); text in UTF-8. Nothing is trimmed: a number, date, id or category with "
    "spaces around it is rejected (names and notes are kept exactly as written). The file's name must match "
    "its content."
)


# No number the contract holds (a coordinate, a radius in metres, a count) has more than 15 digits before the
# point: larger ones are refused (cells in geo.upload_values, GeoJSON numbers here) before anything converts
# them (a 401-digit integer overflows a float).
_MAX_DECIMAL_DIGITS = 15

# What an upload becomes (geo.upload maps its columns onto it); the geometry types are all a reader accepts.
UPLOAD_LAYER = "uploaded"
UPLOAD_TITLE = N_("Your upload (this session only)")
ALL_KINDS: tuple[str, ...] = ("detention_centre", "crossing", "receiving_facility", "route_leg", *EVENT_KINDS)
UPLOAD_SPEC = LayerSpec(UPLOAD_LAYER, UPLOAD_TITLE, ALL_KINDS, ("Point", "LineString"))


WGS84_NAMES = {
    "EPSG:4326",
    "OGC:CRS84",
    "CRS84",
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "urn:ogc:def:crs:EPSG:6.6:4326",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
    "http://www.opengis.net/def/crs/EPSG/0/4326",
}


SQLITE_MAGIC = b"SQLite format 3\x00"
GPKG_APPLICATION_IDS = (b"GPKG", b"GP10", b"GP11")
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

_VRT_MARKERS = re.compile(r"<\s*(OGRVRTDataSource|VRTDataset|GDAL_WMS|GDAL_WMTS|WFS_GetCapabilities)", re.I)
_VSI_PATH = re.compile(r"/vsi[a-z0-9_]*/", re.I)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# What the Import page says when reading or checking a file fails in a way no rule foresaw (a bug): a
# refusal with a reason, never an error box; the details go to the server log only.
UNEXPECTED_REFUSAL = N_(
    "It could not be read or checked (an unexpected error, logged on the server). Nothing "
    "from it was kept. Check that it is a valid GeoJSON, CSV or GeoPackage within the limits."
)


class UploadError(ValueError):
    """The whole file is refused. The message says why and what to do, and quotes nothing from a
    file that might not be the user's own (a virtual dataset pointing at server files)."""


# --- what a reader returns -------------------------------------------------------------------------


@dataclass
class RawTable:
    """An upload as read, before mapping: original values in their original types."""

    format: str  # "GeoJSON", "CSV", "GeoPackage"
    columns: list[str]
    rows: list[dict[str, object]]
    where: list[str]  # "line 3", "feature 2", "FID 7"
    geometries: list[object] | None = None  # shapely or None per row; None for CSV (lat/lon columns)
    geometry_problems: list[str | None] | None = None
    row_problems: list[list[tuple[str, str]]] = field(default_factory=list)  # found while reading
    duplicate_keys: list[tuple[str, ...]] = field(default_factory=list)
    vertices: int = 0
    layers: tuple[str, ...] = ()
    layer: str | None = None
    notes: tuple[str, ...] = ()
    kept: frozenset[str] | None = None  # the columns whose values rows still hold (None: all of them)

    def __post_init__(self) -> None:
        if not self.row_problems:
            self.row_problems = [[] for _row in self.rows]
        if not self.duplicate_keys:
            self.duplicate_keys = [() for _row in self.rows]

    @property
    def has_geometry(self) -> bool:
        return self.geometries is not None


# --- reading ---------------------------------------------------------------------------------------


def file_token(data: bytes) -> str:
    """A short content hash: a new file resets the mapping widgets."""
    return hashlib.sha256(data).hexdigest()[:12]


def extension(name: str) -> str:
    return PurePosixPath(name.replace("\\", "/")).suffix.lower().lstrip(".")


def read_upload(name: str, data: bytes, layer: str | None = None) -> RawTable:
    """Read an upload into a RawTable, or raise UploadError saying why the whole file is refused."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(
            _(
                "The file is {number:.1f} MB; the limit is {max_upload_mb} MB. Split it or remove "
                "columns you do not need.",
                number=len(data) / 1024 / 1024,
                max_upload_mb=MAX_UPLOAD_MB,
            )
        )
    if not data:
        raise UploadError(_("The file is empty."))
    ext = extension(name)
    if data.startswith(ZIP_MAGICS):
        if ext not in ("zip", ""):
            raise UploadError(_("The file is named .{ext} but is a zip archive; name it .zip.", ext=ext))
        return _read_zip(data, layer)
    if ext == "zip":
        raise UploadError(_("The file is named .zip but is not a zip archive."))
    return _read_member(ext, data, layer)


def _read_member(ext: str, data: bytes, layer: str | None) -> RawTable:
    if data.startswith(SQLITE_MAGIC):
        # Neither the name nor the content alone decides: an SQLite file must be named .gpkg.
        if ext != "gpkg":
            named = _("named .{ext}", ext=ext) if ext else _("named without an extension")
            raise UploadError(
                _("The file is {named} but is an SQLite database (a GeoPackage?); name it .gpkg.", named=named)
            )
        return _read_gpkg(data, layer)
    if ext == "gpkg":
        raise UploadError(_("The file is named .gpkg but is not a GeoPackage (it has no SQLite header)."))
    if ext not in ("geojson", "json", "csv", "txt", "tsv", ""):
        raise UploadError(_("Files of type .{ext} are not accepted. {limits_text}", ext=ext, limits_text=limits_text()))
    if ext == "csv" and data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        raise UploadError(_("The file is named .csv but holds JSON; name it .geojson if it is GeoJSON."))
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(_("The file is binary, not text: upload GeoJSON, CSV or a GeoPackage."))
    text = _decode_utf8(data)
    _refuse_virtual_datasets(text)
    stripped = text.lstrip()
    if ext in ("geojson", "json") or (ext in ("", "txt") and stripped.startswith(("{", "["))):
        return _read_geojson(text)
    return _read_csv(text, delimiter="\t" if ext == "tsv" else None)


def _decode_utf8(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(_("The file is UTF-16 text; save it as UTF-8 and upload it again."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        start = error.start
        line = data.count(b"\n", 0, start) + 1
        column = start - (data.rfind(b"\n", 0, start) + 1) + 1
        raise UploadError(
            _(
                "The file is not UTF-8 text: byte 0x{value:02X} at line {line}, column {column} "
                "cannot be decoded. Save the file as UTF-8 (in Excel: 'CSV UTF-8') and upload it "
                "again.",
                value=data[start],
                line=line,
                column=column,
            )
        ) from error


def _refuse_virtual_datasets(text: str) -> None:
    """XML and GDAL virtual file system paths are refused without quoting the file."""
    if text.lstrip().startswith("<") or _VRT_MARKERS.search(text):
        raise UploadError(
            _(
                "The file is XML (it may be a GDAL virtual dataset, which can make a server read "
                "other files or URLs), not GeoJSON or CSV. It was refused without being read. Upload "
                "GeoJSON, CSV or a GeoPackage."
            )
        )
    if _VSI_PATH.search(text):
        raise UploadError(
            _(
                "The file contains a GDAL virtual file system path (/vsi…/), which could make a "
                "server read other files or URLs. It was refused without being read further. Remove "
                "such paths and upload it again."
            )
        )


def _value_bytes(value: object) -> int:
    """The size of one value as the file holds it (UTF-8 text; nested JSON as JSON)."""
    if isinstance(value, str):
        return len(value) if len(value) <= MAX_VALUE_BYTES // 4 else len(value.encode("utf-8", "surrogatepass"))
    if isinstance(value, bytes):
        return len(value)
    if isinstance(value, dict | list):
        return len(json.dumps(value, ensure_ascii=False, default=repr))
    return 0


def _refuse_large_value(column: object, value: object) -> None:
    """The per-value cap, for every column read, mapped or not: the parsed file stays as small as the file."""
    size = _value_bytes(value)
    if size > MAX_VALUE_BYTES:
        raise UploadError(
            _(
                "The column {column} holds a value of {size:,} bytes; the limit is "
                "{max_value_bytes:,} bytes a value ({max_text_chars:,} characters of text).",
                column=_show(column),
                size=size,
                max_value_bytes=MAX_VALUE_BYTES,
                max_text_chars=MAX_TEXT_CHARS,
            )
        )


def keep_columns(raw: RawTable, columns: Iterable[str]) -> RawTable:
    """The table holding only these columns' values: what a session keeps between reruns once the mapping
    is chosen (the column names stay whole for the mapping widgets)."""
    wanted = set(columns)
    kept = frozenset(c for c in raw.columns if c in wanted)
    rows = [{c: row[c] for c in kept if c in row} for row in raw.rows]
    return replace(raw, rows=rows, kept=kept)


# --- zip -------------------------------------------------------------------------------------------

_IGNORED_ZIP_MEMBERS = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|\._)")


def check_zip_members(infos: Iterable[zipfile.ZipInfo]) -> list[zipfile.ZipInfo]:
    """Every member checked before anything is extracted; returns the data members."""
    infos = list(infos)
    if len(infos) > ZIP_MAX_MEMBERS:
        raise UploadError(
            _(
                "The zip holds {count} files; at most {zip_max_members} are accepted.",
                count=len(infos),
                zip_max_members=ZIP_MAX_MEMBERS,
            )
        )
    total = 0
    total_compressed = 0
    data_members = []
    for info in infos:
        name = info.filename
        parts = name.replace("\\", "/").split("/")
        if (
            name.startswith(("/", "\\"))
            or re.match(r"^[A-Za-z]:", name)
            or ".." in parts
            or "\\" in name
            or "\x00" in name
            or len(name) > 255
        ):
            raise UploadError(
                _(
                    "The zip contains a file whose name is an absolute path or climbs out of the "
                    "archive ('..'); such archives are refused."
                )
            )
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise UploadError(_("The zip contains a symbolic link; such archives are refused."))
        if info.flag_bits & 0x1:
            raise UploadError(_("The zip is encrypted; upload an unencrypted file."))
        if info.is_dir():
            continue
        total += info.file_size
        total_compressed += info.compress_size
        if info.file_size > 0 and (info.compress_size == 0 or info.file_size / info.compress_size > ZIP_MAX_RATIO):
            raise UploadError(
                _(
                    "A file in the zip is compressed more than {zip_max_ratio}:1 (a 'zip bomb' pattern); refused.",
                    zip_max_ratio=ZIP_MAX_RATIO,
                )
            )
        if _IGNORED_ZIP_MEMBERS.search(name):
            continue
        data_members.append(info)
    if total > MAX_UPLOAD_BYTES:
        raise UploadError(
            _(
                "The zip unpacks to {number:.1f} MB; the limit is {max_upload_mb} MB.",
                number=total / 1024 / 1024,
                max_upload_mb=MAX_UPLOAD_MB,
            )
        )
    if total_compressed and total / total_compressed > ZIP_MAX_RATIO:
        raise UploadError(
            _("The zip is compressed more than {zip_max_ratio}:1 overall; refused.", zip_max_ratio=ZIP_MAX_RATIO)
        )
    return data_members


def _read_zip(data: bytes, layer: str | None) -> RawTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as error:
        raise UploadError(_("The zip archive is damaged and cannot be read.")) from error
    with archive:
        members = check_zip_members(archive.infolist())
        usable = [m for m in members if extension(m.filename) in ("geojson", "json", "csv", "gpkg")]
        nested = [m for m in members if extension(m.filename) == "zip"]
        if nested:
            raise UploadError(_("The zip contains another zip; upload the inner file instead."))
        if len(usable) != 1:
            raise UploadError(
                _(
                    "The zip must hold exactly one .geojson, .json, .csv or .gpkg file; it holds {count}.",
                    count=len(usable),
                )
            )
        member = usable[0]
        try:
            with archive.open(member) as handle:
                # The header's size may lie: read at most the limit plus one byte.
                content = handle.read(MAX_UPLOAD_BYTES + 1)
        except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as error:
            raise UploadError(_("The file inside the zip cannot be unpacked.")) from error
        if len(content) > MAX_UPLOAD_BYTES or len(content) > member.file_size:
            raise UploadError(
                _(
                    "The file inside the zip is larger than its header says or than {max_upload_mb} MB.",
                    max_upload_mb=MAX_UPLOAD_MB,
                )
            )
        table = _read_member(extension(member.filename), content, layer)
    table.notes = (*table.notes, _("Read from the zip member {filename!r}.", filename=member.filename))
    return table


# --- GeoJSON ---------------------------------------------------------------------------------------


class NonFinite:
    """NaN / Infinity found in JSON (not valid JSON): kept as a marker so the row can be rejected."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


class _JsonObject(dict):
    duplicates: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, object]]) -> _JsonObject:
    obj = _JsonObject(pairs)
    if len(obj) != len(pairs):
        obj.duplicates = tuple(k for k, n in Counter(k for k, _ in pairs).items() if n > 1)
    return obj


def _parse_float(text: str) -> float | NonFinite:
    value = float(text)
    return value if math.isfinite(value) else NonFinite(text)


def parse_json(text: str) -> object:
    """JSON with NaN/Infinity and overflowing numbers kept as NonFinite markers; errors name line and column."""
    try:
        return json.loads(text, parse_constant=NonFinite, parse_float=_parse_float, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as error:
        ending = text.rstrip()[-1:]
        hint = _(" The file looks truncated (it does not end with '}' or ']').") if ending not in ("}", "]") else ""
        what = error.msg[:-3] + " here" if error.msg.endswith(" at") else error.msg  # json's own words
        raise UploadError(
            _(
                "Invalid JSON at line {lineno}, column {colno}: {what}.{hint}",
                lineno=error.lineno,
                colno=error.colno,
                what=what,
                hint=hint,
            )
        ) from error
    except RecursionError as error:
        raise UploadError(_("The JSON is nested too deeply to be GeoJSON.")) from error
    except ValueError as error:  # e.g. an integer with thousands of digits
        raise UploadError(_("The JSON cannot be read: {value}", value=str(error)[:120])) from error


def _count_positions(coordinates: object, cap: int) -> int:
    """The number of positions (innermost number lists) in a coordinates array, stopping past cap."""
    count = 0
    stack = [coordinates]
    while stack and count <= cap:
        item = stack.pop()
        if isinstance(item, list):
            if item and not isinstance(item[0], list):
                count += 1
            else:
                stack.extend(item)
    return count


def _read_geojson(text: str) -> RawTable:
    document = parse_json(text)
    if isinstance(document, _JsonObject) and document.duplicates:
        raise UploadError(_("The GeoJSON object has the member {value} twice.", value=_show(document.duplicates[0])))
    if not isinstance(document, dict):
        raise UploadError(_("The JSON is not a GeoJSON object (expected a FeatureCollection)."))
    doc_type = document.get("type")
    if doc_type == "Feature":
        features: object = [document]
    elif doc_type == "FeatureCollection":
        features = document.get("features")
    else:
        raise UploadError(
            _("The JSON is not a GeoJSON FeatureCollection (its type is {doc_type}).", doc_type=_show(doc_type))
        )
    if not isinstance(features, list):
        raise UploadError(_("The FeatureCollection has no 'features' list."))
    _check_crs_member(document.get("crs"))
    # Limits before any geometry is built or any row is looked at.
    if len(features) > MAX_FEATURES:
        raise UploadError(
            _(
                "The file has {count:,} features; the limit is {max_features:,}.",
                count=len(features),
                max_features=MAX_FEATURES,
            )
        )
    counts = []
    total = 0
    for feature in features:
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        coordinates = geometry.get("coordinates") if isinstance(geometry, dict) else None
        n = _count_positions(coordinates, MAX_VERTICES_PER_FEATURE)
        counts.append(n)
        total += n
        if total > MAX_VERTICES:
            raise UploadError(
                _(
                    "The file has more than {max_vertices:,} vertices in all; simplify it first.",
                    max_vertices=MAX_VERTICES,
                )
            )

    columns: dict[str, None] = {}
    rows, where, geometries, geometry_problems, problems, duplicates = [], [], [], [], [], []
    for index, feature in enumerate(features):
        row_problems_found: list[tuple[str, str]] = []
        record: dict[str, object] = {}
        geometry: object = None
        geometry_problem: str | None = None
        repeated: tuple[str, ...] = ()
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            kind = feature.get("type") if isinstance(feature, dict) else type(feature).__name__
            row_problems_found.append(("feature", _("not a GeoJSON Feature (type {kind})", kind=_show(kind))))
            geometry_problem = _("no geometry: not a Feature")
        else:
            properties = feature.get("properties")
            if properties is None:
                properties = {}
            if not isinstance(properties, dict):
                row_problems_found.append(("properties", _("properties is not a JSON object")))
                properties = {}
            record = dict(properties)
            if "id" not in record and feature.get("id") is not None:
                record["id"] = feature.get("id")
            for key, value in record.items():
                _refuse_large_value(key, value)
            repeated = getattr(properties, "duplicates", ())
            if counts[index] > MAX_VERTICES_PER_FEATURE:
                geometry_problem = _(
                    "the geometry has more than {max_vertices_per_feature:,} vertices; simplify it first",
                    max_vertices_per_feature=MAX_VERTICES_PER_FEATURE,
                )
            else:
                geometry, geometry_problem = geojson_geometry(feature.get("geometry"))
        duplicates.append(repeated)
        for key in record:
            if len(columns) < MAX_COLUMNS or key in columns:
                columns.setdefault(key, None)
        rows.append(record)
        where.append(_("feature {number}", number=index + 1))
        geometries.append(geometry)
        geometry_problems.append(geometry_problem)
        problems.append(row_problems_found)
    if len(columns) >= MAX_COLUMNS:
        raise UploadError(_("The file has more than {max_columns} different properties.", max_columns=MAX_COLUMNS))
    return RawTable(
        "GeoJSON",
        list(columns),
        rows,
        where,
        geometries,
        geometry_problems,
        problems,
        duplicates,
        vertices=total,
    )


def _check_crs_member(crs: object) -> None:
    """RFC 7946 has no 'crs' member; an old-style one must name WGS 84 longitude/latitude."""
    if crs is None:
        return
    name = None
    if isinstance(crs, dict) and crs.get("type") == "name" and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
    if isinstance(name, str) and name.strip() in WGS84_NAMES:
        return
    described = (
        _("the coordinate reference system {name}", name=_show(name)) if isinstance(name, str) else _("an unknown CRS")
    )
    raise UploadError(
        _(
            "The file declares {described}; only WGS 84 longitude/latitude (EPSG:4326) is accepted. "
            "Reproject it (for example: ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson) and upload "
            "it again.",
            described=described,
        )
    )


_NESTING = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def geojson_geometry(raw: object) -> tuple[BaseGeometry | None, str | None]:
    """A shapely geometry from a GeoJSON geometry object, or the reason it cannot be accepted.

    Checked before shapely sees it: types, nesting, that every coordinate is a JSON number (not text,
    not NaN), positions of two values, enough positions, closed rings.
    """
    if raw is None:
        return None, _("geometry is null: every row needs a point or a line")
    if not isinstance(raw, dict):
        return None, _("geometry is not a GeoJSON geometry object")
    gtype = raw.get("type")
    if gtype == "GeometryCollection":
        return None, _("GeometryCollection is not supported: import points (Point) or lines (LineString)")
    if gtype not in _NESTING:
        return None, _("unknown geometry type {gtype}", gtype=_show(gtype))
    coordinates = raw.get("coordinates")
    if coordinates is None:
        return None, _("the {gtype} has no coordinates", gtype=gtype)
    problem = _coordinates_problem(coordinates, _NESTING[gtype], gtype)
    if problem:
        return None, problem
    geometry = shape({"type": gtype, "coordinates": coordinates})
    return geometry, geometry_problem(geometry, "GeoJSON")


def _coordinates_problem(coordinates: object, depth: int, gtype: str) -> str | None:
    if not isinstance(coordinates, list):
        return _("the {gtype}'s coordinates are not an array", gtype=gtype)
    if depth == 0:
        return (
            _("the {gtype} is empty (no coordinates)", gtype=gtype)
            if coordinates == []
            else _position_problem(coordinates)
        )
    if not coordinates:
        return _("the {gtype} is empty (no coordinates)", gtype=gtype)
    for part in coordinates:
        problem = _coordinates_problem(part, depth - 1, gtype)
        if problem:
            return problem
    if gtype in ("LineString", "MultiLineString") and depth == 1 and len(coordinates) < 2:
        return _("too few coordinates: a line needs at least 2 positions, this one has {count}", count=len(coordinates))
    if gtype in ("Polygon", "MultiPolygon") and depth == 1:
        if len(coordinates) < 4:
            return _(
                "too few coordinates: a polygon ring needs at least 4 positions, this one has {count}",
                count=len(coordinates),
            )
        if coordinates[0] != coordinates[-1]:
            return _("a polygon ring is not closed (its first and last positions differ)")
    return None


def _position_problem(position: list) -> str | None:
    if not position:
        return _("a position is empty (no coordinates)")
    for value in position:
        if isinstance(value, bool | dict | list):
            return _("a coordinate is {type}, not a number", type=_json_type(value))
        if isinstance(value, str):
            return _("a coordinate is text ({value}): numbers must not be in quotes", value=_show(value))
        if isinstance(value, NonFinite):
            return _(
                "a coordinate is {text}: NaN and Infinity are not coordinates (and not valid JSON)", text=value.text
            )
        if value is None:
            return _("a coordinate is null")
        if abs(value) >= 10**_MAX_DECIMAL_DIGITS:  # a 401-digit integer would overflow shapely's float
            return _("a coordinate is too large to be a longitude or latitude (or a projected coordinate)")
    if len(position) < 2:
        return _("too few coordinates: a position needs longitude and latitude, got {position}", position=position)
    if len(position) > 2:
        return _("a position has {count} values; give only longitude and latitude (no altitude)", count=len(position))
    return None


def in_region(lon: float, lat: float) -> bool:
    lon_min, lat_min, lon_max, lat_max = REGION_BBOX
    return lon_min <= lon <= lon_max and lat_min <= lat <= lat_max


def coordinate_problem(lon: float, lat: float, order_hint: str) -> str | None:
    """Why a (longitude, latitude) pair is not accepted: not finite, swapped, projected, out of range or region."""
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return _("coordinates are not finite numbers (NaN or Infinity)")
    if not in_region(lon, lat) and in_region(lat, lon):
        if order_hint == "CSV":
            return _(
                "latitude {lat:g} and longitude {lon:g} look swapped: check which column is which", lat=lat, lon=lon
            )
        return _(
            "coordinates [{lon:g}, {lat:g}] look swapped: GeoJSON order is [longitude, latitude]", lon=lon, lat=lat
        )
    if abs(lon) > 1000 or abs(lat) > 1000:
        return _(
            "coordinates ({lon:g}, {lat:g}) look projected (metres, not degrees): reproject to WGS "
            "84 longitude/latitude (EPSG:4326)",
            lon=lon,
            lat=lat,
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return _(
            "coordinates ({lon:g}, {lat:g}) are outside the valid range (longitude ±180°, latitude ±90°)",
            lon=lon,
            lat=lat,
        )
    if not in_region(lon, lat):
        lon_min, lat_min, lon_max, lat_max = REGION_BBOX
        return _(
            "coordinates ({lon:g}, {lat:g}) are outside the mapped region (longitude "
            "{lon_min}–{lon_max}°, latitude {lat_min}–{lat_max}°)",
            lon=lon,
            lat=lat,
            lon_min=lon_min,
            lon_max=lon_max,
            lat_min=lat_min,
            lat_max=lat_max,
        )
    return None


def geometry_problem(geometry: BaseGeometry, order_hint: str) -> str | None:
    """What is wrong with a built geometry: emptiness, validity, type, then every coordinate."""
    if geometry.is_empty:
        return _("geometry is empty")
    if not geometry.is_valid:
        what = "polygon" if "Polygon" in geometry.geom_type else geometry.geom_type.lower()
        return _("invalid {what}: {geometry}", what=what, geometry=explain_validity(geometry))
    if geometry.geom_type not in UPLOAD_SPEC.geometry_types:
        return _(
            "{geom_type} is not supported: import points (Point) or lines (LineString)", geom_type=geometry.geom_type
        )
    for lon, lat in shapely.get_coordinates(geometry):
        problem = coordinate_problem(float(lon), float(lat), order_hint)
        if problem:
            return problem
    return None


# --- CSV -------------------------------------------------------------------------------------------


def _read_csv(text: str, delimiter: str | None = None) -> RawTable:
    first_line = text.split("\n", 1)[0]
    if delimiter is None:
        delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if not header:
            raise UploadError(_("The CSV file has no header row."))
        if len(header) > MAX_COLUMNS:
            raise UploadError(
                _(
                    "The CSV file has {count} columns; the limit is {max_columns}.",
                    count=len(header),
                    max_columns=MAX_COLUMNS,
                )
            )
        for position, name in enumerate(header, start=1):
            if name.strip() == "":
                raise UploadError(_("Column {position} of the header has no name.", position=position))
            if _CONTROL.search(name):
                raise UploadError(_("The name of column {position} contains a control character.", position=position))
        repeated = [name for name, n in Counter(header).items() if n > 1]
        if repeated:
            raise UploadError(_("The column {value} appears more than once in the header.", value=_show(repeated[0])))
        rows, where, problems = [], [], []
        for cells in reader:
            if not cells:
                continue  # a blank line is not a row
            if len(rows) >= MAX_FEATURES:
                raise UploadError(
                    _("The file has more than {limit:,} rows; the limit is {limit:,}.", limit=MAX_FEATURES)
                )
            for position, cell in enumerate(cells):
                _refuse_large_value(header[position] if position < len(header) else f"#{position + 1}", cell)
            found: list[tuple[str, str]] = []
            if len(cells) != len(header):
                found.append(
                    (
                        "row",
                        _(
                            "has {count} cells but the header has {count2} columns",
                            count=len(cells),
                            count2=len(header),
                        ),
                    )
                )
            rows.append(dict(zip(header, cells, strict=False)))
            where.append(_("line {line_num}", line_num=reader.line_num))
            problems.append(found)
    except csv.Error as error:
        raise UploadError(
            _("The CSV cannot be read at line {line_num}: {error}.", line_num=reader.line_num, error=error)
        ) from error
    return RawTable("CSV", list(header), rows, where, row_problems=problems)


# --- GeoPackage ------------------------------------------------------------------------------------

_RTREE_VTABLE = re.compile(r"^\s*CREATE\s+VIRTUAL\s+TABLE\s+\S+\s+USING\s+rtree\s*\(", re.I)
_SQL_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|`[^`]*`|\[[^\]]*\]")
_GENERATED_SQL = re.compile(r"\bGENERATED\s+ALWAYS\b|\bAS\s*\(", re.I)
_COLLATION_SQL = re.compile(r"\bCOLLATE\s+(\w+)", re.I)
_BUILTIN_COLLATIONS = {"BINARY", "NOCASE", "RTRIM"}
_GENERATED_HIDDEN = (2, 3)  # PRAGMA table_xinfo: 2 = generated VIRTUAL, 3 = generated STORED


def _open_sqlite_read_only(path: Path) -> sqlite3.Connection:
    """Our own connection to the upload: read-only, immutable, and no function the schema names may run."""
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
        connection.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error as error:
        raise UploadError(_("The GeoPackage cannot be opened as an SQLite database.")) from error
    return connection


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_gpkg_schema(path: Path) -> set[str]:
    """The tables of a GeoPackage, read with sqlite3 (read-only, immutable), refusing everything SQLite
    would evaluate while GDAL reads the file.

    Refused: views (a query run on read; a "feature table" may be one), virtual tables other than the
    spatial index (module code run on read), generated columns, VIRTUAL or STORED (an expression run on
    read: 72 KB with `printf('%.*c', 300000000, 'x')` took 2 GB), and collations other than SQLite's
    built-in ones (code a reader would have to supply). Triggers, CHECK constraints, defaults and index
    expressions are evaluated only when a row is written, and GDAL opens the upload read-only.
    """
    connection = _open_sqlite_read_only(path)
    try:
        entries = connection.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
        tables = set()
        for kind, name, sql in entries:
            sql_text = _SQL_QUOTED.sub("''", sql) if isinstance(sql, str) else ""
            for collation in _COLLATION_SQL.findall(sql_text):
                if collation.upper() not in _BUILTIN_COLLATIONS:
                    raise UploadError(
                        _(
                            "The GeoPackage declares a custom collation (an SQLite sort order that "
                            "needs code to read); only BINARY, NOCASE and RTRIM are accepted."
                        )
                    )
            if kind == "view":
                raise UploadError(_("The GeoPackage contains an SQL view; only plain tables are accepted."))
            if kind != "table":
                continue
            if sql_text.lstrip().upper().startswith("CREATE VIRTUAL"):
                if not _RTREE_VTABLE.match(sql_text):
                    raise UploadError(_("The GeoPackage contains a virtual table other than a spatial index; refused."))
                continue
            hidden = [row[6] for row in connection.execute(f"PRAGMA table_xinfo({_quote_identifier(str(name))})")]
            if any(flag in _GENERATED_HIDDEN for flag in hidden) or _GENERATED_SQL.search(sql_text):
                raise UploadError(
                    _(
                        "The GeoPackage has a generated column (a value SQLite computes each time it "
                        "is read); only stored values are accepted. Export the layer with plain "
                        "columns and upload it again."
                    )
                )
            tables.add(str(name))
    except sqlite3.Error as error:
        raise UploadError(_("The GeoPackage is damaged: its SQLite schema cannot be read.")) from error
    finally:
        connection.close()
    return tables


def _check_gpkg_values(path: Path, table: str) -> None:
    """The number of columns and the bytes of every value of a feature table, mapped or not, measured
    with sqlite3 before GDAL reads a row. Only stored values remain (see _check_gpkg_schema), so this
    reads at most the file itself."""
    connection = _open_sqlite_read_only(path)
    try:
        geometry_rows = connection.execute(
            "SELECT column_name FROM gpkg_geometry_columns WHERE lower(table_name) = lower(?)", (table,)
        ).fetchall()
        geometry_columns = {str(row[0]).lower() for row in geometry_rows}
        info = connection.execute(f"PRAGMA table_xinfo({_quote_identifier(table)})").fetchall()
        attributes = [str(row[1]) for row in info if str(row[1]).lower() not in geometry_columns and not row[5]]
        if len(attributes) > MAX_COLUMNS:
            raise UploadError(
                _(
                    "The layer has {count:,} columns; the limit is {max_columns}.",
                    count=len(attributes),
                    max_columns=MAX_COLUMNS,
                )
            )
        columns = [str(row[1]) for row in info]
        measures = ", ".join(
            f"max(length(CAST({_quote_identifier(c)} AS BLOB))), total(length(CAST({_quote_identifier(c)} AS BLOB)))"
            for c in columns
        )
        query = f"SELECT {measures} FROM {_quote_identifier(table)}"  # noqa: S608  (identifiers quoted)
        sizes = connection.execute(query).fetchone() or ()
    except sqlite3.Error as error:
        raise UploadError(_("The GeoPackage is damaged: its feature table cannot be read.")) from error
    finally:
        connection.close()
    total = 0
    for position, column in enumerate(columns):
        largest, column_total = sizes[2 * position] or 0, sizes[2 * position + 1] or 0
        total += int(column_total)
        if column.lower() not in geometry_columns and largest > MAX_VALUE_BYTES:
            raise UploadError(
                _(
                    "The column {column} holds a value of {largest:,} bytes; the limit is "
                    "{max_value_bytes:,} bytes a value ({max_text_chars:,} characters of text).",
                    column=_show(column),
                    largest=int(largest),
                    max_value_bytes=MAX_VALUE_BYTES,
                    max_text_chars=MAX_TEXT_CHARS,
                )
            )
    if total > MAX_FILE_VALUE_BYTES:
        raise UploadError(
            _(
                "The layer's values add up to {number:.1f} MB; the limit is {max_upload_mb} MB.",
                number=total / 1024 / 1024,
                max_upload_mb=MAX_UPLOAD_MB,
            )
        )


def _read_gpkg(data: bytes, layer: str | None) -> RawTable:
    import pyogrio  # only here: nothing else in the upload path touches GDAL

    if data[68:72] not in GPKG_APPLICATION_IDS:
        raise UploadError(_("The file is an SQLite database but not a GeoPackage (its application id is not GPKG)."))
    with tempfile.TemporaryDirectory(prefix="crossings-upload-") as directory:  # private (0700), removed after
        path = Path(directory) / "upload.gpkg"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        tables = _check_gpkg_schema(path)
        source = f"GPKG:{path}"  # the GeoPackage driver, explicitly: GDAL does not guess
        try:
            listed = pyogrio.list_layers(source)
        except Exception as error:  # pyogrio raises several error types; none of their text is shown
            raise UploadError(_("The GeoPackage cannot be read by the GeoPackage reader.")) from error
        names = tuple(str(row[0]) for row in listed if str(row[1]) not in ("None", ""))
        names = tuple(n for n in names if n in tables)
        if not names:
            raise UploadError(_("The GeoPackage has no table of features (points or lines)."))
        chosen = layer if layer in names else names[0]
        _check_gpkg_values(path, chosen)
        try:
            info = pyogrio.read_info(source, layer=chosen)
            if info.get("features", 0) > MAX_FEATURES:
                raise UploadError(
                    _(
                        "The layer has {value:,} features; the limit is {max_features:,}.",
                        value=info["features"],
                        max_features=MAX_FEATURES,
                    )
                )
            meta, table = pyogrio.read_arrow(
                source, layer=chosen, max_features=MAX_FEATURES + 1, datetime_as_string=True, return_fids=True
            )
            records = table.to_pylist()
        except UploadError:
            raise
        except UnicodeDecodeError as error:
            raise UploadError(_("The GeoPackage holds text that is not UTF-8.")) from error
        except Exception as error:
            raise UploadError(_("The GeoPackage layer cannot be read by the GeoPackage reader.")) from error
    if len(records) > MAX_FEATURES:
        raise UploadError(_("The layer has more than {limit:,} features; the limit is {limit:,}.", limit=MAX_FEATURES))
    crs = meta.get("crs")
    if crs is None or str(crs).upper() not in {"EPSG:4326", "OGC:CRS84"}:
        described = _("is in {crs}", crs=_show(str(crs))) if crs else _("has no coordinate reference system")
        raise UploadError(
            _(
                "The layer {described}; only WGS 84 longitude/latitude (EPSG:4326) is accepted. "
                "Reproject it (for example: ogr2ogr -t_srs EPSG:4326 out.gpkg in.gpkg) and upload it "
                "again.",
                described=described,
            )
        )
    geometry_column = meta.get("geometry_name") or "wkb_geometry"
    fields = [str(f) for f in meta.get("fields", [])]
    wkbs = [record.pop(geometry_column, None) for record in records]
    fid_key = "__fid" if records and "__fid" in records[0] else (meta.get("fid_column") or "fid")
    fids = [record.pop(fid_key, None) for record in records]
    geometries: list[object] = []
    problems: list[str | None] = []
    total = 0
    for wkb in wkbs:
        if wkb is None:
            geometries.append(None)
            problems.append(_("geometry is null: every row needs a point or a line"))
            continue
        try:
            geometry = shapely.from_wkb(wkb)
        except shapely.errors.ShapelyError:
            geometries.append(None)
            problems.append(_("the geometry cannot be decoded"))
            continue
        n = int(shapely.get_num_coordinates(geometry))
        total += n
        if total > MAX_VERTICES:
            raise UploadError(
                _(
                    "The layer has more than {max_vertices:,} vertices in all; simplify it first.",
                    max_vertices=MAX_VERTICES,
                )
            )
        if n > MAX_VERTICES_PER_FEATURE:
            geometries.append(None)
            problems.append(
                _(
                    "the geometry has more than {max_vertices_per_feature:,} vertices; simplify it first",
                    max_vertices_per_feature=MAX_VERTICES_PER_FEATURE,
                )
            )
            continue
        geometries.append(geometry)
        problems.append(geometry_problem(geometry, "GeoPackage"))
    notes = (
        (_("Read the layer {chosen!r} ({count} layers in the file).", chosen=chosen, count=len(names)),)
        if len(names) > 1
        else ()
    )
    return RawTable(
        "GeoPackage",
        fields,
        records,
        [_("FID {fid}", fid=fid) for fid in fids],
        geometries,
        problems,
        vertices=total,
        layers=names,
        layer=chosen,
        notes=notes,
    )


def _show(value: object, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return _("an object")
    if isinstance(value, list):
        return _("an array")
    return type(value).__name__
