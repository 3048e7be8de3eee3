"""The Presenter page's Streamlit glue: scenes and exports cached by dataset version, the full-screen
map (stepped in the browser by presenter.js) and, below it, the scene picker and the downloads."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo import i18n
from geo.briefing import briefing_file_name, build_briefing_html
from geo.figure import FIGURE_FORMATS, figure_bytes_for_scene
from geo.i18n import _, use_language
from geo.io import DATA_DIR, Dataset
from geo.manifest import ManifestError
from geo.presenter import build_presenter_map, presenter_payload, scene_group
from geo.scenes import SCENES_FILE, SceneError, SceneSet, load_scenes
from geo.text import escape_markdown as md
from geo.ui.data import get_basemap_json, get_dataset, get_full_dataset, get_map_basemap
from geo.ui.language import render_language_switch
from geo.ui.phone import pointer_or_touch
from geo.visibility import public_view

SCENE = "scene"  # the query parameter: ?scene=<id> opens the page at that scene
PICKER = "presenter-scene"
MAP_KEY = "presenter-map"
MAP_HEIGHT = 720  # the frame is stretched to the window by PAGE_CSS; this is its height without CSS

# Constant CSS only (no data): no sidebar, header or padding on this page; the map frame fills the window.
PAGE_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stDecoration"], [data-testid="stToolbar"] { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding: 0 !important; max-width: 100% !important; }
[data-testid="stMain"] { margin-left: 0 !important; }
iframe[title="streamlit_folium.st_folium"] { height: 100vh !important; display: block; }
.st-key-presenter-map { gap: 0; }
.st-key-presenter-controls { padding: 1rem 2rem 0; }
.st-key-presenter-controls :lang(ko), .st-key-presenter-controls [lang="ko"] { word-break: keep-all; }
</style>"""


@st.cache_resource(show_spinner=False)
def get_scenes(version: str) -> SceneSet:
    return load_scenes(get_dataset(), DATA_DIR)


@st.cache_data(show_spinner=False, max_entries=32)
def presenter_map_payload(version: str, lang: str) -> dict:
    # No initial scene: the map's script stays the same whichever scene is picked (scene_group moves it).
    with use_language(lang):
        return presenter_payload(get_dataset(), get_scenes(version).scenes, url_mode="query")


@st.cache_data(show_spinner=False, max_entries=4)
def briefing_bytes(version: str, lang: str) -> bytes:
    dataset = public_view(get_full_dataset())  # a file that travels: the public view, whoever downloads it
    with use_language(lang):
        html = build_briefing_html(dataset, get_scenes(version).scenes, get_basemap_json(version))
    return html.encode("utf-8")


@st.cache_data(show_spinner=False, max_entries=64)
def figure_bytes(version: str, scene_id: str, fmt: str, lang: str) -> bytes:
    dataset = public_view(get_full_dataset())  # a figure travels too: the public view, whoever draws it
    scene = get_scenes(version).get(scene_id)
    if scene is None:
        raise KeyError(scene_id)
    with use_language(lang):
        return figure_bytes_for_scene(dataset, scene, fmt, DATA_DIR / "basemap")


def _briefing(version: str, lang: str) -> bytes:
    with st.spinner(_("Building the briefing…")):
        return briefing_bytes(version, lang)


def _figure(version: str, scene_id: str, fmt: str, lang: str) -> bytes:
    with st.spinner(_("Drawing the figure…")):
        return figure_bytes(version, scene_id, fmt, lang)


def _read_scenes(dataset: Dataset) -> SceneSet | None:
    try:
        scenes = get_scenes(dataset.version)
    except (SceneError, ManifestError, OSError) as error:
        st.error(_("The scenes cannot be loaded: {error}", error=md(str(error))))
        return None
    if not scenes.scenes:
        st.error(_("No valid scene in data/{file}.", file=SCENES_FILE))
        st.markdown("\n".join(f"- {md(reason)}" for reason in scenes.rejected))
        return None
    return scenes


