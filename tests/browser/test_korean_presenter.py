"""The presenter in Korean (?lang=ko) at 1440×900 and 1280×720: Korean captions and controls, the visible text
of the caption bar collected and checked for interface English, the bar inside the window. Screenshots go to
artifacts/screenshots/ (presenter-ko-*.png, timeline-ko.png).

Allowed in Latin letters: source ids and outlets (data), the dataset version, Crossings (the tool's name) and
acronyms (TJWG, NKDB, HRW, RFA), 'Jangchun Prison' (a quoted name of uncertain transliteration), The Economist."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from geo.io import load_dataset
from geo.scenes import load_scenes
from tests.browser.conftest import MAP_FRAME, RequestLog, close_context, open_page, screenshot, wait_for_scene

pytestmark = pytest.mark.browser

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’.-]*")
ALLOWED = {"Crossings", "TJWG", "NKDB", "HRW", "RFA", "UN", "Jangchun", "Prison", "The", "Economist"}


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


def allowed_words(dataset) -> set[str]:
    words = set(ALLOWED)
    for record in dataset.sources.to_dict("records"):
        for key in ("id", "outlet", "publisher"):
            words.update(LATIN_WORD.findall(str(record.get(key) or "")))
    return words


@pytest.mark.parametrize("size", [(1440, 900), (1280, 720)])
def test_the_presenter_in_korean(browser: Browser, app_url: str, dataset, size) -> None:
    log = RequestLog()
    page = open_page(browser, log, *size)
    try:
        scenes = load_scenes(dataset).scenes
        page.goto(f"{app_url}/presenter?lang=ko")
        wait_for_scene(page, scenes[0].id)
        frame = page.frame_locator(MAP_FRAME)
        allowed = allowed_words(dataset)
        for position, scene in enumerate(scenes):
            if position:
                page.keyboard.press("ArrowRight")
                wait_for_scene(page, scene.id)
            bar = frame.locator(".cx-pr-bar")
            title, caption = scene.translations["ko"]
            expect(bar.locator(".cx-pr-title")).to_have_text(title)
            expect(bar.locator(".cx-pr-caption")).to_have_text(caption)
            expect(bar.locator(".cx-pr-sources")).to_contain_text("출처:")
            expect(bar.locator(".cx-pr-next")).to_have_attribute("aria-label", "다음 장면")
            expect(frame.locator("html .cx-presenter")).to_have_attribute("lang", "ko")
            text = bar.inner_text().replace(dataset.version, " ")
            leftover = [w for w in LATIN_WORD.findall(text) if w not in allowed and w.strip(".-'’") not in allowed]
            assert leftover == [], (scene.id, leftover)
            # The bar fits: inside the window and nothing cut off at its right edge.
            box = bar.bounding_box()
            assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= size[1] + 1
            overflow = bar.evaluate("b => b.scrollWidth - b.clientWidth")
            assert overflow <= 1
            if scene.id in ("held", "since-then"):
                screenshot(page, f"presenter-ko-{scene.id}-{size[0]}x{size[1]}")
        # The controls under the map: the scene picker and the downloads in Korean.
        expect(page.get_by_role("button", name="브리핑 (HTML)")).to_be_attached()
        expect(page.get_by_role("button", name="그림 (PNG)")).to_be_attached()
        assert log.blocked == []
    finally:
        close_context(page.context)


def test_the_timeline_in_korean(browser: Browser, app_url: str) -> None:
    log = RequestLog()
    page = open_page(browser, log, 1440, 900)
    try:
        page.goto(f"{app_url}/timeline?lang=ko")
        expect(page.get_by_text("현재 기간의 사건")).to_be_visible()
        frame = page.frame_locator(MAP_FRAME)
        expect(frame.locator(".cx-rp-play")).to_contain_text("재생")
        expect(frame.locator(".cx-rp-count")).to_contain_text("단계")
        screenshot(page, "timeline-ko")
        page.locator(MAP_FRAME).scroll_into_view_if_needed()
        screenshot(page, "timeline-ko-replay")
    finally:
        close_context(page.context)
