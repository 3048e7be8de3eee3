"""Presenter scenes: an ordered list in data/scenes.json, validated against the dataset.

A scene sets the date range, the crossings, the map groups drawn (ids of geo.vocab.DATA_GROUPS),
the view and the caption with its sources. Presenters reorder or add scenes by editing the file
(then `python -m geo manifest`); nothing here needs to change.

Validation follows the dataset's rule: valid scenes and rejected scenes with a reason, each reason
naming the scene, nothing dropped silently.

Titles and captions are data, so their translations are too: `title_ko` / `caption_ko` give the Korean
(optional per scene; a scene without them shows its English). A translation must be in its script and state
exactly the numbers of the English caption: it translates, it adds no fact.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import geopandas as gpd

from geo.filters import FilterSpec, apply_filters
from geo.io import DATA_DIR, Dataset
from geo.manifest import read_manifest, verify_file
from geo.schema import parse_count_estimates
from geo.vocab import GROUP_IDS, MAP_MAX_BOUNDS, MAX_ZOOM, MIN_ZOOM, split_groups

SCENES_FILE = "scenes.json"
FIELDS = ("id", "title", "caption", "date_from", "date_to", "crossings", "layers", "center", "zoom", "source_ids")
# The translated title and caption of a scene, by language: optional fields.
TRANSLATED_FIELDS: dict[str, tuple[str, str]] = {"ko": ("title_ko", "caption_ko")}
OPTIONAL_FIELDS = tuple(name for pair in TRANSLATED_FIELDS.values() for name in pair)
_SCRIPTS = {"ko": re.compile(r"[\uac00-\ud7a3]")}  # Hangul syllables
_SCENE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class SceneError(ValueError):
    """The scene file cannot be used at all (not JSON, not a list, no valid scene)."""


@dataclass(frozen=True)
class Scene:
    id: str
    title: str
    caption: str
    date_from: date | None
    date_to: date | None
    crossings: tuple[str, ...]
    layers: tuple[str, ...]
    center: tuple[float, float]
    zoom: float
    source_ids: tuple[str, ...]
    translations: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # lang -> (title, caption)

    def title_in(self, lang: str) -> str:
        """The title in `lang`, or the English one where the scene has no translation."""
        return self.translations.get(lang, (self.title, self.caption))[0]

    def caption_in(self, lang: str) -> str:
        return self.translations.get(lang, (self.title, self.caption))[1]


@dataclass(frozen=True)
class SceneSet:
    scenes: tuple[Scene, ...]
    rejected: tuple[str, ...]  # one readable reason per problem, each naming its scene

    def ids(self) -> list[str]:
        return [scene.id for scene in self.scenes]

    def get(self, scene_id: str | None) -> Scene | None:
        return next((scene for scene in self.scenes if scene.id == scene_id), None)


@dataclass(frozen=True)
class KnownIds:
    """What a scene may refer to."""

    source_ids: frozenset[str]
    crossing_ids: frozenset[str]
    group_ids: frozenset[str] = frozenset(GROUP_IDS)

    @classmethod
    def of(cls, dataset: Dataset) -> KnownIds:
        return cls(frozenset(dataset.sources["id"]), frozenset(dataset.layers["crossings"]["id"]))


def _label(raw: object, position: int) -> str:
    scene_id = raw.get("id") if isinstance(raw, Mapping) else None
    return f"scene {position + 1} ({scene_id!r})" if isinstance(scene_id, str) and scene_id else f"scene {position + 1}"


def _text(raw: Mapping, key: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{key} must be a non-empty string")
        return ""
    return value.strip()


def _date(raw: Mapping, key: str, problems: list[str]) -> date | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(f"{key} must be an ISO date (YYYY-MM-DD) or null")
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{key} {value!r} is not an ISO date (YYYY-MM-DD)")
        return None


def _id_list(raw: Mapping, key: str, known: Iterable[str], what: str, problems: list[str]) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{key} must be a list of {what} ids")
        return ()
    unknown = [v for v in value if v not in set(known)]
    if unknown:
        problems.append(f"unknown {what} id{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))}")
    if len(set(value)) != len(value):
        problems.append(f"{key} lists an id twice")
    return tuple(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def parse_scene(raw: object, known: KnownIds) -> tuple[Scene | None, list[str]]:
    """A scene, or None and the problems (without the scene's name: the caller adds it)."""
    if not isinstance(raw, Mapping):
        return None, ["is not a JSON object"]
    problems: list[str] = []
    extra = sorted(set(raw) - set(FIELDS) - set(OPTIONAL_FIELDS))
    if extra:
        problems.append(f"unknown field{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}")
    missing = [key for key in FIELDS if key not in raw and key not in ("date_from", "date_to")]
    if missing:
        problems.append(f"missing field{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}")
    scene_id = raw.get("id")
    if not isinstance(scene_id, str) or not _SCENE_ID.match(scene_id):
        problems.append("id must be lower-case letters, digits and hyphens (it is used in URLs)")
    title = _text(raw, "title", problems)
    caption = _text(raw, "caption", problems)
    date_from = _date(raw, "date_from", problems)
    date_to = _date(raw, "date_to", problems)
    if date_from and date_to and date_to < date_from:
        problems.append(f"date_to {date_to} is before date_from {date_from}")
    crossings = _id_list(raw, "crossings", known.crossing_ids, "crossing", problems)
    layers = _id_list(raw, "layers", known.group_ids, "layer", problems)
    if "layers" in raw and not layers and not any(p.startswith("layers") for p in problems):
        problems.append("layers is empty: a scene draws at least one layer")
    source_ids = _id_list(raw, "source_ids", known.source_ids, "source", problems)
    if "source_ids" in raw and not source_ids and not any(p.startswith("source_ids") for p in problems):
        problems.append("source_ids is empty: every scene cites at least one source")
    center = raw.get("center")
    lat = lon = None
    if isinstance(center, list) and len(center) == 2:
        lat, lon = _number(center[0]), _number(center[1])
    (min_lat, min_lon), (max_lat, max_lon) = MAP_MAX_BOUNDS
    if lat is None or lon is None or not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
        problems.append(f"center must be [lat, lon] inside the map bounds {MAP_MAX_BOUNDS}")
    zoom = _number(raw.get("zoom"))
    if zoom is None or not MIN_ZOOM <= zoom <= MAX_ZOOM:
        problems.append(f"zoom must be a number from {MIN_ZOOM} to {MAX_ZOOM}")
    translations = _translations(raw, caption, problems)
    if problems:
        return None, problems
    scene = Scene(
        id=str(scene_id),
        title=title,
        caption=caption,
        date_from=date_from,
        date_to=date_to,
        crossings=crossings,
        layers=tuple(g for g in GROUP_IDS if g in layers),  # draw order is the map's, not the file's
        center=(float(lat), float(lon)),
        zoom=float(zoom),
        source_ids=source_ids,
        translations=translations,
    )
    return scene, []


def _translations(raw: Mapping, caption: str, problems: list[str]) -> dict[str, tuple[str, str]]:
    """The scene's translated (title, caption) by language; both or neither, each in its script, the
    caption stating the English caption's numbers and no other."""
    found: dict[str, tuple[str, str]] = {}
    for lang, (title_key, caption_key) in TRANSLATED_FIELDS.items():
        present = [key for key in (title_key, caption_key) if key in raw]
        if not present:
            continue
        if len(present) == 1:
            other = caption_key if present[0] == title_key else title_key
            problems.append(f"{present[0]} without {other}: give both or neither")
            continue
        before = len(problems)
        title = _text(raw, title_key, problems)
        translated = _text(raw, caption_key, problems)
        if len(problems) > before:
            continue
        script = _SCRIPTS.get(lang)
        for key, value in ((title_key, title), (caption_key, translated)):
            if script is not None and not script.search(value):
                problems.append(f"{key} is not written in its language ({lang})")
        if caption and sorted(caption_numbers(translated)) != sorted(caption_numbers(caption)):
            problems.append(
                f"{caption_key} states the numbers {_listed(caption_numbers(translated))}, the caption "
                f"{_listed(caption_numbers(caption))}: a translation states the same numbers"
            )
        found[lang] = (title, translated)
    return found


def _listed(numbers: list[int]) -> str:
    return "[" + ", ".join(f"{n:,}" for n in sorted(numbers)) + "]"


def parse_scenes(document: object, known: KnownIds) -> SceneSet:
    """The valid scenes in file order and the rejected ones with reasons naming each scene."""
    if not isinstance(document, list):
        raise SceneError(f"data/{SCENES_FILE} must be a JSON list of scenes")
    scenes: list[Scene] = []
    rejected: list[str] = []
    seen: set[str] = set()
    for position, raw in enumerate(document):
        label = _label(raw, position)
        scene, problems = parse_scene(raw, known)
        if scene is not None and scene.id in seen:
            scene, problems = None, [f"id {scene.id!r} is used by an earlier scene"]
        if scene is None:
            rejected.extend(f"{label}: {problem}" for problem in problems)
            continue
        seen.add(scene.id)
        scenes.append(scene)
    return SceneSet(tuple(scenes), tuple(rejected))


def read_scenes_document(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise SceneError(
            f"data/{path.name}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from error
    except UnicodeDecodeError as error:
        raise SceneError(f"data/{path.name}: not UTF-8 text (byte {error.start})") from error


def load_scenes(dataset: Dataset, data_dir: Path = DATA_DIR) -> SceneSet:
    """The scenes of data/scenes.json, after checking the file against the manifest.

    Raises ManifestError (file changed without `python -m geo manifest`) or SceneError.
    """
    verify_file(data_dir, SCENES_FILE, read_manifest(data_dir))
    return parse_scenes(read_scenes_document(data_dir / SCENES_FILE), KnownIds.of(dataset))


def scene_problems(dataset: Dataset, data_dir: Path = DATA_DIR) -> list[str]:
    """Every problem of the scene file as a sentence (empty when there is no scene file)."""
    if not (data_dir / SCENES_FILE).exists():
        return []
    try:
        scenes = load_scenes(dataset, data_dir)
    except (SceneError, ValueError, RuntimeError) as error:
        return [str(error)]
    caption_problems = [
        f"data/{SCENES_FILE}: scene {scene.id!r}: {problem}"
        for scene in scenes.scenes
        for problem in caption_number_problems(dataset, scene)
    ]
    return [*(f"data/{SCENES_FILE}: {reason}" for reason in scenes.rejected), *caption_problems]


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_DAY_OF_MONTH = re.compile(rf"\b\d{{1,2}}(?=\s+(?:{_MONTHS})\b)")
_NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?!\d)|(?<![\w.,])\d+(?!\d|,\d)")


# Korean dates: 2023년 10월 9일, 2020년경; a number followed by one of these units is a date, not a count.
_KOREAN_DATE_PART = re.compile(r"\d+(?=\s*(?:년|월|일))")


def caption_numbers(caption: str) -> list[int]:
    """The counts a caption states: numbers other than days of the month and years (1900-2099), in English or
    Korean dates."""
    text = _KOREAN_DATE_PART.sub(" ", _DAY_OF_MONTH.sub(" ", caption))
    numbers = [int(m.group(0).replace(",", "")) for m in _NUMBER.finditer(text)]
    return [n for n in numbers if not (1900 <= n <= 2099 and str(n) in text)]


def _count_values(record: Mapping[str, object]) -> set[int]:
    values = {int(v) for v in (record.get("count_low"), record.get("count_high")) if _number(v) is not None}
    for estimate in parse_count_estimates(record.get("count_estimates")):
        values |= estimate.values()
    return values


def caption_number_problems(dataset: Dataset, scene: Scene) -> list[str]:
    """A caption may state only numbers the data hold, and never one value of a conflicting count alone.

    A count whose estimates conflict (count_confidence 'conflicting') and that overlaps the scene's dates must
    be given as its range: its lowest estimate and its highest known one.
    """
    stated = caption_numbers(scene.caption)
    if not stated:
        return []
    known: set[int] = set()
    for gdf in dataset.layers.values():
        for record in gdf.to_dict("records"):
            known |= _count_values(record)
    problems = [f"caption number {n:,} is not a count in the data" for n in stated if n not in known]
    in_scene = apply_filters(dataset.layers, scene_spec(scene))
    for gdf in in_scene.values():
        for record in gdf.to_dict("records"):
            if record.get("count_confidence") != "conflicting":
                continue
            values = _count_values(record)
            given = values & set(stated)
            ends = {min(values), max(values)}
            if given and not ends <= set(stated):
                problems.append(
                    f"caption gives {', '.join(f'{n:,}' for n in sorted(given))} of {record.get('id')}'s conflicting "
                    f"count ({record.get('count_estimates')}): give its range, {min(values):,} to "
                    f"{'more than ' if _number(record.get('count_high')) is None else ''}{max(values):,}"
                )
    return problems


def scene_spec(scene: Scene) -> FilterSpec:
    """The filter a scene sets: its dates and crossings; kinds and confidence are not narrowed."""
    return FilterSpec(date_from=scene.date_from, date_to=scene.date_to, crossings=scene.crossings)


def scene_groups(dataset: Dataset, scene: Scene) -> dict[str, gpd.GeoDataFrame]:
    """The features the scene draws, by map group (only the scene's groups, in draw order)."""
    groups = split_groups(apply_filters(dataset.layers, scene_spec(scene)))
    return {group_id: groups[group_id] for group_id in scene.layers}


def scene_feature_ids(dataset: Dataset, scene: Scene) -> dict[str, list[str]]:
    """Feature ids drawn by the scene, by map group; features without a geometry are not drawn."""
    return {
        group_id: [str(fid) for fid, geom in zip(gdf["id"], gdf.geometry, strict=True) if geom is not None]
        for group_id, gdf in scene_groups(dataset, scene).items()
    }
