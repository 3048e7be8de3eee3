"""The Timeline page in a real browser: brushing sets the shared date filter (sentence, URL, map
page), and the replay of 9 October 2023 steps stage by stage with the keyboard, offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import FrameLocator, Page, expect

from geo.io import load_dataset
from geo.replay import replay_payload
from tests.browser.conftest import MAP_FRAME, screenshot, wait_for_map

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dataset():
    return load_dataset()


@pytest.fixture(scope="module")
def payloads(dataset) -> dict[str, dict]:
    return {set_id: replay_payload(dataset, set_id) for set_id in ("oct9", "months")}


def open_timeline(page: Page, app_url: str) -> None:
    # Through the map page and the navigation, as a person does (and as the app's first load needs).
    page.goto(app_url)
    wait_for_map(page)
    page.get_by_role("link", name="Timeline", exact=True).first.click()
    expect(page.get_by_role("heading", name="Timeline", exact=True)).to_be_visible()
    page.locator(".st-key-timeline-chart .vega-embed").wait_for(state="visible")


def replay_iframe(set_id: str) -> str:
    # Each replay sits in its own keyed container: while the page switches replays, the old
    # map's iframe lingers for a moment, and this keeps the locator on the new one.
    return f".st-key-replay-map-{set_id} {MAP_FRAME}"


def replay_frame(page: Page, set_id: str) -> FrameLocator:
    """The replay's frame, once it is the only map in its container and its control is drawn."""
    page.wait_for_function(
        """([selector, setId]) => {
             const frames = document.querySelectorAll(selector);
             if (frames.length !== 1 || !frames[0].contentDocument) return false;
             return !!frames[0].contentDocument.querySelector(`.cx-rp[data-set="${setId}"][data-stage-index="0"]`);
           }""",
        arg=[replay_iframe(set_id), set_id],
    )
    page.locator(replay_iframe(set_id)).scroll_into_view_if_needed()
    return page.frame_locator(replay_iframe(set_id))


def drawn_points(payload: dict, stage: dict) -> int:
    return sum(1 for fid in stage["drawn_ids"] if payload["features"][fid]["feature"]["geometry"]["type"] == "Point")


def check_stage(frame: FrameLocator, payload: dict, index: int) -> None:
    """The caption and the drawn layers are those of the stage, as built by geo.replay."""
    stage = payload["stages"][index]
    control = frame.locator(".cx-rp")
    expect(control).to_have_attribute("data-stage", stage["id"])
    expect(frame.locator(".cx-rp-title")).to_have_text(stage["title"])
    lines = frame.locator(".cx-rp-lines li")
    expect(lines).to_have_count(len(stage["lines"]))
    for position, line in enumerate(stage["lines"]):
        expect(lines.nth(position)).to_contain_text(line["text"])
        expect(lines.nth(position)).to_have_attribute("data-evidence", line["evidence"] or "")
        for sid in line["source_ids"]:
            expect(lines.nth(position)).to_contain_text(sid)
    sources = frame.locator(".cx-rp-sources")
    for sid in stage["source_ids"]:
        expect(sources).to_contain_text(f"{sid} {payload['sources'][sid]}")
    # One DOM marker per point feature drawn so far; one halo per point new at this stage.
    expect(frame.locator(".cx-icon")).to_have_count(drawn_points(payload, stage))
    current_points = [
        fid for fid in stage["feature_ids"] if payload["features"][fid]["feature"]["geometry"]["type"] == "Point"
    ]
    expect(frame.locator("path.cx-rp-halo")).to_have_count(len(current_points))
    # A permanent label per crossing of 9 Oct drawn, and none left over from an earlier stage.
    labelled = [fid for fid in stage["drawn_ids"] if payload["features"][fid]["feature"]["properties"].get("used")]
    expect(frame.locator(".cx-label")).to_have_count(len(labelled))
    expect(control).to_have_attribute("data-drawn", str(len(stage["drawn_ids"])))


def replay_state(page: Page, set_id: str) -> dict:
    handle = page.locator(replay_iframe(set_id)).element_handle()
    return handle.content_frame().evaluate("() => window.CrossingsReplay.state()")


