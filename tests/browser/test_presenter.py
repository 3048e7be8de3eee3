"""Presenter mode as a presenter uses it at 1280×720: every scene stepped by keyboard with no rerun,
the URL naming the scene, the downloads, and the standalone briefing opened from a file with all
network blocked. Screenshots of every scene go to artifacts/screenshots/."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect

from geo.briefing import basemap_json, build_briefing_html
from geo.io import load_dataset
from geo.scenes import load_scenes
from tests.browser.conftest import MAP_FRAME, RequestLog, close_context, open_page, screenshot, wait_for_scene

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 1280, 720
SCENE_IDS = ["the-border", "held", "oct-9-convoys", "five-crossings", "since-then"]


@pytest.fixture(scope="module")
def scenes():
    return load_scenes(load_dataset()).scenes


@pytest.fixture
def presenter(browser: Browser, requests_log: RequestLog):
    page = open_page(browser, requests_log, WIDTH, HEIGHT)
    yield page
    close_context(page.context)


def frame(page: Page) -> FrameLocator:
    return page.frame_locator(MAP_FRAME)


def test_every_scene_by_keyboard_without_a_rerun(presenter: Page, app_url: str, requests_log, scenes) -> None:
    assert [s.id for s in scenes] == SCENE_IDS
    presenter.goto(f"{app_url}/presenter")
    wait_for_scene(presenter, scenes[0].id)
    map_frame = frame(presenter)
    # The map fills the window; no sidebar, no header.
    box = presenter.locator(MAP_FRAME).bounding_box()
    assert box is not None and (round(box["x"]), round(box["y"])) == (0, 0)
    assert (round(box["width"]), round(box["height"])) == (WIDTH, HEIGHT)
    expect(presenter.get_by_test_id("stSidebar")).to_be_hidden()
    presenter.evaluate(f"() => {{ document.querySelector('{MAP_FRAME}').contentWindow.__cxMarker = 'same'; }}")

    keys = ["ArrowRight", "PageDown", "ArrowRight", "PageDown"]
    for position, scene in enumerate(scenes):
        if position:
            presenter.keyboard.press(keys[position - 1])
            wait_for_scene(presenter, scene.id)
        bar = map_frame.locator(".cx-pr-bar")
        expect(bar.locator(".cx-pr-title")).to_have_text(scene.title)
        expect(bar.locator(".cx-pr-caption")).to_have_text(scene.caption)
        expect(bar.locator(".cx-pr-count")).to_have_text(f"{position + 1} / {len(scenes)}")
        for sid in scene.source_ids:
            expect(bar.locator(".cx-pr-sources")).to_contain_text(sid)
        expect(map_frame.locator(".cx-legend")).to_be_visible()
        assert map_frame.locator(".cx-icon").count() > 0
        assert f"scene={scene.id}" in presenter.url
        screenshot(presenter, f"presenter-{position + 1}-{scene.id}-{WIDTH}x{HEIGHT}")

    # Clickers send Page Up for "back"; Home and End jump.
    presenter.keyboard.press("PageUp")
    wait_for_scene(presenter, scenes[-2].id)
    presenter.keyboard.press("Home")
    wait_for_scene(presenter, scenes[0].id)
    presenter.keyboard.press("End")
    wait_for_scene(presenter, scenes[-1].id)
    marker = presenter.evaluate(f"() => document.querySelector('{MAP_FRAME}').contentWindow.__cxMarker")
    assert marker == "same", "stepping through the scenes reran the page and remounted the map"
    assert requests_log.blocked == [], f"requests left localhost: {requests_log.blocked}"


def test_keys_also_work_with_the_focus_in_the_map(presenter: Page, app_url: str) -> None:
    presenter.goto(f"{app_url}/presenter")
    wait_for_scene(presenter, SCENE_IDS[0])
    frame(presenter).locator(".cx-pr-title").click()  # focus inside the map frame
    presenter.keyboard.press("ArrowRight")
    wait_for_scene(presenter, SCENE_IDS[1])
    frame(presenter).locator(".cx-pr-prev").click()
    wait_for_scene(presenter, SCENE_IDS[0])


def test_a_scene_opens_from_its_url(presenter: Page, app_url: str) -> None:
    presenter.goto(f"{app_url}/presenter?scene=five-crossings")
    wait_for_scene(presenter, "five-crossings")
    map_frame = frame(presenter)
    expect(map_frame.locator(".cx-pr-title")).to_have_text("The five crossings")
    expect(map_frame.locator(".cx-label")).to_have_count(5)
    # The legend explains only what the scene draws.
    legend = map_frame.locator(".cx-legend")
    expect(legend).to_contain_text("Crossing used on 9 Oct 2023")
    expect(legend.get_by_text("Detention centre (China)")).to_be_hidden()


def test_downloads_give_a_briefing_and_a_figure(presenter: Page, app_url: str) -> None:
    presenter.goto(f"{app_url}/presenter?scene=held")
    wait_for_scene(presenter, "held")
    with presenter.expect_download() as download:
        presenter.get_by_role("button", name="Figure (PNG)").click()
    data = Path(download.value.path()).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and struct.unpack(">II", data[16:24]) == (1920, 1080)
    assert download.value.suggested_filename.startswith("crossings-held-")
    with presenter.expect_download() as download:
        presenter.get_by_role("button", name="Briefing (HTML)").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "CrossingsPresenter.mount" in text


def test_the_briefing_file_works_with_all_network_blocked(browser: Browser, tmp_path: Path, scenes) -> None:
    dataset = load_dataset()
    path = tmp_path / "briefing.html"
    path.write_text(build_briefing_html(dataset, scenes, basemap_json()), encoding="utf-8")
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
    requested: list[str] = []

    def only_the_file(route) -> None:
        url = route.request.url
        requested.append(url)
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_the_file)
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        page.goto(path.as_uri() + "#oct-9-convoys")
        page.locator('html[data-cx-scene="oct-9-convoys"]').wait_for(state="attached")
        expect(page.locator(".cx-legend")).to_be_visible()
        expect(page.locator(".cx-legend")).to_contain_text("Inferred: no source states it")
        expect(page.locator(".cx-country").first).to_be_attached()  # the offline basemap
        expect(page.locator(".leaflet-overlay-pane path").first).to_be_attached()
        expect(page.locator(".cx-label", has_text="Tumen–Namyang")).to_be_visible()
        assert page.locator(".cx-icon").count() >= 10
        expect(page.locator(".cx-pr-title")).to_have_text("9 October 2023: the convoys")
        screenshot(page, f"briefing-offline-oct-9-convoys-{WIDTH}x{HEIGHT}")
        page.keyboard.press("PageDown")
        page.locator('html[data-cx-scene="five-crossings"]').wait_for(state="attached")
        assert page.url.endswith("#five-crossings")
        page.keyboard.press("End")
        page.locator('html[data-cx-scene="since-then"]').wait_for(state="attached")
        expect(page.locator(".cx-pr-title")).to_have_text("Since then")
        screenshot(page, f"briefing-offline-since-then-{WIDTH}x{HEIGHT}")
    finally:
        close_context(context)
    assert [url for url in requested if not url.startswith(("file:", "data:"))] == []


def test_the_clicker_still_steps_after_the_scene_picker_is_used(presenter: Page, app_url: str) -> None:
    """A pick reruns the page with the focus left in the picker: the mounted map flies to the scene (no
    remount, no flash) and Page Down (a clicker) must still step."""
    presenter.goto(f"{app_url}/presenter")
    wait_for_scene(presenter, "the-border")
    presenter.evaluate(f"() => {{ document.querySelector('{MAP_FRAME}').contentWindow.__cxMarker = 'same'; }}")
    picker = presenter.get_by_role("combobox", name="Scene")
    picker.click()
    presenter.keyboard.type("The five")
    presenter.keyboard.press("Enter")
    wait_for_scene(presenter, "five-crossings")
    expect(presenter.locator(MAP_FRAME)).to_have_count(1)
    marker = presenter.evaluate(f"() => document.querySelector('{MAP_FRAME}').contentWindow.__cxMarker")
    assert marker == "same", "a pick in the scene picker remounted the map"
    assert "scene=five-crossings" in presenter.url
    presenter.keyboard.press("PageDown")
    wait_for_scene(presenter, "since-then")
    # The map is back in view (Streamlit scrolls its main block, not the window).
    box = presenter.locator(MAP_FRAME).bounding_box()
    assert box is not None and round(box["y"]) == 0, box
