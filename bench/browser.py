"""Headless Chromium measurements: first paint, click -> repaint, bytes on the websocket.

The bench app (bench/app.py) runs under `streamlit run` on a free loopback port, from a temporary
directory that holds a two-line entry script and a `static` link to the project's static/
(Streamlit serves static/ next to the main script). Every page is opened in a fresh browser
context; any request that is not to 127.0.0.1 is blocked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

from bench.server import streamlit_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
ENTRY = """import sys
sys.path.insert(0, {root!r})
from bench.page import main
main()
"""
# The map iframe has drawn `groups` feature groups (streamlit-folium pushes each into
# window.feature_group): then the time of the next animation frame, i.e. when it was painted.
PAINTED = """async ([groups]) => {
  const deadline = Date.now() + %d;
  for (;;) {
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const w = f && f.contentWindow;
    // (the groups of the browser-held data draw once its file has come: CrossingsMap.busy() is 0)
    if (w && w.map && w.feature_group && w.feature_group.length >= groups
        && !(w.CrossingsMap && w.CrossingsMap.busy && w.CrossingsMap.busy())) {
      return await new Promise(r => w.requestAnimationFrame(() => w.requestAnimationFrame(() => r(Date.now()))));
    }
    if (Date.now() > deadline) return -1;
    await new Promise(r => setTimeout(r, 5));
  }
}"""


@contextmanager
def bench_server(timeout: float = 90.0) -> Iterator[str]:
    """`streamlit run` of the bench app on a free loopback port; yields its base URL."""
    workdir = Path(tempfile.mkdtemp(prefix="crossings-bench-"))
    (workdir / "static").symlink_to(ROOT / "static", target_is_directory=True)
    shutil.copytree(ROOT / ".streamlit", workdir / ".streamlit")
    (workdir / "bench_entry.py").write_text(ENTRY.format(root=str(ROOT)), encoding="utf-8")
    extra = ["--server.enableStaticServing", "true", "--server.runOnSave", "false"]
    extra += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    try:
        with streamlit_server(
            workdir / "bench_entry.py", cwd=workdir, log=workdir / "server.log", extra=extra, timeout=timeout
        ) as (base, _process):
            yield base
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Wire:
    """Bytes the server sent on the Streamlit websocket, frame by frame."""

    frames: list[int] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_socket(ws) -> None:
            if "_stcore/stream" in ws.url:
                ws.on("framereceived", lambda payload: self.frames.append(len(payload)))

        page.on("websocket", on_socket)

    def total(self) -> int:
        return sum(self.frames)


def _loopback_only(route) -> None:
    url = route.request.url
    if url.startswith(("data:", "blob:", "about:")) or "//127.0.0.1:" in url:
        route.continue_()
    else:
        route.abort()


def open_page(browser: Browser, width: int = 1440, height: int = 900) -> tuple[Page, Wire]:
    context = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    context.route("**/*", _loopback_only)
    page = context.new_page()
    page.set_default_timeout(120_000)
    wire = Wire()
    wire.attach(page)
    return page, wire


def wait_painted(page: Page, groups: int, timeout_s: float) -> float | None:
    """Epoch milliseconds of the first frame after `groups` feature groups were drawn (None: timed out)."""
    value = page.evaluate(PAINTED % int(timeout_s * 1000), [groups])
    return None if value < 0 else float(value)


def wait_idle(page: Page, timeout_s: float = 120) -> None:
    """Streamlit's status widget no longer says Running (the rerun finished)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_s * 1000,
    )


def first_paint(browser: Browser, url: str, groups: int, timeout_s: float) -> tuple[float | None, int]:
    """Milliseconds from navigation to the painted map, and the websocket bytes it took."""
    page, wire = open_page(browser)
    try:
        start = time.time() * 1000
        page.goto(url)
        painted = wait_painted(page, groups, timeout_s)
        return (None if painted is None else painted - start), wire.total()
    finally:
        page.context.unroute_all(behavior="ignoreErrors")
        page.context.close()


def group_count(page: Page) -> int:
    return page.evaluate(
        """() => { const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
                   return (f && f.contentWindow && f.contentWindow.feature_group || []).length; }"""
    )


# The press that starts a click: its time (epoch milliseconds) in window.__cxPressed. Interaction to Next
# Paint counts an interaction from its first input event as this does.
WATCH_PRESS = """() => {
  window.__cxPressed = null;
  document.addEventListener("pointerdown", (e) => { window.__cxPressed = performance.timeOrigin + e.timeStamp; },
                            {capture: true, once: true});
}"""


@dataclass
class Repaint:
    """A click -> repaint: milliseconds from the press on the button (ms) and from the start of Playwright's
    click() call (from_call_ms: also its search for the button and its checks that the button is visible,
    stable and enabled, about two animation frames), and the websocket bytes of that rerun."""

    ms: float | None
    websocket_bytes: int
    from_call_ms: float | None = None


def click_repaint(page: Page, wire: Wire, button: str, groups_per_draw: int, timeout_s: float) -> Repaint:
    """A click on `button` until the map has drawn the next render's groups and painted the next frame."""
    before = group_count(page)
    sent_before = wire.total()
    page.evaluate(WATCH_PRESS)
    start = time.time() * 1000
    page.get_by_role("button", name=button).click()
    painted = wait_painted(page, before + groups_per_draw, timeout_s)
    if painted is None:
        return Repaint(None, wire.total() - sent_before)
    pressed = page.evaluate("() => window.__cxPressed")
    wait_idle(page)
    return Repaint(None if pressed is None else painted - pressed, wire.total() - sent_before, painted - start)


def toggle_rerun(page: Page, wire: Wire, label: str) -> tuple[float, int, bool]:
    """A rerun that changes no data: (milliseconds to idle, websocket bytes, map redrawn?)."""
    before = group_count(page)
    sent_before = wire.total()
    start = time.time() * 1000
    page.get_by_text(label).click()
    page.wait_for_timeout(50)
    wait_idle(page)
    elapsed = time.time() * 1000 - start
    return elapsed, wire.total() - sent_before, group_count(page) != before


def reference_repaint(url: str, timeout_s: float) -> dict:
    """The GeoJson(gdf) page: first paint, then click -> repaint, in a child process killed at the timeout.

    Drawing 100,000 icon markers blocks the page's only thread for minutes, and Playwright cannot interrupt
    a blocked page; a child process (own session, so its Chromium goes with it) can be.
    """
    command = [sys.executable, "-m", "bench.browser", url, str(timeout_s)]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=timeout_s + 30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    result = {"first_paint_ms": None, "click_repaint_ms": None}
    for line in output.splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    result["wall_s"] = time.monotonic() - started
    return result


def _reference_child(url: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    with chromium() as browser:
        page, wire = open_page(browser)
        start = time.time() * 1000
        page.goto(url)
        painted = wait_painted(page, 1, max(1.0, deadline - time.monotonic()))
        if painted is None:
            return
        print(json.dumps({"first_paint_ms": painted - start}), flush=True)
        wait_idle(page, max(1.0, deadline - time.monotonic()))
        repaint = click_repaint(page, wire, "Next filter", 1, max(1.0, deadline - time.monotonic()))
        print(
            json.dumps({"click_repaint_ms": repaint.ms, "click_websocket_bytes": repaint.websocket_bytes}), flush=True
        )


if __name__ == "__main__":
    _reference_child(sys.argv[1], float(sys.argv[2]))
