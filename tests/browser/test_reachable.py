"""Nothing hidden, everything reachable: every feature the map draws can be seen and clicked (no
symbol or label on top of it), at the default view and in every presenter scene, and a keyboard
alone opens a crossing's details. Screenshots go to artifacts/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from geo.io import load_dataset
from geo.presenter import presenter_payload
from geo.scenes import load_scenes
from tests.browser.conftest import MAP_FRAME, RequestLog, close_context, open_page, screenshot, wait_for_map

pytestmark = pytest.mark.browser

USED_CROSSINGS = {
    "Dandong–Sinuiju",
    "Tumen–Namyang (Onsong County)",
    "Changbai–Hyesan",
    "Nanping (Helong)–Musan",
    "Hunchun–Kyongwon",
}
SIZES = [(1280, 720), (1366, 768), (1920, 1080)]

# For each feature drawn in the map frame: can a pointer reach it? A point symbol is reachable when
# the element at its centre belongs to it (not to another symbol, a label or a control); a leg when
# the element at some point along it is its hit line, or the chip shown beside a leg too short to
# see is reachable. Nothing outside the map's box counts as seen.
REACHABLE = "\n".join(
    line for line in (Path(__file__).parent / "reachable.js").read_text().splitlines() if not line.startswith("//")
)


def unreachable(result: dict) -> dict[str, str]:
    return {f["name"]: f["by"] for f in result["features"].values() if not f["reachable"]}


def map_frame(page: Page):
    return next(f for f in page.frames if f != page.main_frame and f.evaluate("() => !!window.map"))


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768), (1440, 900), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_feature_at_the_default_view_can_be_seen_and_clicked(
    browser: Browser, app_url: str, requests_log: RequestLog, size
) -> None:
    page = open_page(browser, requests_log, *size)
    try:
        page.goto(app_url)
        wait_for_map(page)
        frame = page.frame_locator(MAP_FRAME)
        # Laid out: the symbols sharing the Dandong–Sinuiju crossing's place have moved aside.
        expect(frame.locator(".cx-icon.cx-moved").first).to_be_attached()
        page.wait_for_timeout(500)  # the labels' second layout pass (map.js refreshLabels)
        result = map_frame(page).evaluate(REACHABLE)
        screenshot(page, f"map-default-{size[0]}x{size[1]}")
        assert unreachable(result) == {}
        # The whole map, its legend button included, is above the fold.
        frame_box = page.locator(MAP_FRAME).bounding_box()
        assert frame_box is not None and frame_box["y"] + frame_box["height"] <= size[1]
        legend_button = frame.locator(".cx-legend-toggle").bounding_box()
        assert legend_button is not None and legend_button["y"] + legend_button["height"] <= size[1]
        # Every feature the layer control counts (in the layers shown) is drawn and reachable, and the
        # sentence under the filters says that many are on the map.
        assert len(result["features"]) == result["listed"] >= 30
        expect(page.get_by_text(f"{result['listed']} of them on the map", exact=False)).to_be_visible()
    finally:
        close_context(page.context)


def test_a_filtered_view_hides_no_feature_under_a_label(page: Page, app_url: str) -> None:
    """The researcher's view: the Tumen–Namyang label once covered the MSS holding centre in Onsong."""
    page.goto(f"{app_url}/?crossing=x-tumen-namyang&dates=2023-08-01&dates=2023-12-31")
    wait_for_map(page)
    page.wait_for_timeout(500)
    result = map_frame(page).evaluate(REACHABLE)
    assert unreachable(result) == {}
    assert len(result["features"]) == result["listed"] == 5


