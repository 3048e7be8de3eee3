"""The Data, Crossing profiles, Sources, Import and About pages in Korean (`?lang=ko`): no interface English.

What a Korean reader may still see in Latin letters, and why:
- data: names, notes, outlets and titles of the dataset that have no Korean (the brief: data is shown as it is);
- ids, codes, field names, file names and formats (x-tumen-namyang, S10, count_low, GeoJSON, `python -m geo`);
- proper nouns and acronyms (Crossings, TJWG, NKDB, UN, Natural Earth, GeoNames, Leaflet, licences' names);
- messages of other areas of the interface not translated yet in this branch (the sidebar filters, the filter
  sentence, the footer, the details panel: other helpers' catalogs). They are found from the catalog itself
  (`geo.messages.missing`), so the allowance ends by itself once those messages are translated;
- Streamlit's own words that the app cannot translate (the file uploader's "Browse files", "Drag and drop
  file here", "Limit … per file"): they are not in the element tree AppTest reads, so nothing is allowed for them.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.io import load_dataset
from geo.messages import missing
from tests.korean_text import dataset_texts

TIMEOUT = 60
APP = Path(__file__).resolve().parents[1] / "app.py"
MINE = (
    "views/data.py",
    "views/crossing.py",
    "views/sources.py",
    "views/about.py",
    "views/import_data.py",
    "geo/ui/downloads.py",
    "geo/ui/site_download.py",
    "geo/table.py",
    "geo/profile.py",
    "geo/sources.py",
    "geo/export.py",
    "geo/upload.py",
    "geo/upload_read.py",
    "geo/upload_values.py",
    "geo/schema.py",
)
PROPER = {
    "crossings",
    "tjwg",
    "nkdb",
    "mss",
    "un",
    "openstreetmap",
    "geojson",
    "geopackage",
    "gpkg",
    "csv",
    "kml",
    "json",
    "zip",
    "utf",
    "wgs",
    "epsg",
    "iso",
    "natural",
    "earth",
    "gshhg",
    "wdbii",
    "geonames",
    "leaflet",
    "bsd",
    "clause",
    "lgpl",
    "or",
    "later",
    "cc",
    "by",
    "sha",
    "utc",
    "nan",
    "infinity",
    "python",
    "geo",
    "export",
    "validate",
    "data",
    "sources",
    "manifest",
    "static",
    "vendor",
    "readme",
    "md",
    "org",
    "facts",
    "html",
    "index",
    "site",
    "iframe",
    "src",
    "https",
    "example",
    "embed",
    "title",
    "map",
    "forced",
    "repatriation",
    "width",
    "height",
    "style",
    "border",
    "max",
    "loading",
    "lazy",
    "referrerpolicy",
    "no",
    "referrer",
    "of",
    "north",
    "koreans",
    "from",
    "china",
    "wessel",
    "smith",
    "economist",
    "daily",
    "nk",
    "tumen",
    "inferred",
    "gdal",
    "ogr",
    "srs",
    "out",
    "in",
    "yyyy",
    "mm",
    "dd",
    "id",
    "ids",
    "vsi",
    "fid",
    "excel",
    "sqlite",
    "binary",
    "nocase",
    "rtrim",
    "point",
    "linestring",
    "geometrycollection",
    "polygon",
    "featurecollection",
    "feature",
    "www",
    "com",
    "net",
    "kr",
    "gov",
    "int",
    "txt",
    "cdn",
    # the example file's own column names and codes, offered as options of the column mapping (data, not words)
    "latitude",
    "longitude",
    "kind",
    "auto",
    "approximate",
    "upload",
    "low",
    "start",
}
# Elements written by other areas' code that does not mark its words yet (the map helper's filter sentence and
# place search, the entrypoint's footer): their text starts like this. Remove an entry when that area is done.
OTHER_AREAS = (
    "**Showing ",  # geo/filters.py describe_view (the filter sentence)
    "**Data:** ",  # geo/ui/widgets.py render_footer
    "Find a place",  # geo/ui/search_box.py
    "English, Korean or Chinese names",  # geo/ui/search_box.py (help)
    "Tumen, Domun,",  # geo/ui/search_box.py (placeholder)
)
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")
CODE = re.compile(
    r"`[^`]*`|https?://\S+|\b[\w.-]+\.(?:py|md|csv|json|geojson|gpkg|zip|html|txt)\b|\b\w+_\w+\b|\b[a-z]+-[a-z-]+\b"
)


@cache
def allowed_words() -> frozenset[str]:
    """Words of the dataset's text (names, notes, sources) and of other areas' untranslated messages."""
    texts = dataset_texts(load_dataset())
    texts.extend(m.id for m in missing("ko") if m.where.split(":")[0] not in MINE)
    return frozenset(w.casefold() for text in texts for w in WORD.findall(text)) | PROPER


def visible_text(at: AppTest) -> list[str]:
    """The text of the page's main area as a reader sees it: markdown, captions, alerts, labels, help, options."""
    found: list[str] = []

    def walk(node) -> None:
        if getattr(node, "type", None) == "html" and str(node.value).lstrip().startswith(("<script", "<style")):
            return  # code the page runs (geo/ui/phone.py), not text a reader sees
        for attribute in ("value", "label", "help", "placeholder"):
            try:
                value = getattr(node, attribute)
            except Exception:
                continue
            if isinstance(value, str):
                found.append(value)
        for option in getattr(node, "options", None) or []:
            if isinstance(option, str):
                found.append(option)
        for child in (
            getattr(node, "children", {}).values() if isinstance(getattr(node, "children", None), dict) else []
        ):
            walk(child)

    walk(at.main)
    return found


