"""The map page in Korean in a real browser (issue 17): the page and the map's iframe (legend, layer control,
labels, a crossing's tooltip) speak Korean, and no interface English remains."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from geo.i18n import use_language
from geo.io import DATA_DIR, load_dataset
from geo.vocab import kind_label
from tests.browser.conftest import MAP_FRAME, screenshot, wait_for_idle, wait_for_map
from tests.test_map_korean import ALLOWED, LATIN_WORD, data_words, english_words

pytestmark = pytest.mark.browser

# Also allowed in the browser: what the basemap and Leaflet show that is not the app's wording.
BROWSER_ALLOWED = {
    "Skip",  # Streamlit's own "Skip to main content" link (keyboard users), which the app cannot translate
    "to",
    "main",
    "content",
    "Leaflet",  # the attribution link of the map library
    "km",  # the scale bar's units (Leaflet's own control)
    "mi",
    "ft",
    "m",
}


def basemap_words() -> set[str]:
    """Names of the basemap's towns, rivers and countries (data: those without a Korean name show in English)."""
    words: set[str] = set()
    for path in (DATA_DIR / "basemap").glob("*.geojson"):
        for feature in json.loads(path.read_text(encoding="utf-8"))["features"]:
            for key, value in feature["properties"].items():
                if key.startswith("name") and isinstance(value, str):
                    words.update(LATIN_WORD.findall(value))
    return words


def test_map_page_in_korean(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?lang=ko")
    wait_for_map(page)
    wait_for_idle(page)
    frame = page.frame_locator(MAP_FRAME)
    legend = frame.locator(".cx-legend")
    if legend.locator(".cx-legend-toggle").get_attribute("aria-expanded") != "true":
        legend.locator(".cx-legend-toggle").click()
    expect(legend.locator(".cx-legend-body")).to_be_visible()
    # Tumen, a crossing of 9 October, is named by its permanent label (its tooltip on the map).
    tumen = frame.locator(".cx-label", has_text="도문")
    expect(tumen.first).to_be_visible()
    tumen_text = tumen.first.inner_text()
    assert "도문–남양" in tumen_text and "10월 9일" in tumen_text, tumen_text
    # Another place's hover tooltip (Leaflet opens it on keyboard focus too).
    frame.locator('.cx-icon[data-fid="dc-tumen"]').focus()
    tooltip = frame.locator(".cx-tooltip")
    expect(tooltip.first).to_be_visible()
    tooltip_text = tooltip.first.inner_text()
    with use_language("ko"):
        kind = kind_label("detention_centre")
    assert kind in tooltip_text and "클릭하면" in tooltip_text, tooltip_text
    path = screenshot(page, "map-ko-1440x900")
    assert path.exists()
    frame.locator(".leaflet-control-layers").hover()  # the layer control's group titles
    expect(frame.locator(".leaflet-control-layers-list")).to_be_visible()
    screenshot(page, "map-ko-layers-1440x900")

    # What a person reads: icon ligatures (Material icon names drawn as glyphs) are not words on the page.
    page_text = page.evaluate(
        """() => { const copy = document.body.cloneNode(true);
                   copy.querySelectorAll('[data-testid*="Icon"], iframe').forEach((e) => e.remove());
                   document.body.appendChild(copy); copy.style.position = 'absolute';
                   const text = copy.innerText; copy.remove(); return text; }"""
    )
    frame_text = frame.locator("body").inner_text()
    for korean in ("필터", "빠른 기간 선택", "중국 내 탈북민 강제송환", "전체 ", "상세 정보"):
        assert korean in page_text, korean
    for korean in (
        "범례",
        "장소",
        "2023년 10월 9일 사용된 통과 지점",
        "신뢰도 (채우기)",
        "중국–북한 국경",
        "도문–남양",
    ):
        assert korean in frame_text, korean
    assert frame.locator(".cx-legend").get_attribute("aria-label") == "지도 범례"
    labels = frame.locator(".cx-label").all_inner_texts()
    assert any("도문–남양" in label and "10월 9일" in label for label in labels), labels

    allowed = ALLOWED | BROWSER_ALLOWED | data_words(load_dataset()) | basemap_words()
    assert english_words([page_text], allowed) == []
    assert english_words([frame_text, tooltip_text], allowed) == []
