"""Presenter mode: every scene's features computed here, stepped in the browser by presenter.js.

The payload holds only what the scenes draw, with the display strings the main map uses
(geo.payload.feature_properties: no notes, no URLs), the scene captions and the outlets of the
cited sources. The same payload drives the Presenter page and the standalone briefing HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from geo import i18n
from geo.filters import format_range
from geo.i18n import _
from geo.io import Dataset, source_outlets
from geo.mapview import FeatureGroup, Map, ScriptCall, build_base_map
from geo.payload import STATIC, layer_collection, to_script_json
from geo.scenes import Scene, scene_feature_ids
from geo.text import format_dates, short_name
from geo.vocab import GROUP_LAYER

PRESENTER_JS = ("crossings_presenter", f"{STATIC}/crossings/presenter.js")
PRESENTER_CSS = ("crossings_presenter_css", f"{STATIC}/crossings/presenter.css")
# Symbols without a permanent label on the main map get a short one in presenter mode.
LABELLED_GROUPS = ("detention_centres", "receiving_facilities", "other_crossings")
URL_MODES = ("query", "hash")  # ?scene=id on the Presenter page, #id in the standalone file


def dates_label(scene: Scene) -> str:
    """The scene's date range, in the active language."""
    return range_label(scene.date_from, scene.date_to)


def range_label(date_from: date | None, date_to: date | None) -> str:
    """'9 Oct 2023', 'Until 31 Oct 2023', 'All dates'; in Korean '2023년 10월 31일까지'."""
    if i18n.language() == i18n.SOURCE_LANGUAGE:
        text = format_range(date_from, date_to)
        return text[:1].upper() + text[1:]

    def day(value: date) -> str:
        return format_dates(value.isoformat(), None, "day")

    if date_from is None and date_to is None:
        return _("All dates")
    if date_from is None:
        return _("Until {date}", date=day(date_to))
    if date_to is None:
        return _("From {date}", date=day(date_from))
    if date_from == date_to:
        return day(date_from)
    return _("{first} – {last}", first=day(date_from), last=day(date_to))


def place_label(props: dict) -> str:
    """A short name for a symbol: the Korean name in Korean where the data has one, else the English."""
    if i18n.language() == "ko" and props.get("name_ko"):
        return short_name(props["name_ko"])
    return short_name(props["name_en"])


def presenter_payload(
    dataset: Dataset, scenes: Sequence[Scene], initial: str | None = None, url_mode: str = "query"
) -> dict:
    """Everything presenter.js needs, and nothing more, in the active language (titles, captions, dates,
    labels and the words of presenter.js)."""
    if not scenes:
        raise ValueError("no scenes to present")
    if url_mode not in URL_MODES:
        raise ValueError(f"unknown url mode {url_mode!r}")
    ids_by_scene = [scene_feature_ids(dataset, scene) for scene in scenes]
    wanted: dict[str, set[str]] = {}
    for groups in ids_by_scene:
        for group_id, ids in groups.items():
            wanted.setdefault(GROUP_LAYER[group_id], set()).update(ids)
    features: dict[str, dict[str, dict]] = {}
    for layer, ids in wanted.items():
        gdf = dataset.layers[layer]
        collection = layer_collection(layer, gdf[gdf["id"].isin(ids)])
        features[layer] = {f["properties"]["id"]: f for f in collection["features"]}
    for groups in ids_by_scene:
        for group_id in LABELLED_GROUPS:
            for fid in groups.get(group_id, []):
                props = features[GROUP_LAYER[group_id]][fid]["properties"]
                props["pr_label"] = place_label(props)
    outlets = source_outlets(dataset.sources)
    cited = sorted({sid for scene in scenes for sid in scene.source_ids})
    index = next((i for i, scene in enumerate(scenes) if scene.id == initial), 0)
    lang = i18n.language()
    return {
        "lang": lang,
        "messages": i18n.js_messages(lang),
        "initial": index,
        "url": url_mode,
        "version": dataset.version,
        "scenes": [
            {
                "id": scene.id,
                "title": scene.title_in(lang),
                "caption": scene.caption_in(lang),
                "dates": dates_label(scene),
                "center": [round(scene.center[0], 5), round(scene.center[1], 5)],
                "zoom": scene.zoom,
                "groups": [[group_id, GROUP_LAYER[group_id], ids] for group_id, ids in groups.items()],
                "labelled": [g for g in LABELLED_GROUPS if g in groups],
                "source_ids": list(scene.source_ids),
            }
            for scene, groups in zip(scenes, ids_by_scene, strict=True)
        ],
        "features": features,
        "sources": {sid: outlets.get(sid, "") for sid in cited},
    }


def build_presenter_map(basemap_json: str, payload: dict) -> Map:
    """The constant base map (basemap, legend, scale) plus the scenes, stepped in the browser."""
    fmap = build_base_map(basemap_json, payload["lang"])  # the legend and basemap in the scenes' language
    fmap.default_js = [*fmap.default_js, PRESENTER_JS]
    fmap.default_css = [*fmap.default_css, PRESENTER_CSS]
    ScriptCall("PresenterControl", "CrossingsPresenter.mount", to_script_json(payload)).add_to(fmap)
    return fmap


def scene_group(scene_id: str) -> FeatureGroup:
    """The scene the page asks for, as st_folium's feature group: a pick in the scene picker then moves the
    mounted map to it (flying there), where a new map script would remount the map and flash."""
    group = FeatureGroup(name="scene", control=False)
    ScriptCall("PresenterScene", "CrossingsPresenter.goTo", to_script_json(scene_id)).add_to(group)
    return group
