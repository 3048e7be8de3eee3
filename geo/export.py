"""Exports of exactly the filtered view, in four formats, each with its citation manifest.

One normalisation (`export_table`) turns the filtered layers into plain rows; four writers turn
those rows into GeoJSON, GeoPackage, KML and CSV bytes. Every format keeps the fields that say how
far a feature can be trusted (`confidence`, `evidence`, `location_precision`, `uncertainty_m`,
`schematic`) and an explicit `caveat`, so an inferred route or a city-level location stays marked
as such once it has left the app. Unknown counts stay empty, never 0.

Nothing here reads or writes `data/`: exports are built in memory, and `write_export` refuses a
target inside the data directory.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import pandas as pd
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from geo.atomic import is_inside, write_bytes_atomic
from geo.csvfile import FORMULA_PREFIXES, csv_text, neutralise_formula  # noqa: F401  (re-exported)
from geo.filters import FilterSpec, count_features, crossing_names, describe_view, endpoint_only, view_query
from geo.i18n import LANGUAGES, N_, _
from geo.io import DATA_DIR, EXPECTED_COLUMNS, SOURCES_FILE, Dataset
from geo.schema import CRS, DEFAULT_UNCERTAINTY_M, LAYERS, as_id_list, as_text, is_blank, is_missing
from geo.text import count_confidence_phrase, publisher_names


@dataclass(frozen=True)
class ExportFormat:
    key: str
    label: str
    extension: str
    mime: str


FORMATS: dict[str, ExportFormat] = {
    f.key: f
    for f in (
        ExportFormat("geojson", "GeoJSON", "geojson", "application/geo+json"),
        ExportFormat("gpkg", "GeoPackage", "gpkg", "application/geopackage+sqlite3"),
        ExportFormat("kml", "KML", "kml", "application/vnd.google-earth.kml+xml"),
        ExportFormat("csv", "CSV", "csv", "text/csv"),
    )
}

TITLE = N_("Crossings: a map of the forced repatriation of North Koreans from China")
LIST_COLUMNS = ("source_ids", "count_source_ids", "coord_source_ids", "crossing_ids")
SOURCE_ID_COLUMNS = ("source_ids", "count_source_ids", "coord_source_ids")
INTEGER_COLUMNS = ("count_low", "count_high")
BOOLEAN_COLUMNS = ("schematic", "used_2023_10_09")
# Always present, in this order, in every layer of every format.
LEAD_COLUMNS = (
    "id",
    "layer",
    "kind",
    "name_en",
    "name_ko",
    "name_zh",
    "date_start",
    "date_end",
    "date_precision",
    "confidence",
    "evidence",
    "schematic",
    "location_precision",
    "uncertainty_m",
    "caveat",
    "count_low",
    "count_high",
    "count_of",
    "source_ids",
    "count_source_ids",
    "coord_source_ids",
)
REVISION_COLUMN = "revision"  # the store revision of each row, in exports of a store's dataset
DERIVED_COLUMNS = ("span_start", "span_end")  # added by the loader for filtering, not data
CSV_GEOMETRY_COLUMNS = ("lon", "lat", "wkt")
CAVEAT_NOTE = N_(
    "The 'caveat' field says in words how far each row can be trusted: an inferred route is a deduction that "
    "no source states, every route is a schematic straight line (not the road taken), and a town- or city-level "
    "location marks the town or city, not the facility. A regular route (NKDB) is a usual route over the years, "
    "not dated and not a movement of 9 October 2023. Empty counts are unknown, never zero; a range gives "
    "conflicting estimates, never an average."
)
_PLACE_THING = {
    "detention_centres": N_("the facility"),
    "receiving_facilities": N_("the facility"),
    "crossings": N_("the crossing point"),
    "events": N_("the exact place"),
}
# A town-, city- or region-level location in a caveat: one whole sentence each, so the words can be ordered.
_LEVEL_CAVEAT = {
    "town": N_("town-level location{where}, not {thing} (uncertain by about {km} km)"),
    "city": N_("city-level location{where}, not {thing} (uncertain by about {km} km)"),
    "region": N_("region-level location{where}, not {thing} (uncertain by about {km} km)"),
}


class ExportError(ValueError):
    """An export cannot be made or written as asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# One normalisation for every format


