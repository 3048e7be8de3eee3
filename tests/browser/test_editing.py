"""Editing with review in Chromium: an anonymous visitor reaches neither the edit pages nor restricted
data, by navigation or by URL, and nothing secret crosses the websocket; an editor's draft (hostile
text included) is invisible until a reviewer approves it, then shows on the public page as text.
Screenshots of the edit → review → public flow go to artifacts/screenshots/ (docs/screenshots/ holds copies)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from shapely.geometry import Point

from bench.server import streamlit_server
from geo.store import open_current_store
from tests.browser.conftest import (
    ROOT,
    SCREENSHOTS,
    RequestLog,
    close_context,
    open_page,
    wait_for_idle,
    wait_for_map,
)

pytestmark = pytest.mark.browser

DOCS = SCREENSHOTS  # copied by hand to docs/screenshots/ for the README (a test leaves git clean)
PASSWORD = "correct horse battery"
RESTRICTED = "dc-jangchun"
EDITED = "dc-baishan"
SECRET = "ZQXSECRETMARKER"
SECRET_COORDINATE = "126.98765"
HOSTILE = "<img src=x onerror=window.__pwned=1> note"


@pytest.fixture
def team_app(tmp_path: Path) -> Iterator[str]:
    url = str(tmp_path / "team.sqlite")
    env = {**os.environ, "CROSSINGS_DATABASE_URL": url}
    env.pop("CROSSINGS_DATA_DIR", None)
    env.pop("CROSSINGS_ALLOW_SELF_REVIEW", None)
    store = open_current_store(url)
    store.revise(
        RESTRICTED,
        {"visibility": "restricted", "notes": SECRET, "geometry": Point(126.987654, 41.876543)},
        author="test",
        reason="a secret",
        source_ids=["S5"],
    )
    store.close()
    for name, role in (("ed", "editor"), ("rita", "reviewer")):
        made = subprocess.run(
            [sys.executable, "-m", "geo", "user", "add", name, "--role", role, "--url", url],
            input=PASSWORD + "\n",
            text=True,
            capture_output=True,
            cwd=ROOT,
            env=env,
        )
        assert made.returncode == 0, made.stderr
        assert PASSWORD not in made.stdout + made.stderr
    with streamlit_server(ROOT / "app.py", cwd=ROOT, log=tmp_path / "server.log", env=env) as (base_url, _process):
        yield base_url
    assert PASSWORD not in (tmp_path / "server.log").read_text()


def websocket_frames(page: Page) -> list[bytes]:
    frames: list[bytes] = []

    def on_socket(socket) -> None:
        socket.on(
            "framereceived", lambda payload: frames.append(payload if isinstance(payload, bytes) else payload.encode())
        )

    page.on("websocket", on_socket)
    return frames


def sign_in(page: Page, name: str) -> None:
    page.get_by_text("Editors: sign in").click()
    page.get_by_label("Account").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text(f"Signed in: {name}")).to_be_visible(timeout=30_000)


def test_anonymous_visitors_reach_no_edit_page_and_no_secret(browser: Browser, team_app: str):
    page = open_page(browser, RequestLog())
    frames = websocket_frames(page)
    try:
        for path in ("edit", "review"):
            page.goto(f"{team_app}/{path}")
            wait_for_idle(page)
            expect(page.get_by_text("Editors: sign in")).to_be_visible(timeout=60_000)
            assert page.get_by_role("heading", name="Propose a change").count() == 0
            assert page.get_by_role("heading", name="Review queue").count() == 0
        page.goto(f"{team_app}/?feature={RESTRICTED}")
        expect(page.get_by_text("No feature with id", exact=False)).to_be_visible(timeout=60_000)
        page.goto(f"{team_app}/data")
        wait_for_idle(page)
        expect(page.get_by_text("Editors: sign in")).to_be_visible(timeout=60_000)
        html = page.content() + "".join(frame.content() for frame in page.frames[1:])
        received = b"".join(frames)
        assert SECRET not in html and SECRET_COORDINATE not in html
        assert received and SECRET.encode() not in received and SECRET_COORDINATE.encode() not in received
    finally:
        close_context(page.context)


def test_edit_review_public_flow_with_hostile_text(browser: Browser, team_app: str):
    DOCS.mkdir(parents=True, exist_ok=True)
    editor = open_page(browser, RequestLog())
    try:
        editor.goto(team_app)
        sign_in(editor, "ed")
        editor.get_by_role("link", name="Propose a change").click()
        expect(editor.get_by_role("heading", name="Propose a change")).to_be_visible(timeout=30_000)
        editor.locator('[data-testid="stSelectbox"]').filter(has_text="Record").click()
        editor.keyboard.type("Baishan City")
        editor.keyboard.press("Enter")
        notes = editor.get_by_label("Notes")
        expect(notes).to_be_visible(timeout=30_000)
        notes.fill(HOSTILE)
        notes.press("Control+Enter")
        wait_for_idle(editor)
        reason = editor.get_by_label("Reason for this change (required; shown in the history)")
        reason.fill("Corrected after a new interview " + HOSTILE)
        reason.press("Control+Enter")
        wait_for_idle(editor)
        expect(editor.get_by_text("Preview of the change")).to_be_visible()
        editor.get_by_role("button", name="Submit for review").click()
        expect(editor.get_by_text("is waiting for review", exact=False)).to_be_visible(timeout=30_000)
        editor.screenshot(path=str(DOCS / "edit-draft-1440x900.png"))
    finally:
        close_context(editor.context)

    public = open_page(browser, RequestLog())
    try:
        public.goto(f"{team_app}/?feature={EDITED}")
        expect(public.get_by_text("Baishan City Detention Centre").first).to_be_visible(timeout=60_000)
        assert public.get_by_text("onerror", exact=False).count() == 0  # the draft is not public
    finally:
        close_context(public.context)

    reviewer = open_page(browser, RequestLog())
    try:
        reviewer.goto(team_app)
        sign_in(reviewer, "rita")
        reviewer.get_by_role("link", name="Review").click()
        expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible(timeout=30_000)
        note = reviewer.get_by_label("Review note")
        note.fill("Checked against the interview notes")
        note.press("Enter")
        wait_for_idle(reviewer)
        reviewer.screenshot(path=str(DOCS / "review-queue-1440x900.png"))
        reviewer.get_by_role("button", name="Approve").click()
        expect(reviewer.get_by_text("approved as revision", exact=False)).to_be_visible(timeout=30_000)
    finally:
        close_context(reviewer.context)

    public = open_page(browser, RequestLog())
    try:
        public.goto(f"{team_app}/?feature={EDITED}")
        expect(public.get_by_text("onerror=window.__pwned=1", exact=False).first).to_be_visible(timeout=60_000)
        wait_for_map(public)
        public.screenshot(path=str(DOCS / "public-map-after-review-1440x900.png"))
        public.get_by_text("History").first.click()
        expect(public.get_by_text("reviewed by rita", exact=False).first).to_be_visible(timeout=30_000)
        assert public.evaluate("() => window.__pwned") is None
        assert public.locator("img[src='x']").count() == 0
        public.screenshot(path=str(DOCS / "public-history-after-review-1440x900.png"))
    finally:
        close_context(public.context)
