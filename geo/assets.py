"""Front-end assets served by the app itself: folium's CDN URLs rewritten to static/vendor.

Streamlit serves static/ at /app/static/ (server.enableStaticServing). Every file, its npm
package, original URL, sha256 and licence are listed in static/vendor/README.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import folium
from folium.plugins import Timeline, TimelineSlider

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_URL = "/app/static"
VENDOR_URL = f"{STATIC_URL}/vendor"

# Exact strings from folium 0.20's default_js/default_css (folium.Map, plugins.Timeline, plugins.TimelineSlider).
CDN_TO_LOCAL: dict[str, str] = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": f"{VENDOR_URL}/leaflet/leaflet.js",
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": f"{VENDOR_URL}/leaflet/leaflet.css",
    "https://code.jquery.com/jquery-3.7.1.min.js": f"{VENDOR_URL}/jquery/jquery-3.7.1.min.js",
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js": (
        f"{VENDOR_URL}/bootstrap/bootstrap.bundle.min.js"
    ),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css": (
        f"{VENDOR_URL}/bootstrap/bootstrap.min.css"
    ),
    # On no registry: a local equivalent built from bootstrap@3.4.1 (see static/vendor/README.md).
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css": (
        f"{VENDOR_URL}/glyphicons/bootstrap-glyphicons.css"
    ),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css": (
        f"{VENDOR_URL}/fontawesome/css/all.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js": (
        f"{VENDOR_URL}/awesome-markers/leaflet.awesome-markers.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css": (
        f"{VENDOR_URL}/awesome-markers/leaflet.awesome-markers.css"
    ),
    # A folium gist on no registry: a local equivalent written for this project.
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css": (
        f"{VENDOR_URL}/folium/leaflet.awesome.rotate.css"
    ),
    # jsDelivr minifies dist/leaflet.timeline.js on the fly; the npm file is already minified.
    "https://cdn.jsdelivr.net/npm/leaflet.timeline@1.6.0/dist/leaflet.timeline.min.js": (
        f"{VENDOR_URL}/leaflet.timeline/leaflet.timeline.js"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/moment.js/2.18.1/moment.min.js": f"{VENDOR_URL}/moment/moment.min.js",
}

# The folium classes whose default assets the app uses.
LOCALIZED_CLASSES: tuple[type, ...] = (folium.Map, Timeline, TimelineSlider)

Element = TypeVar("Element")


def local_file(url: str) -> Path:
    """The file under static/ that a /app/static/... URL serves."""
    if not url.startswith(f"{STATIC_URL}/"):
        raise ValueError(f"{url} is not served from {STATIC_URL}/")
    return STATIC_DIR / url.removeprefix(f"{STATIC_URL}/")


def localize_urls(assets: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, url) pairs with every CDN URL replaced by its local copy; local URLs pass through.

    Raises KeyError naming the URL when an asset has no local copy.
    """
    localized = []
    for name, url in assets:
        if url.startswith(f"{STATIC_URL}/"):
            localized.append((name, url))
        elif url in CDN_TO_LOCAL:
            localized.append((name, CDN_TO_LOCAL[url]))
        else:
            raise KeyError(f"no local copy of {url} (asset {name!r}): vendor it under static/vendor first")
    return localized


def localize(element: Element) -> Element:
    """Point a folium class's (or one element's) default_js/default_css at the local copies.

    All URLs are checked before anything changes, so a KeyError leaves the element as it was.
    """
    updates = {
        attribute: localize_urls(getattr(element, attribute))
        for attribute in ("default_js", "default_css")
        if getattr(element, attribute, None)
    }
    for attribute, assets in updates.items():
        setattr(element, attribute, assets)
    return element


def localize_all() -> None:
    """Localize folium.Map and the plugins the app uses, for every map built afterwards in this process."""
    for cls in LOCALIZED_CLASSES:
        localize(cls)