@dataclass(frozen=True)
class ExportTable:
    """The exported rows as plain Python values (str, int, float, bool, list of str or None)."""

    columns: tuple[str, ...]  # the union over layers, LEAD_COLUMNS first
    layer_columns: dict[str, tuple[str, ...]]  # the columns that apply to each layer
    rows: tuple[dict[str, object], ...]
    geometries: tuple[BaseGeometry | None, ...]

    def layer_rows(self, layer: str) -> list[tuple[dict[str, object], BaseGeometry | None]]:
        return [(r, g) for r, g in zip(self.rows, self.geometries, strict=True) if r["layer"] == layer]

    def counts(self) -> dict[str, int]:
        return {layer: sum(1 for r in self.rows if r["layer"] == layer) for layer in self.layer_columns}

    def cited_source_ids(self) -> set[str]:
        return {sid for row in self.rows for column in SOURCE_ID_COLUMNS for sid in (row.get(column) or [])}


def layer_columns(layer: str, full: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The exported columns of a layer: the lead columns, then the layer's own fields in file order.

    Columns the loader adds to every layer (EXPECTED_COLUMNS) are dropped where the whole layer
    leaves them empty, so a detention centre does not carry an empty `from_id`.
    """
    own = []
    for column in full.columns:
        if column == full.geometry.name or column in DERIVED_COLUMNS or column in LEAD_COLUMNS:
            continue
        if column in EXPECTED_COLUMNS and full[column].map(is_blank).all():
            continue
        own.append(column)
    return (*LEAD_COLUMNS, *own)


def _plain(column: str, value: object) -> object:
    """A value as a plain Python object, with its type kept: integers stay integers."""
    if column in LIST_COLUMNS:
        return as_id_list(value)
    if is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if column in BOOLEAN_COLUMNS:
        return value if isinstance(value, bool) else None
    if isinstance(value, float) and value.is_integer() and column in (*INTEGER_COLUMNS, "uncertainty_m"):
        return int(value)
    return value


def _km(metres: object) -> str:
    return f"{float(metres) / 1000:g}"


def caveat(
    layer: str, row: Mapping[str, object], geometry: BaseGeometry | None, names: Mapping[str, str] | None = None
) -> str:
    """In words, what a reader of the exported row must not over-read, the count's own confidence included
    ("number about 300: single source (The Economist)")."""
    parts: list[str] = []
    confidence = row.get("confidence")
    if layer == "regular_routes":
        parts.append(_("regular route per NKDB, not a 9 Oct 2023 movement; not dated"))
        parts.append(_("schematic line: straight lines between town and city centres, not the road taken"))
    elif layer == "routes":
        if row.get("evidence") == "inferred":
            parts.append(_("inferred route: a deduction, not stated by any source"))
        else:
            parts.append(_("reported route"))
        if row.get("schematic") is True:
            parts.append(_("schematic line: a straight line between the two places, not the road taken"))
    else:
        precision = str(row.get("location_precision") or "")
        if geometry is None:
            parts.append(_("no location: not drawn on the map"))
        elif precision in ("town", "city", "region"):
            radius = row.get("uncertainty_m")
            radius = radius if not is_missing(radius) else DEFAULT_UNCERTAINTY_M[precision]
            thing = _(_PLACE_THING.get(layer, N_("the exact place")))
            place = str(row.get("place_en") or "").strip()
            where = f" ({place})" if place and layer != "crossings" else ""  # names an assumed place as such
            parts.append(_(_LEVEL_CAVEAT[precision], where=where, thing=thing, km=_km(radius)))
        if confidence == "inferred":
            parts.append(_("inferred: a deduction, not stated by any source"))
    if confidence == "unknown":
        parts.append(_("confidence unknown"))
    if layer == "crossings" and row.get("used_2023_10_09") is False:
        parts.append(_("not linked to 9 Oct 2023 by any source"))
    number = count_confidence_phrase(row, dict(names or {}))
    if number:
        parts.append(_("number {number}", number=number))
    return "; ".join(parts)


def export_table(dataset: Dataset, layers: Mapping[str, gpd.GeoDataFrame]) -> ExportTable:
    """The filtered layers as plain rows. The columns come from the full dataset, not from the
    filtered rows, so an export has the same columns whatever the filter."""
    per_layer = {name: layer_columns(name, dataset.layers[name]) for name in LAYERS}
    names = publisher_names(dataset.sources)
    union: list[str] = []
    for columns in per_layer.values():
        union.extend(c for c in columns if c not in union)
    if dataset.row_revisions:  # read from the store: each row says which revision it is, last column
        per_layer = {name: (*columns, REVISION_COLUMN) for name, columns in per_layer.items()}
        union.append(REVISION_COLUMN)
    rows: list[dict[str, object]] = []
    geometries: list[BaseGeometry | None] = []
    for name in LAYERS:
        gdf = layers.get(name)
        if gdf is None or not len(gdf):
            continue
        applicable = set(per_layer[name])
        present = [c for c in gdf.columns if c in applicable]
        for values, geom in zip(gdf[present].itertuples(index=False, name=None), gdf.geometry, strict=True):
            source = dict(zip(present, values, strict=True))
            geometry = None if geom is None or geom.is_empty else geom
            row: dict[str, object] = {}
            for column in union:
                if column == "layer":
                    row[column] = name
                elif column == REVISION_COLUMN:
                    row[column] = dataset.row_revisions[str(source["id"])][0]
                elif column not in applicable:
                    row[column] = None
                else:
                    row[column] = _plain(column, source.get(column))
            row["caveat"] = caveat(name, row, geometry, names)
            rows.append(row)
            geometries.append(geometry)
    return ExportTable(tuple(union), per_layer, tuple(rows), tuple(geometries))


# ---------------------------------------------------------------------------------------------
# The citation manifest


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _spec_json(spec: FilterSpec) -> dict[str, object]:
    values = asdict(spec)
    for key in ("date_from", "date_to"):
        value = values[key]
        values[key] = value.isoformat() if isinstance(value, date) else None
    values["crossings"] = list(spec.crossings)
    values["kinds"] = list(spec.kinds)
    return values


def cited_sources(dataset: Dataset, table: ExportTable) -> list[dict[str, object]]:
    """Exactly the sources cited by the exported rows, in the order of the sources table."""
    cited_by: dict[str, list[str]] = {}
    for row in table.rows:
        for sid in dict.fromkeys(sid for column in SOURCE_ID_COLUMNS for sid in (row.get(column) or [])):
            cited_by.setdefault(sid, []).append(str(row["id"]))
    entries = []
    for record in dataset.sources.to_dict("records"):
        sid = record["id"]
        if sid not in cited_by:
            continue
        entries.append(
            {
                "id": sid,
                "outlet": as_text(record.get("outlet")),
                "title": as_text(record.get("title")),
                "url": as_text(record.get("url")),
                "alt_urls": as_text(record.get("alt_urls")),
                "published": as_text(record.get("published")),
                "date_note": as_text(record.get("date_note")),
                "is_mirror": as_text(record.get("is_mirror")) == "true",
                "mirror_urls": as_text(record.get("mirror_urls")),
                "primary": as_text(record.get("primary")) == "true",
                "cited_by": cited_by[sid],
            }
        )
    missing = set(cited_by) - {e["id"] for e in entries}
    if missing:  # validation guarantees this cannot happen; never export an unresolvable citation silently
        raise ExportError(f"exported rows cite sources that are not in the sources table: {sorted(missing)}")
    return entries


def licences(dataset: Dataset, table: ExportTable) -> list[dict[str, str]]:
    """Licence, source and hash of every data file the exported rows come from."""
    counts = table.counts()
    files = [f"{name}.geojson" for name in LAYERS if counts.get(name)]
    if table.rows:
        files.append(SOURCES_FILE)
    entries = []
    for relative in files:
        entry = dataset.manifest.files.get(relative, {})
        entries.append(
            {
                "file": f"data/{relative}",
                "licence": str(entry.get("licence", "unknown")),
                "source": str(entry.get("source", "unknown")),
                "sha256": str(entry.get("sha256", "")),
            }
        )
    return entries


def citation_manifest(
    dataset: Dataset,
    table: ExportTable,
    spec: FilterSpec,
    sentence: str,
    exported_at: datetime,
    fmt: str | None,
    file_name: str | None,
    app_url: str = "",
    endpoints: Sequence[str] = (),
) -> dict[str, object]:
    """What to cite for these rows. Without a format it is the citation of the filter itself,
    valid for its export in any format. `view_url` opens the same view in the app at `app_url`
    (without it, the address is relative to wherever the app runs)."""
    revision = {} if dataset.revision is None else {"dataset_revision": dataset.revision}
    version = (
        dataset.version
        if dataset.revision is None
        else _("{version} (revision {revision})", version=dataset.version, revision=dataset.revision)
    )
    return {
        "title": _(TITLE),
        "cite_as": (
            _(
                "{title}, dataset version {version}. Exported {value} with the filter: {sentence}. "
                "Cite the original sources listed here as well.",
                title=_(TITLE),
                version=version,
                value=iso_utc(exported_at),
                sentence=sentence,
            )
        ),
        "dataset_version": dataset.version,
        **revision,
        "exported_at": iso_utc(exported_at),
        "format": fmt,
        "file": file_name,
        "filter": sentence,
        "filter_spec": _spec_json(spec),
        "view_url": f"{app_url.rstrip('/')}/?{view_query(spec)}",
        "endpoint_only": list(endpoints),
        "rows": len(table.rows),
        "rows_per_layer": table.counts(),
        "caveats": _(CAVEAT_NOTE),
        "licences": licences(dataset, table),
        "sources": cited_sources(dataset, table),
    }


def _revision_lines(manifest: Mapping[str, object]) -> list[str]:
    """For a store's dataset: its revision (the version is then "<release>-r<revision>" once edited)."""
    if "dataset_revision" not in manifest:
        return []
    number = manifest["dataset_revision"]
    return [
        _(
            "Revision:        {number} (`python -m geo export --revision {number}` reproduces this export)",
            number=number,
        )
    ]


def citation_text(manifest: Mapping[str, object]) -> str:
    """The manifest as a readable text file (plain text: nothing in it is interpreted as markup)."""
    lines = [
        str(manifest["title"]),
        "=" * len(str(manifest["title"])),
        "",
        _("Cite as: {value}", value=manifest["cite_as"]),
        "",
        _(
            "Dataset version: {value} (first 12 hex digits of the SHA-256 of data/manifest.json)",
            value=manifest["dataset_version"],
        ),
        *_revision_lines(manifest),
        _("Exported at:     {value} (UTC)", value=manifest["exported_at"]),
        (
            _(
                "File:            {value} ({label})",
                value=manifest["file"],
                label=FORMATS[str(manifest["format"])].label,
            )
            if manifest.get("format")
            else _("File:            any export of this filter (GeoJSON, GeoPackage, KML or CSV)")
        ),
        _("Filter:          {value}", value=manifest["filter"]),
        _("View in the app: {value}", value=manifest["view_url"]),
    ]
    ends = manifest.get("endpoint_only")
    if isinstance(ends, list) and ends:
        lines.append(
            _(
                "Leg end points:  {join} (here only as the end of a leg in the filter; their own dates are outside it)",
                join=", ".join(str(fid) for fid in ends),
            )
        )
    per_layer = manifest["rows_per_layer"]
    assert isinstance(per_layer, Mapping)
    breakdown = ", ".join(f"{_(LAYERS[k].title)}: {v}" for k, v in per_layer.items() if v)
    lines.append(_("Rows:            {value}", value=manifest["rows"]) + (f" ({breakdown})" if breakdown else ""))
    lines += ["", _("How to read it"), "--------------", str(manifest["caveats"]), "", _("Licences"), "--------"]
    grouped: dict[tuple[str, str], list[str]] = {}
    for entry in manifest["licences"]:
        grouped.setdefault((entry["licence"], entry["source"]), []).append(entry["file"])
    for (licence, source), files in grouped.items():
        lines.append(
            _("- {files}: {licence}. Source: {source}.", files=", ".join(files), licence=licence, source=source)
        )
    sources = manifest["sources"]
    assert isinstance(sources, list)
    lines += ["", _("Sources cited by the exported rows ({count})", count=len(sources)), "-" * 40]
    for entry in sources:
        title = f" “{entry['title']}”" if entry["title"] else ""
        when = entry["published"] or entry["date_note"] or _("date unknown")
        mirror = _(" [mirror or repost]") if entry["is_mirror"] else ""
        primary = _(" [primary document]") if entry.get("primary") else ""
        lines.append(f"[{entry['id']}] {entry['outlet']}{title}, {when}{mirror}{primary}")
        if entry["url"]:
            lines.append(f"    {entry['url']}")
        if entry.get("mirror_urls"):
            lines.append(_("    repost kept as mirror: {value}", value=entry["mirror_urls"]))
        lines.append(_("    cited by: {join}", join=", ".join(entry["cited_by"])))
    return _strip_control("\n".join(lines) + "\n", keep="\n")


# ---------------------------------------------------------------------------------------------
# The four writers


def _coordinates(geometry: BaseGeometry) -> list[tuple[float, float]]:
    if geometry.geom_type not in ("Point", "LineString"):
        raise ExportError(f"cannot export geometry type {geometry.geom_type}")
    return [(float(x), float(y)) for x, y, *_ in geometry.coords]


def geojson_bytes(table: ExportTable, citation: Mapping[str, object]) -> bytes:
    """One FeatureCollection; `layer` says which layer a feature comes from; lists stay lists."""
    features = []
    for row, geometry in zip(table.rows, table.geometries, strict=True):
        features.append(
            {
                "type": "Feature",
                "id": row["id"],
                "geometry": mapping(geometry) if geometry is not None else None,
                "properties": {column: row.get(column) for column in table.columns},
            }
        )
    document = {
        "type": "FeatureCollection",
        "name": "crossings_export",
        # A foreign member (RFC 7946 §6.1): the citation travels with the file.
        "crossings_citation": {
            key: citation[key]
            for key in ("cite_as", "dataset_version", "dataset_revision", "exported_at", "filter", "caveats")
            if key in citation
        },
        "features": features,
    }
    return json.dumps(document, ensure_ascii=False, indent=1, allow_nan=False).encode("utf-8")


def wkt(geometry: BaseGeometry | None) -> str:
    """WKT with every digit of every coordinate (shapely rounds to 6 decimals by default)."""
    if geometry is None:
        return ""
    coords = ", ".join(f"{x!r} {y!r}" for x, y in _coordinates(geometry))
    return f"{geometry.geom_type.upper()} ({coords})"


def csv_bytes(table: ExportTable) -> bytes:
    """UTF-8 with a byte-order mark (so spreadsheets read Korean and Chinese), one row per feature,
    points as lon/lat, every geometry as WKT, lists joined with ';'."""
    rows = []
    for row, geometry in zip(table.rows, table.geometries, strict=True):
        lon: float | str = ""
        lat: float | str = ""
        if geometry is not None and geometry.geom_type == "Point":
            lon, lat = float(geometry.x), float(geometry.y)  # numbers: written with every digit, never neutralised
        rows.append([*(row.get(c) for c in table.columns), lon, lat, wkt(geometry)])
    return csv_text([*table.columns, *CSV_GEOMETRY_COLUMNS], rows).encode("utf-8-sig")


def _flat(value: object) -> object:
    return ";".join(value) if isinstance(value, list) else value


def _frame_column(column: str, values: list[object]) -> pd.Series:
    """A typed column: nullable integers stay integers, flags stay booleans, lists become ';' text."""
    present = [v for v in values if v is not None]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in present)
    if column in BOOLEAN_COLUMNS:
        return pd.Series(values, dtype="boolean")
    if column in INTEGER_COLUMNS or (column == "uncertainty_m" and not present):
        return pd.Series(values, dtype="Int64")
    if present and numbers:
        return pd.Series(values, dtype="Int64" if all(isinstance(v, int) for v in present) else "Float64")
    return pd.Series([_flat(v) for v in values], dtype=object)


