"""The standalone briefing HTML: everything inlined, nothing fetched, every scene, data escaped."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from geo.__main__ import main
from geo.briefing import basemap_json, build_briefing_html, inline_css_urls
from geo.io import load_dataset
from geo.scenes import load_scenes

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = "</script><script>alert('x')</script><img src=x onerror=alert(1)> `${1}` \\u003c"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each script and style element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.blocks: list[tuple[str, str]] = []
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._open = tag
            self.blocks.append((tag, ""))

    def handle_endtag(self, tag):
        if tag == self._open:
            self._open = None

    def handle_data(self, data):
        if self._open:
            tag, text = self.blocks[-1]
            self.blocks[-1] = (tag, text + data)


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def scenes(dataset):
    return load_scenes(dataset).scenes


@pytest.fixture(scope="module")
def basemap():
    return basemap_json()


@pytest.fixture(scope="module")
def page(dataset, scenes, basemap) -> str:
    return build_briefing_html(dataset, scenes, basemap)


@pytest.fixture(scope="module")
def tags(page) -> Tags:
    parser = Tags()
    parser.feed(page)
    return parser


def test_nothing_is_loaded_from_elsewhere(tags, page):
    for tag, attrs in tags.tags:
        assert not (tag == "script" and attrs.get("src")), f"external script {attrs}"
        assert tag != "link", f"linked resource {attrs}"
        for attribute in ("src", "srcset", "data", "poster"):
            value = attrs.get(attribute) or ""
            assert not re.match(r"\s*(https?:)?//", value), f"<{tag} {attribute}={value}>"
    for kind, text in tags.blocks:
        if kind == "style":
            assert not re.search(r"url\(\s*['\"]?(https?:)?//", text)
            assert not re.search(r"@import", text)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_leaflet_images_are_data_uris(tags):
    css = "\n".join(text for kind, text in tags.blocks if kind == "style")
    assert 'url("data:image/png;base64,' in css
    assert "images/layers.png" not in css


def test_every_script_and_style_is_inlined(tags, page):
    scripts = [text for kind, text in tags.blocks if kind == "script"]
    assert len(scripts) == 4  # leaflet.js, map.js, presenter.js, the boot script
    assert "Leaflet" in scripts[0]
    assert "window.CrossingsMap" in scripts[1]
    assert "window.CrossingsPresenter" in scripts[2]
    assert page.count("<script>") == page.count("</script>") == 4
    styles = [text for kind, text in tags.blocks if kind == "style"]
    assert any(".leaflet-container" in s for s in styles)
    assert any(".cx-legend" in s for s in styles)
    assert any(".cx-pr-bar" in s for s in styles)


def test_the_legend_basemap_and_scenes_are_drawn(tags, scenes):
    boot = [text for kind, text in tags.blocks if kind == "script"][-1]
    assert "CrossingsMap.legend(map)" in boot
    assert "CrossingsMap.basemap(" in boot
    assert "CrossingsPresenter.mount(map, " in boot
    payload = json.loads(re.search(r"CrossingsPresenter\.mount\(map, (.*)\);\n", boot).group(1))
    assert [s["title"] for s in payload["scenes"]] == [s.title for s in scenes]
    assert payload["url"] == "hash"


def test_every_scene_title_and_caption_is_in_the_file(page, scenes):
    for scene in scenes:
        assert scene.title in page
        assert scene.caption in page


def test_the_dataset_version_is_in_the_file(page, dataset):
    assert dataset.version in page


def test_data_is_escaped(dataset, scenes, basemap):
    hostile = [replace(scenes[0], title=HOSTILE, caption=HOSTILE), *scenes[1:]]
    page = build_briefing_html(dataset, hostile, basemap)
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert page.count("</script>") == page.count("<script>")
    title = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert "&lt;/script&gt;" in title
    boot = page.rsplit("<script>", 1)[1]
    payload = json.loads(re.search(r"CrossingsPresenter\.mount\(map, (.*)\);\n", boot).group(1))
    assert payload["scenes"][0]["title"] == HOSTILE  # intact as data; presenter.js escapes it for HTML


def test_template_syntax_in_data_stays_text(dataset, scenes, basemap):
    """The briefing is a Jinja2 template: a scene title reaches it as a value, never as template code."""
    title = '{{ 7 * 7 }} {% if true %}yes{% endif %} & "quoted"'
    page = build_briefing_html(dataset, [replace(scenes[0], title=title), *scenes[1:]], basemap)
    shown = re.search(r"<title>(.*?)</title>", page, re.DOTALL).group(1)
    assert shown.startswith("Crossings briefing: {{ 7 * 7 }} {% if true %}yes{% endif %} &amp; &#34;quoted&#34;")
    assert "49" not in shown


def test_initial_scene(dataset, scenes, basemap):
    page = build_briefing_html(dataset, scenes, basemap, initial="since-then")
    assert '"initial":4' in page


def test_stylesheets_with_remote_urls_are_refused(tmp_path):
    with pytest.raises(ValueError, match="vendor it first"):
        inline_css_urls("a { background: url(https://example.org/x.png) }", tmp_path)
    assert inline_css_urls("a { behavior: url(#default#VML) }", tmp_path) == "a { behavior: url(#default#VML) }"


def test_basemap_is_the_one_the_app_draws(basemap, dataset):
    from geo.ui.data import get_basemap_json

    assert basemap == get_basemap_json(dataset.version)


def test_cli_writes_the_briefing(tmp_path, capsys):
    out = tmp_path / "brief" / "briefing.html"
    assert main(["briefing", "--out", str(out), "--scene", "held"]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and '"initial":1' in text
    assert "5 scenes" in capsys.readouterr().out


def test_cli_refuses_an_unknown_scene(tmp_path, capsys):
    assert main(["briefing", "--out", str(tmp_path / "b.html"), "--scene", "nope"]) == 2
    assert "unknown scene 'nope'" in capsys.readouterr().out
    assert not (tmp_path / "b.html").exists()