def test_timeline_brush_sets_the_shared_date_filter(page: Page, app_url: str, requests_log, dataset) -> None:
    everything = f"Showing {dataset.total_features()} of {dataset.total_features()} features"
    open_timeline(page, app_url)
    expect(page.get_by_text(everything, exact=False)).to_be_visible()
    screenshot(page, "timeline-1440x900")
    plot = page.locator(".st-key-timeline-chart .vega-embed canvas, .st-key-timeline-chart .vega-embed svg.marks")
    box = plot.first.bounding_box()
    assert box is not None
    y = box["y"] + box["height"] * 0.45
    page.mouse.move(box["x"] + box["width"] * 0.60, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.66, y, steps=4)
    page.mouse.move(box["x"] + box["width"] * 0.72, y, steps=4)
    page.mouse.up()
    # The sentence, the date widget and the URL follow the brushed period.
    expect(page.get_by_text(everything, exact=False)).to_have_count(0)
    sentence = page.get_by_text("Showing ", exact=False).first.inner_text()
    expect(page).to_have_url(re.compile(r"dates=.*dates="))
    dates = page.url.split("dates=")[1:]
    assert len(dates) == 2 and all(d[:4] in ("2023", "2024") for d in dates), page.url
    first, last = (d.split("&")[0] for d in dates)
    assert first < last
    assert sentence.startswith("Showing ") and "1986" not in sentence
    screenshot(page, "timeline-brushed-1440x900")
    # The map page shows the same range, and its strip says where it sits.
    page.get_by_role("link", name="Map", exact=True).first.click()
    wait_for_map(page)
    expect(page.get_by_text(sentence, exact=True)).to_be_visible()
    expect(page.locator(".st-key-timeline-strip")).to_contain_text("Timeline: ")
    assert requests_log.blocked == [], f"requests left localhost: {requests_log.blocked}"


def test_replay_of_9_october_steps_with_the_keyboard(page: Page, app_url: str, requests_log, payloads) -> None:
    payload = payloads["oct9"]
    open_timeline(page, app_url)
    frame = replay_frame(page, "oct9")
    check_stage(frame, payload, 0)
    expect(frame.locator(".cx-rp-prev")).to_be_disabled()
    screenshot(page, "replay-stage1-detention-centres-1440x900")
    frame.locator(".cx-rp-title").click()  # focus the map's frame, as a presenter clicks the map
    for index in range(1, len(payload["stages"])):
        page.keyboard.press("ArrowRight")
        check_stage(frame, payload, index)
        if payload["stages"][index]["id"] == "crossings":
            for label in ("Dandong–Sinuiju", "Tumen–Namyang", "Changbai–Hyesan", "Nanping–Musan", "Hunchun–Kyongwon"):
                expect(frame.locator(".cx-label", has_text=label)).to_be_visible()
            expect(frame.locator(".cx-label", has_text="Dandong–Sinuiju")).to_contain_text("60–200")
            screenshot(page, "replay-stage3-crossings-1440x900")
    expect(frame.locator(".cx-rp-next")).to_be_disabled()
    page.keyboard.press("ArrowRight")  # at the end: stays on the last stage
    check_stage(frame, payload, len(payload["stages"]) - 1)
    state = replay_state(page, "oct9")
    assert sorted(state["drawn"]) == sorted(payload["stages"][-1]["drawn_ids"])
    page.keyboard.press("ArrowLeft")
    check_stage(frame, payload, len(payload["stages"]) - 2)
    page.keyboard.press("Home")
    check_stage(frame, payload, 0)
    # Space plays and pauses, in the page (no Streamlit rerun: the replay runs in the browser).
    control = frame.locator(".cx-rp")
    page.keyboard.press("Space")
    expect(control).to_have_attribute("data-playing", "true")
    expect(frame.locator(".cx-rp-play")).to_have_attribute("aria-label", "Pause")
    page.keyboard.press("Space")
    expect(control).to_have_attribute("data-playing", "false")
    assert requests_log.blocked == [], f"requests left localhost: {requests_log.blocked}"
    assert any(url.endswith("/app/static/crossings/replay.js") for url in requests_log.urls)


def test_monthly_playback_lights_crossings_with_their_numbers(page: Page, app_url: str, payloads) -> None:
    payload = payloads["months"]
    open_timeline(page, app_url)
    page.locator(".st-key-replay-set").get_by_text("2020–2025, month by month", exact=True).click()
    frame = replay_frame(page, "months")
    check_stage(frame, payload, 0)
    frame.locator(".cx-rp-title").click()
    july_2021 = next(i for i, s in enumerate(payload["stages"]) if s["id"] == "2021-07")
    for _ in range(july_2021):
        page.keyboard.press("ArrowRight")
    check_stage(frame, payload, july_2021)
    expect(frame.locator(".cx-label", has_text="Dandong–Sinuiju")).to_contain_text("Jul 2021: about 50")
    page.keyboard.press("End")
    check_stage(frame, payload, len(payload["stages"]) - 1)
    screenshot(page, "replay-months-dec-2025-1440x900")