def gpkg_bytes(table: ExportTable, citation: Mapping[str, object]) -> bytes:
    """One table per layer (every layer, empty ones included), plus `export_sources` and
    `export_citation` attribute tables so the file carries its citations."""
    import pyogrio

    # GDAL stamps each table with the time of writing; the export's own time makes the file reproducible.
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": str(citation["exported_at"])})
    try:
        return _write_gpkg(table, citation)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": None})


def _write_gpkg(table: ExportTable, citation: Mapping[str, object]) -> bytes:
    import pyogrio

    with tempfile.TemporaryDirectory(prefix="crossings-export-") as tmp:
        path = Path(tmp) / "export.gpkg"
        for name, spec in LAYERS.items():
            columns = [c for c in table.layer_columns[name] if c != "layer"]
            pairs = table.layer_rows(name)
            frame = pd.DataFrame({c: _frame_column(c, [r.get(c) for r, _ in pairs]) for c in columns})
            gdf = gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries([g for _, g in pairs], crs=CRS), crs=CRS)
            pyogrio.write_dataframe(
                gdf, path, layer=name, driver="GPKG", geometry_type=spec.geometry_types[0], promote_to_multi=False
            )
        sources = pd.DataFrame(
            [{**entry, "cited_by": ";".join(entry["cited_by"])} for entry in citation["sources"]],
            columns=["id", "outlet", "title", "url", "alt_urls", "published", "date_note", "is_mirror", "cited_by"],
        )
        sources["is_mirror"] = sources["is_mirror"].astype("boolean")
        pyogrio.write_dataframe(sources, path, layer="export_sources", driver="GPKG")
        info = {k: v for k, v in citation.items() if k not in ("sources", "licences", "rows_per_layer", "filter_spec")}
        info["licences"] = "; ".join(f"{e['file']}: {e['licence']}" for e in citation["licences"])
        info["filter_spec"] = json.dumps(citation["filter_spec"], ensure_ascii=False)
        meta = pd.DataFrame({"key": list(info), "value": [str(v) for v in info.values()]})
        pyogrio.write_dataframe(meta, path, layer="export_citation", driver="GPKG")
        return path.read_bytes()


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _strip_control(text: str, keep: str = "\t\n\r") -> str:
    return "".join(c for c in text if c in keep or not _XML_INVALID.match(c))