@pytest.fixture(scope="module")
def scene_features() -> dict[str, set[str]]:
    dataset = load_dataset()
    payload = presenter_payload(dataset, load_scenes(dataset).scenes)
    drawn = {}
    for scene in payload["scenes"]:
        drawn[scene["id"]] = {
            fid
            for _, layer, ids in scene["groups"]
            for fid in ids
            if payload["features"].get(layer, {}).get(fid, {}).get("geometry")
        }
    return drawn


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_feature_of_every_scene_is_on_screen_and_reachable(
    browser: Browser, app_url: str, requests_log: RequestLog, scene_features, size
) -> None:
    page = open_page(browser, requests_log, *size)
    try:
        for scene_id, expected in scene_features.items():
            page.goto(f"{app_url}/presenter?scene={scene_id}")
            # The frame reaches the window's height after the first draw, and the scene is fitted again
            # (presenter.js waits 120 ms for the resizing to end, then marks the scene once it settles).
            page.wait_for_function(
                f"""() => {{ const f = document.querySelector('{MAP_FRAME}');
                  return f && f.contentWindow.map && f.contentWindow.map.getSize().y === window.innerHeight; }}"""
            )
            page.wait_for_timeout(300)
            page.frame_locator(MAP_FRAME).locator(f'html[data-cx-scene="{scene_id}"]').wait_for(state="attached")
            frame = map_frame(page)
            result = frame.evaluate(REACHABLE)
            screenshot(page, f"presenter-{scene_id}-{size[0]}x{size[1]}")
            assert unreachable(result) == {}, scene_id
            assert set(result["features"]) == expected, scene_id
            # Every name on the map (crossing labels, the short labels) is whole inside the map.
            cut = frame.evaluate(
                """() => { const box = map.getContainer().getBoundingClientRect();
                  return [...document.querySelectorAll('.cx-label, .cx-pr-label:not(.cx-pr-probe)')]
                    .filter((e) => { const r = e.getBoundingClientRect();
                      return r.left < box.left || r.top < box.top || r.right > box.right || r.bottom > box.bottom; })
                    .map((e) => e.innerText); }"""
            )
            assert cut == [], scene_id
    finally:
        close_context(page.context)


def test_tab_and_enter_open_a_crossing_with_a_visible_focus_ring(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    page.locator(MAP_FRAME).focus()
    frame = map_frame(page)
    reached = []
    for _ in range(8):
        page.keyboard.press("Tab")
        title = frame.evaluate("() => document.activeElement && document.activeElement.getAttribute('title')")
        if title:
            reached.append(title)
        if len(reached) == 5:
            break
    # The five crossings of 9 Oct come first, before any other symbol or leg.
    assert set(reached) == USED_CROSSINGS, reached
    ring = frame.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert ring[0] == "solid" and ring[1] >= 2
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=reached[-1])).to_be_visible()
    expect(page).to_have_url(re.compile(r"feature=x-"))
    # The rerun keeps the symbols whose rows did not change, so the focus stays on the one just opened and
    # the keyboard goes on from there: Shift+Tab reaches the crossing before it, and Space selects too.
    active = "() => document.activeElement && document.activeElement.getAttribute('title')"
    assert frame.evaluate(active) == reached[-1]
    page.keyboard.press("Shift+Tab")
    before = frame.evaluate(active)
    assert before == reached[-2]
    page.keyboard.press(" ")
    expect(page.get_by_role("heading", name=before)).to_be_visible()


def test_a_hidden_layer_stays_hidden_after_the_next_click(page: Page, app_url: str) -> None:
    page.goto(app_url)
    wait_for_map(page)
    frame = page.frame_locator(MAP_FRAME)
    events = frame.locator(".cx-icon[data-fid^='ev-']")
    expect(events).to_have_count(6)
    frame.locator(".leaflet-control-layers").hover()
    frame.locator(".leaflet-control-layers-overlays label", has_text="Events with a place").click()
    expect(events).to_have_count(0)
    page.mouse.move(10, 10)
    frame.locator('.cx-icon[title="Changbai–Hyesan"]').click()
    expect(page.get_by_role("heading", name="Changbai–Hyesan")).to_be_visible()
    page.wait_for_timeout(500)  # the rerun's new data groups have arrived
    expect(events).to_have_count(0)
    expect(frame.locator(".cx-icon[data-fid^='dc-']").first).to_be_visible()
