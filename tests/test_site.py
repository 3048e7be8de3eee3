"""The published site (geo/site.py): its files, its policy, its payload and the command line."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import replace
from html.parser import HTMLParser

import pytest

import geo.site
from geo.__main__ import main
from geo.basemap import basemap_json
from geo.filters import FilterSpec
from geo.io import DATA_DIR, load_dataset
from geo.schema import CONTEXT_LAYERS
from geo.site import CSP, build_site_files, fragment_of, public_dataset, site_payload, site_zip


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts.append(data)


def parse(html: bytes) -> Tags:
    tags = Tags()
    tags.feed(html.decode("utf-8"))
    return tags


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def files(dataset) -> dict[str, bytes]:
    spec = FilterSpec(crossings=("x-tumen-namyang",))
    return build_site_files(dataset, spec, basemap_json(), preview=b"\x89PNG fake", site_url="https://news.example/map")


def test_pages_load_only_files_of_the_folder(files: dict[str, bytes]) -> None:
    for page in ("index.html", "embed.html"):
        tags = parse(files[page])
        assert tags.inline_scripts == [], page  # script-src 'self': an inline script would not even run
        metas = [a for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert [m["content"] for m in metas] == [CSP]
        for tag, attrs in tags.tags:
            target = attrs.get("src") if tag == "script" else attrs.get("href") if tag == "link" else None
            if target is None or target == "data:,":  # the empty favicon: no request
                continue
            assert target in files, f"{page}: {tag} {target} is not a file of the site"
    assert "script-src 'self'" in CSP and "default-src 'none'" in CSP and "unsafe-eval" not in CSP


def test_assets_are_named_by_content(files: dict[str, bytes]) -> None:
    import hashlib

    for path, content in files.items():
        match = re.fullmatch(r"assets/[a-z]+\.([0-9a-f]{10})\.(js|css)", path)
        if match:
            assert hashlib.sha256(content).hexdigest()[:10] == match.group(1)
    assert any(p.startswith("assets/site.") for p in files) and any(p.startswith("assets/data.") for p in files)


def test_open_graph_and_citation(files: dict[str, bytes], dataset) -> None:
    index = files["index.html"].decode()
    assert '<meta property="og:image" content="https://news.example/map/preview.png">' in index
    assert '<meta property="og:url" content="https://news.example/map/index.html">' in index
    assert f"dataset version {dataset.version}" in index
    assert re.search(r"Showing \d+ of 69 features: all dates, crossing Tumen", index)
    assert files["preview.png"] == b"\x89PNG fake"
    # The snippet is shown as text (escaped), pointing at the embed page.
    assert "&lt;iframe src=&#34;https://news.example/map/embed.html&#34;" in index
    embed = files["embed.html"].decode()
    assert 'id="cx-open-full"' in embed and "index.html#crossing=x-tumen-namyang" in embed
    assert "cx-filters" not in embed  # no sidebar


def test_sources_list_has_every_source(files: dict[str, bytes], dataset) -> None:
    index = files["index.html"].decode()
    listed = re.findall(r'<li id="source-([^"]+)">', index)
    assert sorted(listed) == sorted(dataset.sources["id"])


def _payload(files: dict[str, bytes]) -> dict:
    text = next(c for p, c in files.items() if p.startswith("assets/data.")).decode()
    assert text.startswith("window.CrossingsSiteData = ")
    return json.loads(text.removeprefix("window.CrossingsSiteData = ").rstrip().removesuffix(";"))


def test_payload_has_every_feature_with_details_and_sources(files: dict[str, bytes], dataset) -> None:
    payload = _payload(files)
    assert payload["version"] == dataset.version
    assert len(payload["records"]) == dataset.total_features()
    assert set(payload["details"]) == {r["id"] for r in payload["records"]}
    cited = {sid for d in payload["details"].values() for sid in d["sources"]}
    assert cited <= set(payload["sources"])
    assert payload["default"] == {
        "from": None,
        "to": None,
        "crossings": ["x-tumen-namyang"],
        "kinds": [],
        "confidence": "unknown",
    }
    unknown_count = [
        r
        for r in payload["records"]
        if r["layer"] == "crossings" and r["feature"]["properties"]["count_label"].endswith("unknown")
    ]
    assert all(payload["details"][r["id"]]["count"] == "unknown" for r in unknown_count)  # unknown, never 0


def test_every_output_reads_through_public_dataset(monkeypatch, dataset) -> None:
    """The choke point: what public_dataset leaves out is nowhere in the site."""
    # No visibility rules in main yet: every dated layer passes whole; the undated context layers stay out.
    public = public_dataset(dataset)
    assert set(public.layers) == set(dataset.layers) - set(CONTEXT_LAYERS)
    assert all(public.layers[name] is gdf for name, gdf in dataset.layers.items() if name in public.layers)
    assert all(b"rr-" not in content for content in build_site_files(dataset, FilterSpec(), basemap_json()).values())
    hidden = "dc-tumen"
    assert any(
        hidden.encode() in content for content in build_site_files(dataset, FilterSpec(), basemap_json()).values()
    )

    def without_hidden(ds):
        layers = {name: gdf[gdf["id"] != hidden] for name, gdf in ds.layers.items()}
        routes = layers["routes"]  # a hidden place hides its legs too
        layers["routes"] = routes[(routes["from_id"] != hidden) & (routes["to_id"] != hidden)]
        return replace(ds, layers=layers)

    monkeypatch.setattr(geo.site, "public_dataset", without_hidden)
    files = build_site_files(dataset, FilterSpec(), basemap_json())
    assert all(hidden.encode() not in content for content in files.values())
    assert hidden not in json.dumps(site_payload(dataset, FilterSpec()))


def test_a_language_without_catalogs_is_refused(dataset) -> None:
    with pytest.raises(ValueError, match="not available"):
        build_site_files(dataset, FilterSpec(), basemap_json(), lang="fr")


def test_korean_site_has_korean_pages_and_sends_its_words(dataset) -> None:
    files = build_site_files(dataset, FilterSpec(), basemap_json(), lang="ko")
    index = files["index.html"].decode()
    assert '<html lang="ko">' in index
    assert "인용 방법" in index and "How to cite" not in index
    payload = site_payload(dataset, FilterSpec(), "ko")
    assert payload["lang"] == "ko"
    assert payload["messages"]["Minimum confidence"] == "최소 신뢰도"  # site.js's t("Minimum confidence")
    english = build_site_files(dataset, FilterSpec(), basemap_json())["index.html"].decode()
    assert '<html lang="en">' in english and "How to cite" in english


def test_fragment_of_spec() -> None:
    from datetime import date

    spec = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), ("a", "b"), ("arrest",), "single-source")
    assert fragment_of(spec) == "from=2023-10-01&to=2023-10-31&crossing=a,b&kind=arrest&confidence=single-source"
    assert fragment_of(FilterSpec()) == ""


def test_zip_holds_the_folder(files: dict[str, bytes]) -> None:
    archive = zipfile.ZipFile(io.BytesIO(site_zip(files)))
    assert sorted(archive.namelist()) == sorted(f"crossings-site/{p}" for p in files)
    assert archive.read("crossings-site/index.html") == files["index.html"]
    assert site_zip(files) == site_zip(files)  # the same site gives the same bytes


def test_command_line_writes_the_folder(tmp_path, capsys) -> None:
    out = tmp_path / "site"
    code = main(["site", "--out", str(out), "--no-preview", "--crossing", "x-tumen-namyang", "--from", "2023-10-01"])
    assert code == 0, capsys.readouterr()
    assert (out / "index.html").is_file() and (out / "embed.html").is_file()
    assert not (out / "preview.png").exists()
    assert "from=2023-10-01&amp;crossing=x-tumen-namyang" in (out / "embed.html").read_text()


def test_command_line_refuses_bad_input(tmp_path, capsys) -> None:
    assert main(["site", "--out", str(tmp_path / "a"), "--no-preview", "--crossing", "nowhere"]) == 2
    assert "unknown crossing" in capsys.readouterr().err
    assert main(["site", "--out", str(tmp_path / "b"), "--no-preview", "--kind", "party"]) == 2
    assert (
        main(["site", "--out", str(tmp_path / "c"), "--no-preview", "--from", "2024-01-01", "--to", "2023-01-01"]) == 2
    )
    assert main(["site", "--out", str(DATA_DIR / "site"), "--no-preview"]) == 2
    assert not (DATA_DIR / "site").exists()
    with pytest.raises(SystemExit):
        main(["site", "--out", str(tmp_path / "d"), "--lang", "fr"])  # no catalogs for it
