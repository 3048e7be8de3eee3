"""Vendored front-end assets: every folium default the app uses is served from static/, nothing from a CDN."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

import folium
import pytest
from folium.plugins import Draw, Timeline, TimelineSlider

from geo.assets import (
    CDN_TO_LOCAL,
    LOCALIZED_CLASSES,
    STATIC_DIR,
    STATIC_URL,
    local_file,
    localize,
    localize_all,
    localize_urls,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = STATIC_DIR / "vendor"
TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
TAG_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


@pytest.fixture
def folium_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """localize_all() changes folium's classes for the whole process: put them back after the test."""
    for cls in (*LOCALIZED_CLASSES, Draw):
        for attribute in ("default_js", "default_css"):
            if hasattr(cls, attribute):
                monkeypatch.setattr(cls, attribute, list(getattr(cls, attribute)))


def sample_feature_collection() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Tumen–Namyang", "start": "2023-10-09", "end": "2023-10-10"},
                "geometry": {"type": "Point", "coordinates": [129.8508, 42.9544]},
            }
        ],
    }


def build_map() -> folium.Map:
    fmap = folium.Map(location=[41.7, 127.2], zoom_start=6, tiles=None)
    group = folium.FeatureGroup(name="Layers").add_to(fmap)
    data = sample_feature_collection()
    folium.GeoJson(data, name="points", tooltip=folium.GeoJsonTooltip(fields=["name"])).add_to(group)
    folium.Circle([42.95, 129.85], radius=3000, tooltip=folium.Tooltip("town"), popup=folium.Popup("area")).add_to(
        group
    )
    folium.PolyLine([[42.95, 129.85], [42.96, 129.99]], tooltip="leg").add_to(group)
    timeline = Timeline(data).add_to(fmap)
    TimelineSlider(auto_play=False).add_timelines(timeline).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def test_every_local_url_is_a_file_under_static() -> None:
    for cdn_url, local_url in CDN_TO_LOCAL.items():
        assert local_url.startswith(f"{STATIC_URL}/vendor/"), cdn_url
        assert local_file(local_url).is_file(), f"{local_url} (for {cdn_url}) is not in static/"


def test_every_default_asset_of_the_classes_used_has_a_local_copy(folium_defaults: None) -> None:
    for cls in LOCALIZED_CLASSES:
        for attribute in ("default_js", "default_css"):
            for _name, url in getattr(cls, attribute, []):
                assert url in CDN_TO_LOCAL, f"{cls.__name__}.{attribute}: {url}"


def test_rendered_map_loads_nothing_from_another_host(folium_defaults: None) -> None:
    localize_all()
    html = build_map().get_root().render()
    urls = [url for tag in TAG.findall(html) for url in TAG_URL.findall(tag)]
    assert any(url.endswith("leaflet.timeline.js") for url in urls)
    for url in urls:
        assert url.startswith(f"{STATIC_URL}/vendor/"), url
        assert local_file(url).is_file(), url
    assert "http://" not in html
    assert "https://" not in html


def test_a_map_without_localize_would_use_cdns(folium_defaults: None) -> None:
    html = build_map().get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in html


def test_localize_one_instance_leaves_the_class_alone(folium_defaults: None) -> None:
    fmap = localize(folium.Map(tiles=None))
    assert all(url.startswith(STATIC_URL) for _name, url in fmap.default_js + fmap.default_css)
    assert folium.Map.default_js[0][1].startswith("https://")


def test_localize_is_idempotent(folium_defaults: None) -> None:
    localize_all()
    before = list(folium.Map.default_css)
    localize_all()
    assert folium.Map.default_css == before


def test_an_asset_without_a_local_copy_is_a_key_error_and_changes_nothing(folium_defaults: None) -> None:
    original = list(Draw.default_js)
    with pytest.raises(KeyError, match=r"leaflet\.draw"):
        localize(Draw)
    assert Draw.default_js == original
    with pytest.raises(KeyError, match=re.escape("https://example.org/x.js")):
        localize_urls([("x", "https://example.org/x.js")])


def test_stylesheet_urls_resolve_to_vendored_files() -> None:
    stylesheets = sorted(VENDOR_DIR.rglob("*.css"))
    assert stylesheets
    for css in stylesheets:
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        for url in CSS_URL.findall(text):
            if url.startswith(("data:", "#")):
                continue
            assert not re.match(r"^(https?:)?//", url), f"{css.relative_to(STATIC_DIR)} loads {url}"
            target = (css.parent / url.split("?")[0].split("#")[0]).resolve()
            assert target.is_file(), f"{css.relative_to(STATIC_DIR)}: {url} does not resolve"


def test_readme_lists_every_vendored_file_with_its_sha256() -> None:
    readme = (VENDOR_DIR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|", readme, flags=re.MULTILINE))
    files = {
        path.relative_to(VENDOR_DIR).as_posix(): path
        for path in VENDOR_DIR.rglob("*")
        if path.is_file() and path.name != "README.md"
    }
    assert sorted(listed) == sorted(files)
    for name, path in files.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == listed[name], f"{name}: sha256 differs from README"


def test_every_package_ships_its_licence() -> None:
    for package in sorted(p for p in VENDOR_DIR.iterdir() if p.is_dir() and p.name != "folium"):
        assert list(package.glob("LICENSE*")), f"static/vendor/{package.name} has no licence file"


def test_streamlit_serves_static_files() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
