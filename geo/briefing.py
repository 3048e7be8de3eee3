"""The standalone briefing: one HTML file with every scene, the map, legend and captions.

Every script, style, icon and datum is inlined (Leaflet from static/vendor, the project's map.js,
map.css, presenter.js and presenter.css, the offline basemap and the scene payload), so the file
opens from a USB stick in a browser with networking switched off. Scenes step with → / ← and
Page Down / Page Up as on the Presenter page; #<scene id> in the address opens a scene.

The file is in one language, the active one when it is built (`python -m geo briefing --lang ko`): its
`<html lang>`, its title, the scenes' titles and captions and the words of the scripts.
"""

from __future__ import annotations

import argparse
import base64
import re
from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from geo import i18n
from geo.atomic import refuse_data_dir, write_output
from geo.basemap import BASEMAP_ATTRIBUTION, basemap_json
from geo.i18n import _, use_language
from geo.io import DATA_DIR, STATIC_DIR, Dataset
from geo.payload import to_script_json
from geo.presenter import presenter_payload
from geo.scenes import Scene
from geo.vocab import MAP_CENTER, MAP_MAX_BOUNDS, MAP_ZOOM, MAX_ZOOM, MIN_ZOOM

LEAFLET_DIR = STATIC_DIR / "vendor" / "leaflet"
SCRIPTS = (LEAFLET_DIR / "leaflet.js", STATIC_DIR / "crossings" / "map.js", STATIC_DIR / "crossings" / "presenter.js")
STYLES = (LEAFLET_DIR / "leaflet.css", STATIC_DIR / "crossings" / "map.css", STATIC_DIR / "crossings" / "presenter.css")
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:)([^'")]+)\1\s*\)""")
_IMAGE_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif", ".jpg": "image/jpeg"}

PAGE_STYLE = """
html, body { margin: 0; padding: 0; height: 100%; background: #b7d2ea; }
#map { position: absolute; inset: 0; }
noscript p { font: 18px/1.4 "Noto Sans", "DejaVu Sans", sans-serif; padding: 2em; }
"""


def inline_css_urls(css: str, base: Path) -> str:
    """Every url(...) of a stylesheet as a data: URI, so the style needs no file and no network."""

    def replace(match: re.Match) -> str:
        target = match.group(2).strip()
        if target.startswith("#"):  # old IE's behavior: url(#default#VML) fetches nothing
            return match.group(0)
        if re.match(r"^[a-z]+:", target, re.IGNORECASE) or target.startswith("//"):
            raise ValueError(f"{base}: stylesheet refers to {target}: vendor it first")
        path = (base / target).resolve()
        mime = _IMAGE_TYPES.get(path.suffix.lower())
        if mime is None or not path.is_file():
            raise ValueError(f"{base}: cannot inline {target}")
        return f'url("data:{mime};base64,{base64.b64encode(path.read_bytes()).decode("ascii")}")'

    return _CSS_URL.sub(replace, css)


def _element_text(text: str, element: str) -> Markup:
    """Code for the inside of a <script> or <style> element, as it is but for "</script" / "</style",
    which would end the element early ("<\\/" means the same to JavaScript and CSS)."""
    # Code, not text: the project's own files and the boot script, whose data went through to_script_json
    # (no "<", ">" or "&" left in it). Escaping it for HTML would break it.
    return Markup(re.sub(rf"</({element})", r"<\\/\1", text, flags=re.IGNORECASE))  # noqa: S704


# Autoescape: every value the template prints is escaped for HTML unless it is Markup (the inlined code).
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    keep_trailing_newline=True,
    undefined=StrictUndefined,
)


def briefing_file_name(dataset: Dataset, lang: str = i18n.DEFAULT_LANGUAGE) -> str:
    suffix = "" if lang == i18n.DEFAULT_LANGUAGE else f"-{lang}"
    return f"crossings-briefing-{dataset.version}{suffix}.html"


def build_briefing_html(
    dataset: Dataset, scenes: Sequence[Scene], basemap_json: str, initial: str | None = None
) -> str:
    """The whole scene sequence as one self-contained HTML document, in the active language."""
    payload = presenter_payload(dataset, scenes, initial=initial, url_mode="hash")
    options = {
        "center": list(MAP_CENTER),
        "zoom": MAP_ZOOM,
        "minZoom": MIN_ZOOM,
        "maxZoom": MAX_ZOOM,
        "maxBounds": [list(corner) for corner in MAP_MAX_BOUNDS],
        "zoomSnap": 0.25,
        "zoomDelta": 0.5,
        "preferCanvas": False,
    }
    boot = (
        "(function () {\n"
        f"  var map = L.map('map', {to_script_json(options)});\n"
        "  L.control.scale().addTo(map);\n"
        f"  CrossingsMap.basemap({basemap_json}, {to_script_json(BASEMAP_ATTRIBUTION)}).addTo(map);\n"
        # map.js takes the page's words before it draws its legend, where it has a way to (see i18n.js_messages).
        f"  if (CrossingsMap.setMessages) CrossingsMap.setMessages({to_script_json(payload['messages'])});\n"
        "  CrossingsMap.legend(map);\n"
        f"  CrossingsPresenter.mount(map, {to_script_json(payload)});\n"
        "})();"
    )
    styles = [inline_css_urls(path.read_text(encoding="utf-8"), path.parent) for path in STYLES]
    return _TEMPLATES.get_template("briefing.html").render(
        lang=i18n.language(),
        title=_("Crossings briefing: {titles}", titles=" · ".join(scene["title"] for scene in payload["scenes"])),
        description=_("Crossings dataset version {version}", version=dataset.version),
        map_label=_("Map of the briefing scenes"),
        noscript=_("This briefing needs JavaScript to draw the map."),
        styles=[_element_text(text, "style") for text in [*styles, PAGE_STYLE]],
        scripts=[_element_text(text, "script") for text in [*(p.read_text(encoding="utf-8") for p in SCRIPTS), boot]],
    )


# ---------------------------------------------------------------- command line


def add_briefing_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("briefing", help="write the standalone briefing HTML (every scene, works offline)")
    parser.add_argument("--out", type=Path, required=True, help="the .html file to write")
    parser.add_argument("--scene", default=None, help="the scene it opens at (default: the first)")
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--lang", choices=list(i18n.LANGUAGES), default=i18n.DEFAULT_LANGUAGE, help="its language")


def run_briefing_command(args: argparse.Namespace) -> int:
    from geo.io import load_dataset
    from geo.scenes import load_scenes
    from geo.visibility import public_view

    refuse_data_dir(args.out, DATA_DIR, args.data)  # before any work: OutputRefused is reported by main
    dataset = public_view(load_dataset(args.data))  # a file that travels: the public view only
    scenes = load_scenes(dataset, args.data)
    for reason in scenes.rejected:
        print(f"left out: {reason}")
    if not scenes.scenes:
        print("no valid scene: nothing written")
        return 1
    if args.scene is not None and scenes.get(args.scene) is None:
        print(f"unknown scene {args.scene!r}; scenes: {', '.join(scenes.ids())}")
        return 2
    with use_language(getattr(args, "lang", i18n.DEFAULT_LANGUAGE)):
        text = build_briefing_html(dataset, scenes.scenes, basemap_json(args.data), initial=args.scene)
    write_output(args.out, text.encode("utf-8"), DATA_DIR, args.data)
    print(f"wrote {args.out} ({len(text.encode('utf-8')) // 1024} KiB, {len(scenes.scenes)} scenes)")
    return 0