def _scene_picked() -> None:
    st.query_params[SCENE] = st.session_state[PICKER]


def render_presenter() -> None:
    st.html(PAGE_CSS)
    dataset = get_dataset()
    scenes = _read_scenes(dataset)
    if scenes is None:
        return
    lang = i18n.language()
    titles = {scene.id: scene.title_in(lang) for scene in scenes.scenes}
    requested = st.query_params.get(SCENE)
    initial = requested if requested in titles else scenes.scenes[0].id
    map_slot = st.container(key="presenter-map")
    with st.container(key="presenter-controls"):
        picker, *buttons = st.columns([2.2, 1.3, 1, 1, 1], vertical_alignment="bottom")
        scene_id = picker.selectbox(
            _("Scene"),
            options=list(titles),
            index=list(titles).index(initial),
            format_func=lambda sid: titles.get(sid, sid),
            key=PICKER,
            on_change=_scene_picked,
            help=_(
                "The map starts at this scene, the link names it (?scene=<id>) and the figure buttons export "
                "it. Step with → / ← or Page Down / Page Up, as presentation clickers send, and Home / End."
            ),
        )
        scene_id = scene_id if scene_id in titles else initial
        st.query_params[SCENE] = scene_id
        buttons[0].download_button(
            _("Briefing (HTML)"),
            data=lambda: _briefing(dataset.version, lang),
            file_name=briefing_file_name(dataset, lang),
            mime="text/html",
            key="download-briefing",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
            help=_("One file with every scene, the map, legend and captions; opens in a browser with no network."),
        )
        for column, fmt in zip(buttons[1:], FIGURE_FORMATS.values(), strict=True):
            column.download_button(
                _("Figure ({format})", format=fmt.label),
                data=lambda fmt=fmt: _figure(dataset.version, scene_id, fmt.key, lang),
                file_name=f"crossings-{scene_id}-{dataset.version}{'' if lang == 'en' else '-' + lang}.{fmt.key}",
                mime=fmt.mime,
                key=f"download-figure-{fmt.key}",
                icon=":material/image:",
                on_click="ignore",
                width="stretch",
                help=_(
                    "The scene “{title}” as a static {format} figure with legend, scale bar, north arrow, dates "
                    "and sources.",
                    title=titles[scene_id],
                    format=fmt.label,
                ),
            )
        pointer_or_touch(
            "presenter-keys",
            _(
                "**Keys:** → or Page Down next scene, ← or Page Up previous, Home / End first / last; they work "
                "without clicking the map. Nothing on this page needs the internet. Scenes are data (data/{file}): "
                "reorder or add scenes there, then run `python -m geo manifest`.",
                file=SCENES_FILE,
            ),
            _(
                "**On a touch screen:** tap → and ← on the map to step through the scenes. Nothing on this page "
                "needs the internet. Scenes are data (data/{file}): reorder or add scenes there, then run "
                "`python -m geo manifest`.",
                file=SCENES_FILE,
            ),
            show=st.caption,
        )
        if scenes.rejected:
            with st.expander(
                _(
                    "{n} problem(s) in data/{file}: those scenes are left out",
                    n=len(scenes.rejected),
                    file=SCENES_FILE,
                )
            ):
                st.markdown("\n".join(f"- {md(reason)}" for reason in scenes.rejected))
        leave, switch = st.columns([3, 1], vertical_alignment="center")
        leave.page_link("views/map.py", label=_("Leave presenter mode: back to the map"), icon=":material/map:")
        with switch:
            render_language_switch("-presenter")
    with map_slot:
        payload = presenter_map_payload(dataset.version, lang)
        st_folium(
            build_presenter_map(get_map_basemap(dataset.version), payload),
            key=MAP_KEY,
            feature_group_to_add=scene_group(scene_id),
            height=MAP_HEIGHT,
            use_container_width=True,
            returned_objects=[],
        )