def _kml_text(value: object) -> str:
    """Characters XML 1.0 cannot hold are dropped; ElementTree escapes the rest."""
    return _XML_INVALID.sub("", str(value))


KML_NS = "http://www.opengis.net/kml/2.2"
KML_SCHEMA_ID = "crossings_export"
_KML_TYPES = {"count_low": "int", "count_high": "int", "schematic": "bool", "used_2023_10_09": "bool"}


def _kml_type(column: str, table: ExportTable) -> str:
    if column in _KML_TYPES:
        return _KML_TYPES[column]
    values = [r.get(column) for r in table.rows if r.get(column) is not None]
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "int"
    if values and all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return "double"
    return "string"


def _kml_value(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return ";".join(value)
    return str(value)


def kml_bytes(table: ExportTable, citation: Mapping[str, object]) -> bytes:
    """A Document with a typed Schema, one Folder per layer and one Placemark per feature.

    Every value is text in an element, escaped by ElementTree; an empty field (an unknown count)
    has no SimpleData at all. Inferred legs get their own faint style; the caveat is in the
    description as well as in the data.
    """
    ET.register_namespace("", KML_NS)
    q = f"{{{KML_NS}}}"
    kml = ET.Element(f"{q}kml")
    document = ET.SubElement(kml, f"{q}Document")
    ET.SubElement(document, f"{q}name").text = _("Crossings export")
    ET.SubElement(document, f"{q}description").text = _kml_text(
        _(
            "{cite}\n\n{caveats}\n\nSources: see the citation manifest ({file}.citation.txt).",
            cite=citation["cite_as"],
            caveats=citation["caveats"],
            file=citation["file"],
        )
    )
    for style_id, colour, width in (
        ("leg-reported", "ff2b3a8c", "3"),
        ("leg-inferred", "80808080", "2"),
        ("regular-route", "a08a8a8a", "1"),
    ):
        style = ET.SubElement(document, f"{q}Style", id=style_id)
        line = ET.SubElement(style, f"{q}LineStyle")
        ET.SubElement(line, f"{q}color").text = colour
        ET.SubElement(line, f"{q}width").text = width
    schema = ET.SubElement(document, f"{q}Schema", name=KML_SCHEMA_ID, id=KML_SCHEMA_ID)
    for column in table.columns:
        ET.SubElement(schema, f"{q}SimpleField", name=column, type=_kml_type(column, table))
    for name in LAYERS:
        pairs = table.layer_rows(name)
        if not pairs:
            continue
        folder = ET.SubElement(document, f"{q}Folder")
        ET.SubElement(folder, f"{q}name").text = LAYERS[name].title
        for row, geometry in pairs:
            placemark = ET.SubElement(folder, f"{q}Placemark")
            ET.SubElement(placemark, f"{q}name").text = _kml_text(row.get("name_en") or row["id"])
            description = [str(row.get("caveat") or ""), str(row.get("reported") or "")]
            ET.SubElement(placemark, f"{q}description").text = _kml_text("\n\n".join(d for d in description if d))
            if name == "routes":
                style = "leg-inferred" if row.get("evidence") == "inferred" else "leg-reported"
                ET.SubElement(placemark, f"{q}styleUrl").text = f"#{style}"
            elif name == "regular_routes":
                ET.SubElement(placemark, f"{q}styleUrl").text = "#regular-route"
            extended = ET.SubElement(placemark, f"{q}ExtendedData")
            data = ET.SubElement(extended, f"{q}SchemaData", schemaUrl=f"#{KML_SCHEMA_ID}")
            for column in table.columns:
                value = row.get(column)
                if value is None:
                    continue
                ET.SubElement(data, f"{q}SimpleData", name=column).text = _kml_text(_kml_value(value))
            if geometry is not None:
                coords = " ".join(f"{x!r},{y!r}" for x, y in _coordinates(geometry))
                shape = ET.SubElement(placemark, f"{q}{geometry.geom_type}")
                if geometry.geom_type == "LineString":
                    ET.SubElement(shape, f"{q}tessellate").text = "1"
                ET.SubElement(shape, f"{q}coordinates").text = coords
    ET.indent(kml, space=" ")
    return ET.tostring(kml, encoding="utf-8", xml_declaration=True)


# ---------------------------------------------------------------------------------------------
# Putting it together


@dataclass(frozen=True)
class Export:
    format: str
    file_name: str
    data: bytes
    citation: dict[str, object]

    @property
    def citation_json(self) -> bytes:
        return citation_json(self.citation)

    @property
    def citation_txt(self) -> bytes:
        return citation_text(self.citation).encode("utf-8")

    @property
    def mime(self) -> str:
        return FORMATS[self.format].mime

    def zip_bytes(self) -> bytes:
        """The data file and its two citation files in one zip, for a single download."""
        stamp = datetime.fromisoformat(str(self.citation["exported_at"]).replace("Z", "+00:00"))
        when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, payload in (
                (self.file_name, self.data),
                (f"{self.file_name}.citation.json", self.citation_json),
                (f"{self.file_name}.citation.txt", self.citation_txt),
            ):
                archive.writestr(zipfile.ZipInfo(name, date_time=when), payload, zipfile.ZIP_DEFLATED)
        return buffer.getvalue()


def base_name(dataset: Dataset) -> str:
    return f"crossings-{dataset.version}"


def build_export(
    dataset: Dataset,
    layers: Mapping[str, gpd.GeoDataFrame],
    spec: FilterSpec,
    fmt: str,
    exported_at: datetime | None = None,
    file_name: str | None = None,
    app_url: str = "",
) -> Export:
    """The filtered layers in one format, with the citation manifest of exactly those rows."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (expected one of {', '.join(FORMATS)})")
    moment = exported_at or utc_now()
    name = file_name or f"{base_name(dataset)}.{FORMATS[fmt].extension}"
    table = export_table(dataset, layers)
    sentence = describe_view(spec, count_features(layers), dataset.layers)  # as the app shows it
    ends = [fid for fid, _ in endpoint_only(layers, spec)]
    citation = citation_manifest(dataset, table, spec, sentence, moment, fmt, name, app_url, ends)
    if fmt == "geojson":
        data = geojson_bytes(table, citation)
    elif fmt == "gpkg":
        data = gpkg_bytes(table, citation)
    elif fmt == "kml":
        data = kml_bytes(table, citation)
    else:
        data = csv_bytes(table)
    return Export(fmt, name, data, citation)


def build_citation(
    dataset: Dataset,
    layers: Mapping[str, gpd.GeoDataFrame],
    spec: FilterSpec,
    exported_at: datetime | None = None,
    app_url: str = "",
) -> dict[str, object]:
    """The citation manifest of a filter on its own, without a data file."""
    table = export_table(dataset, layers)
    sentence = describe_view(spec, count_features(layers), dataset.layers)  # as the app shows it
    ends = [fid for fid, _ in endpoint_only(layers, spec)]
    return citation_manifest(dataset, table, spec, sentence, exported_at or utc_now(), None, None, app_url, ends)


def citation_json(citation: Mapping[str, object]) -> bytes:
    return (json.dumps(citation, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _inside(path: Path, directory: Path) -> bool:
    return is_inside(path, directory)


def citation_paths(out: Path) -> tuple[Path, Path]:
    return out.with_name(out.name + ".citation.json"), out.with_name(out.name + ".citation.txt")


def write_export(export: Export, out: Path, data_dir: Path = DATA_DIR) -> list[Path]:
    """Write the data file and its manifest next to it (PATH.citation.json, PATH.citation.txt),
    each atomically. Refuses to write into the data directory."""
    out = Path(out)
    if _inside(out, data_dir):
        raise ExportError(f"refusing to write an export into the data directory ({data_dir}): choose another --out")
    if not out.parent.is_dir():
        raise ExportError(f"the directory {out.parent} does not exist")
    json_path, text_path = citation_paths(out)
    return [
        write_bytes_atomic(out, export.data),
        write_bytes_atomic(json_path, export.citation_json),
        write_bytes_atomic(text_path, export.citation_txt),
    ]


# ---------------------------------------------------------------------------------------------
# Command line: `python -m geo export` (wired in geo/__main__.py)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from error


def add_export_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="export the filtered features with their citation manifest",
        description="Write the features of a filter in one format, with PATH.citation.json and "
        "PATH.citation.txt next to it: the same files the Data page offers.",
    )
    parser.add_argument("--format", required=True, choices=list(FORMATS), help="file format")
    parser.add_argument("--from", dest="date_from", type=_iso_date, metavar="DATE", help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="date_to", type=_iso_date, metavar="DATE", help="last day (YYYY-MM-DD)")
    parser.add_argument(
        "--crossing", action="extend", nargs="+", default=[], metavar="ID", help="crossing id(s), e.g. x-tumen-namyang"
    )
    parser.add_argument("--kind", action="extend", nargs="+", default=[], metavar="KIND", help="feature kind(s)")
    parser.add_argument(
        "--min-confidence", default="unknown", choices=["unknown", "inferred", "single-source", "confirmed"]
    )
    parser.add_argument("--out", required=True, type=Path, metavar="PATH", help="the data file to write")
    parser.add_argument(
        "--lang",
        default="en",
        choices=list(LANGUAGES),
        help="language of the caveats and the citation text (column names, ids and codes stay the same)",
    )
    parser.add_argument("--revision", type=int, metavar="N", help="the dataset as it was at store revision N")
    parser.add_argument("--url", help="the store: a file path or a postgresql:// URL (default: CROSSINGS_DATABASE_URL)")
    parser.add_argument("--data", type=Path, default=None, help=argparse.SUPPRESS)  # files instead of the store
    parser.add_argument(
        "--editor",
        metavar="NAME",
        help="export every record, restricted ones included, as this store account (password from a prompt or "
        "stdin); without it the export is the public view (geo/visibility.py)",
    )


def resolve_crossings(dataset: Dataset, wanted: list[str]) -> tuple[str, ...]:
    """Crossing ids from ids or English names (case-insensitive); an unknown one is an error."""
    by_name = {name.casefold(): fid for fid, name in crossing_names(dataset.layers["crossings"]).items()}
    ids = set(dataset.layers["crossings"]["id"])
    resolved = []
    for item in wanted:
        fid = item if item in ids else by_name.get(item.casefold())
        if fid is None:
            raise ExportError(f"unknown crossing {item!r}; known crossings: {', '.join(sorted(ids))}")
        resolved.append(fid)
    return tuple(dict.fromkeys(resolved))


def _export_dataset(args: argparse.Namespace) -> tuple[Dataset, datetime | None]:
    """The files given with --data as they are, else the store's dataset (at --revision). A store
    export is stamped with its revision's time, not the wall clock, so --revision N gives the same bytes."""
    from geo.io import load_dataset
    from geo.visibility import public_view

    if args.data is not None:
        if args.revision is not None:
            raise ExportError("--revision reads the store; it cannot be combined with a data directory")
        if getattr(args, "editor", None):
            raise ExportError("--editor signs in to the store; it cannot be combined with a data directory")
        return public_view(load_dataset(args.data)), None
    from sqlalchemy.exc import SQLAlchemyError

    from geo.store import StoreError, read_current_dataset

    try:
        dataset = read_current_dataset(args.url, args.revision)
    except StoreError as error:
        raise ExportError(str(error)) from error
    except SQLAlchemyError as error:  # unreachable server, wrong password, missing database …
        raise ExportError(f"cannot read the store: {getattr(error, 'orig', None) or error}") from error
    stamp = datetime.fromisoformat(dataset.revised_at.replace("Z", "+00:00")) if dataset.revised_at else None
    if not getattr(args, "editor", None):
        return public_view(dataset), stamp
    _sign_in_editor(args.url, args.editor)
    return dataset, stamp


def _sign_in_editor(url: str | None, name: str) -> None:
    """Refuses (ExportError) unless NAME signs in to the store with the password from the prompt or stdin."""
    from geo.accounts import AccountError
    from geo.store import StoreError, open_current_store
    from geo.store.review import require, sign_in
    from geo.store.user_cli import read_password

    store = open_current_store(url)
    try:
        require(store, sign_in(store, name, read_password(f"Password for {name}: ")), "propose")
    except (StoreError, AccountError) as error:
        raise ExportError(f"--editor: {error}") from error
    finally:
        store.close()


def run_export_command(args: argparse.Namespace) -> int:
    import sys

    from geo.filters import apply_filters

    try:
        dataset, exported_at = _export_dataset(args)
        spec = FilterSpec(
            date_from=args.date_from,
            date_to=args.date_to,
            crossings=resolve_crossings(dataset, args.crossing),
            kinds=tuple(args.kind),
            min_confidence=args.min_confidence,
        )
        data_dir = Path(args.data or DATA_DIR)
        if any(_inside(Path(args.out), d) for d in (DATA_DIR, data_dir)):
            raise ExportError(f"refusing to write an export into the data directory: {args.out}")
        layers = apply_filters(dataset.layers, spec)
        export = build_export(dataset, layers, spec, args.format, exported_at=exported_at, file_name=args.out.name)
        paths = write_export(export, args.out, data_dir=data_dir)
    except ExportError as error:
        print(f"export: {error}", file=sys.stderr)
        return 2
    except ValueError as error:  # a filter that cannot exist, e.g. --to before --from
        print(f"export: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # disk full, no permission…: one line, not a traceback
        print(f"export: could not write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(export.citation["filter"])
    for path in paths:
        print(f"wrote {path}")
    return 0
