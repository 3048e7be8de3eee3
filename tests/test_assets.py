"""Front-end assets: the app's maps load scripts and styles only from files the app serves, and
every vendored file is one of them, listed with its sha256 and licence."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from geo.io import STATIC_DIR
from geo.mapview import LayerControl, build_base_map
from geo.payload import STATIC
from geo.presenter import PRESENTER_CSS, PRESENTER_JS
from geo.replay import REPLAY_JS

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = STATIC_DIR / "vendor"
TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
TAG_URL = re.compile(r"""\b(?:src|href)\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
CSS_URL = re.compile(r"""url\(\s*["']?([^"')]+)["']?\s*\)""")


def local_file(url: str) -> Path:
    assert url.startswith(f"{STATIC}/"), f"{url} is not served by the app"
    return STATIC_DIR / url.removeprefix(f"{STATIC}/")


def app_asset_urls() -> list[str]:
    """Every script and stylesheet the rendered maps name: the base map's tags, plus what the presenter
    and the replay add to it."""
    fmap = build_base_map("{}")
    LayerControl().add_to(fmap)
    html = fmap.get_root().render()
    tags = [url for tag in TAG.findall(html) for url in TAG_URL.findall(tag)]
    return [*tags, *(url for _name, url in (PRESENTER_JS, PRESENTER_CSS, REPLAY_JS))]


def test_the_maps_load_only_files_the_app_serves() -> None:
    urls = app_asset_urls()
    assert f"{STATIC}/vendor/leaflet/leaflet.js" in urls and f"{STATIC}/crossings/map.js" in urls
    for url in urls:
        assert local_file(url).is_file(), url


def test_every_vendored_package_is_one_the_maps_load() -> None:
    """Nothing vendored that no page serves (a dead copy still needs its licence and hash kept up)."""
    used = {local_file(url).relative_to(VENDOR_DIR).parts[0] for url in app_asset_urls() if "/vendor/" in url}
    assert used == {"leaflet"}
    assert sorted(p.name for p in VENDOR_DIR.iterdir() if p.is_dir()) == sorted(used)


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
    for package in sorted(p for p in VENDOR_DIR.iterdir() if p.is_dir()):
        assert list(package.glob("LICENSE*")), f"static/vendor/{package.name} has no licence file"


def test_streamlit_serves_static_files() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["enableStaticServing"] is True