def english_left(at: AppTest) -> list[str]:
    allowed = allowed_words()
    left = []
    for text in visible_text(at):
        if text.startswith(OTHER_AREAS):
            continue
        for word in WORD.findall(CODE.sub(" ", text.replace("\\", ""))):
            if word.casefold() not in allowed:
                left.append(f"{word!r} in {text[:90]!r}")
    return left


def korean_page(page: str, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "ko"
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_data_page_in_korean_has_no_interface_english():
    at = korean_page("views/data.py")
    text = "\n".join(visible_text(at))
    assert "## 데이터" in text and "지금 보이는 그대로 내려받기" in text
    assert english_left(at) == []
    table = next(d.value for d in at.dataframe if "Location precision" in d.value.columns)
    assert "단일 출처" in set(table["Confidence"])  # the code's word; the frame's columns keep their names


def test_crossing_profile_in_korean_shows_korean_names_and_no_interface_english():
    at = korean_page("views/crossing.py", {"profile": "x-tumen-namyang"})
    text = "\n".join(visible_text(at))
    assert "### 도문–남양" in text  # name_ko where the data has it
    assert "2023년 10월 9일 보고된 인원" in text
    assert english_left(at) == []


def test_sources_page_in_korean_has_no_interface_english():
    at = korean_page("views/sources.py")
    assert english_left(at) == []
    assert any("모든 행이 검증을 통과" in s.value for s in at.success)


def test_about_page_in_korean_keeps_every_fact_and_source():
    at = korean_page("views/about.py")
    text = "\n".join(visible_text(at))
    for fact in (
        "2023년 10월 9일",
        "500–600명",
        "전환기정의워킹그룹",
        "약 300",
        "The Economist",
        "CC BY 4.0",
        "GSHHG 2.3.7",
    ):
        assert fact in text, fact
    assert english_left(at) == []


def test_import_page_in_korean_gives_the_reason_with_row_and_field():
    at = korean_page("views/import_data.py")
    assert english_left(at) == []
    at.button(key="import-example").click().run()
    assert not at.exception
    report = next(d.value for d in at.dataframe if "Reason" in d.value.columns)
    by_field = {(row["Where"], row["Field"]): row["Reason"] for _, row in report.iterrows()}
    assert by_field[("3행", "count_low")].startswith("count_low 'NA'은(는) 정수(숫자만)가 아닙니다")
    assert "모호합니다" in by_field[("4행", "date_start")]
    assert english_left(at) == []
