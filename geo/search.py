"""Place-name search: features and basemap towns by English, Korean or Chinese name, or by any
of the alternative spellings in data/aliases.csv (Tumen / Domun / 图们 / 도문 ...).

Matching ignores case, diacritics (Sinŭiju = Sinuiju) and apostrophes (Manp’o = Manpo). A query
that names an alias also searches for every other name of the same place. Results are ranked:
an exact name beats a name that starts with the query, which beats a word that starts with it,
which beats the query somewhere inside a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.basemap import read_layer
from geo.i18n import N_, _
from geo.io import DATA_DIR, Dataset
from geo.manifest import Manifest, verify_file
from geo.schema import as_text, is_blank
from geo.vocab import kind_label

ALIASES_FILE = "aliases.csv"
TOWNS_FILE = "basemap/towns.geojson"
ALIAS_COLUMNS = ("place", "alias", "language", "note")

# Layers a person can search for by place name; routes are not places.
SEARCHED_LAYERS = ("crossings", "detention_centres", "receiving_facilities", "events")
NAME_FIELDS = ("name_en", "name_ko", "name_zh")
PLACE_FIELDS = (
    "side_cn_en",
    "side_cn_ko",
    "side_cn_zh",
    "side_kp_en",
    "side_kp_ko",
    "side_kp_zh",
    "point_name",
    "place_en",
    "place_ko",
    "place_zh",
)
TOWN_FIELDS = ("name_en", "name_ko", "name_zh", "name_reported")
# How much a match on each kind of name counts, and which results come first on a tie.
NAME_WEIGHT, PLACE_WEIGHT, EVENT_WEIGHT, ALIAS_WEIGHT = 1.0, 0.9, 0.8, 0.95
PRIORITY = {"crossings": 0, "detention_centres": 1, "receiving_facilities": 2, "town": 3, "events": 4}

_APOSTROPHES = re.compile(r"['’ʼ‘`´]")
_SEPARATORS = re.compile(r"[\s\-–—_/\\(),.;:·・、，（）]+")


class AliasError(ValueError):
    """data/aliases.csv is malformed; the message names the row."""


def normalise(text: object) -> str:
    """Lower case, no diacritics, no apostrophes, separators collapsed to one space.

    Hangul is decomposed and recomposed, so Korean stays Korean; full-width forms become ASCII.
    """
    if is_blank(text):
        return ""
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = unicodedata.normalize("NFC", stripped).casefold()
    folded = _APOSTROPHES.sub("", folded)
    return _SEPARATORS.sub(" ", folded).strip()


def _is_cjk(text: str) -> bool:
    """Han, Hangul or kana: scripts without spaces between words, so any substring can be a word."""
    return any(
        "\u1100" <= c <= "\u11ff"
        or "\u3040" <= c <= "\u30ff"
        or "\u3130" <= c <= "\u318f"
        or "\u3400" <= c <= "\u9fff"
        or "\uac00" <= c <= "\ud7af"
        or "\uf900" <= c <= "\ufaff"
        for c in text
    )


def match_score(term: str, name: str) -> int:
    """How well a normalised term matches a normalised name: 0 (no match) to 100 (the same)."""
    if not term or not name:
        return 0
    if name == term:
        return 100
    if name.startswith(term):
        return 85
    words = name.split(" ")
    if term in words:
        return 75
    if any(word.startswith(term) for word in words):
        return 65
    if term in name and (_is_cjk(term) or len(term) >= 3):
        return 40
    return 0


@dataclass(frozen=True)
class Place:
    """Something a search can find: a feature of the dataset (select it) or a town (go there)."""

    key: str  # the feature id, or "town:<geonameid or name>"
    kind: str  # "feature" or "town"
    layer: str  # a dataset layer, or "town"
    label: str
    detail: str
    lat: float | None
    lon: float | None
    names: tuple[tuple[str, str, float], ...] = field(repr=False)  # (display name, normalised, weight)
    label_ko: str = ""  # its Korean name, where the data has one

    def label_in(self, lang: str) -> str:
        """The name to show in `lang`: the Korean name in Korean where there is one, else the English."""
        return self.label_ko if lang == "ko" and self.label_ko else self.label


@dataclass(frozen=True)
class SearchHit:
    place: Place
    score: float
    matched: str  # the name of the place that matched
    via: str | None = None  # the alias that led there, when the query was another name of the place

    @property
    def explanation(self) -> str:
        """Why this result was found, in the active language (the names are data, shown as they are)."""
        if self.via:
            return _("matched “{name}” (another name for {place})", name=self.matched, place=self.via)
        return _("matched “{name}”", name=self.matched)


@dataclass(frozen=True)
class PlaceIndex:
    places: tuple[Place, ...]
    # normalised alias -> (canonical place, every normalised name of that place)
    aliases: Mapping[str, tuple[str, frozenset[str]]]


def _names(row: Mapping[str, object], fields: Iterable[str], weight: float) -> list[tuple[str, str, float]]:
    out = []
    for name in fields:
        text = as_text(row.get(name))
        if text:
            out.append((text, normalise(text), weight))
    return out


def _point(geometry: object) -> tuple[float | None, float | None]:
    if geometry is None or getattr(geometry, "is_empty", True):
        return None, None
    centroid = geometry.centroid
    return float(centroid.y), float(centroid.x)


def feature_places(dataset: Dataset) -> list[Place]:
    places = []
    for layer in SEARCHED_LAYERS:
        gdf = dataset.layers[layer]
        if layer == "events":
            gdf = gdf[gdf.geometry.notna()]
        for row in gdf.to_dict("records"):
            factor = EVENT_WEIGHT if layer == "events" else 1.0
            names = _names(row, NAME_FIELDS, NAME_WEIGHT * factor) + _names(row, PLACE_FIELDS, PLACE_WEIGHT * factor)
            lat, lon = _point(row.get("geometry"))
            local = " · ".join(n for n in (as_text(row.get("name_ko")), as_text(row.get("name_zh"))) if n)
            kind = kind_label(row.get("kind"))
            where = as_text(row.get("place_en")) if layer == "events" else ""
            detail = " · ".join(p for p in (kind, local, where) if p)
            places.append(
                Place(
                    as_text(row["id"]),
                    "feature",
                    layer,
                    as_text(row["name_en"]),
                    detail,
                    lat,
                    lon,
                    tuple(names),
                    as_text(row.get("name_ko")),
                )
            )
    return places


# A basemap town's kind and country, one whole phrase each.
TOWN_IN = {"CN": N_("Town, China"), "KP": N_("Town, North Korea")}


def town_places(towns: gpd.GeoDataFrame) -> list[Place]:
    places = []
    for row in towns.to_dict("records"):
        reported, geonames = as_text(row.get("name_reported")), as_text(row.get("name_en"))
        label = reported or geonames
        if reported and normalise(reported) != normalise(geonames):
            label = f"{reported} ({geonames})"
        code = as_text(row.get("country_code"))
        town = _(TOWN_IN[code]) if code in TOWN_IN else _("Town, {country}", country=code) if code else _("Town")
        local = " · ".join(n for n in (as_text(row.get("name_ko")), as_text(row.get("name_zh"))) if n)
        detail = " · ".join(p for p in (town, local) if p)
        geonameid = row.get("geonameid")
        key = f"town:{int(geonameid)}" if not is_blank(geonameid) and geonameid is not pd.NA else f"town:{label}"
        lat, lon = _point(row.get("geometry"))
        names = tuple(_names(row, TOWN_FIELDS, NAME_WEIGHT))
        places.append(Place(key, "town", "town", label, detail, lat, lon, names, as_text(row.get("name_ko"))))
    return places


def read_aliases(path: Path) -> pd.DataFrame:
    """The alias table as text: nothing is turned into a number or a missing value."""
    table = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    missing = [c for c in ALIAS_COLUMNS if c not in table.columns]
    if missing:
        raise AliasError(f"{path.name}: missing column(s) {', '.join(missing)}")
    for position, row in enumerate(table.to_dict("records"), start=2):
        if not row["place"].strip() or not row["alias"].strip():
            raise AliasError(f"{path.name} line {position}: place and alias must not be empty")
    return table


def alias_groups(aliases: pd.DataFrame) -> dict[str, tuple[str, frozenset[str]]]:
    groups: dict[str, set[str]] = {}
    for place, alias in zip(aliases["place"], aliases["alias"], strict=True):
        groups.setdefault(place.strip(), {normalise(place)}).add(normalise(alias))
    out: dict[str, tuple[str, frozenset[str]]] = {}
    for place, names in groups.items():
        for name in names:
            out[name] = (place, frozenset(names))
    return out


def build_index(dataset: Dataset, towns: gpd.GeoDataFrame, aliases: pd.DataFrame) -> PlaceIndex:
    """The places with their details (kind, country) in the active language."""
    return PlaceIndex(tuple(feature_places(dataset) + town_places(towns)), alias_groups(aliases))


def load_index(dataset: Dataset, data_dir: Path = DATA_DIR, manifest: Manifest | None = None) -> PlaceIndex:
    """The index of the bundled data; the alias table and the towns are checked against the manifest."""
    checked = manifest or dataset.manifest
    for relative in (ALIASES_FILE, TOWNS_FILE):
        verify_file(data_dir, relative, checked)
    return build_index(dataset, read_layer(data_dir / TOWNS_FILE), read_aliases(data_dir / ALIASES_FILE))


def _expansions(index: PlaceIndex, query: str) -> dict[str, str]:
    """Other names to search for: every name of each place one of whose aliases the query is
    (or starts, for three characters or more; one is enough in Korean or Chinese)."""
    minimum = 1 if _is_cjk(query) else 3
    terms: dict[str, str] = {}
    for alias, (place, names) in index.aliases.items():
        if alias == query or (len(query) >= minimum and alias.startswith(query)):
            for name in names:
                if name != query:
                    terms.setdefault(name, place)
    return terms


def search(index: PlaceIndex, query: str, limit: int = 8) -> list[SearchHit]:
    """The best matches for a query, best first; an empty query finds nothing."""
    needle = normalise(query)
    if not needle:
        return []
    terms: dict[str, tuple[float, str | None]] = {needle: (1.0, None)}
    for term, place in _expansions(index, needle).items():
        terms.setdefault(term, (ALIAS_WEIGHT, place))
    hits = []
    for place in index.places:
        best: tuple[float, str, str | None] | None = None
        for display, name, weight in place.names:
            for term, (term_weight, via) in terms.items():
                score = match_score(term, name) * weight * term_weight
                if score and (best is None or score > best[0]):
                    best = (score, display, via)
        if best:
            hits.append(SearchHit(place, round(best[0], 2), best[1], best[2]))
    hits.sort(key=lambda h: (-h.score, PRIORITY.get(h.place.layer, 9), h.place.label))
    return hits[:limit]
