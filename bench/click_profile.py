"""Where a click -> repaint at 100,000 events goes, and first paint at 100,000 against the empty map.

`python -m bench.click_profile [--n 100000] [--runs 7] [--paints 5]` runs the bench app under `streamlit
run` (as bench/browser.py does, with the page's rerun timed inside the server) and headless Chromium, then
prints, for each click on "Next filter", the time of each step from the click, all on one clock
(epoch milliseconds: the browser's performance.timeOrigin + now(), the server's time.time()):

- press: the pointerdown on the button in the page (before it, Playwright's click() finds the button and
  checks that it is visible, stable and enabled; bench/browser.py's click -> repaint starts at the press);
- rerun start / end: the bench page's script in the server;
- ws: the last websocket message of the rerun reaching the page;
- render: the component's render message reaching the map's frame;
- map.js marks (select, draw, redraw, composed ...) while it applies the filter;
- painted: the next animation frame after the map has drawn (bench/browser.py's definition).

Medians of each step over the runs. Then first paints of the empty map and of `n`, interleaved.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import browser as web
from bench.server import streamlit_server

ROOT = Path(__file__).resolve().parents[1]
GROUPS = 6
TIMED_ENTRY = """import gc, sys, time
sys.path.insert(0, {root!r})
from bench.page import main
_gc = sys.modules.setdefault("_bench_gc", type(sys)("_bench_gc"))
if not hasattr(_gc, "pauses"):
    _gc.pauses = []
    _gc.started = [0.0]
    def _watch(phase, info):
        if phase == "start":
            _gc.started[0] = time.perf_counter()
        else:
            _gc.pauses.append((info["generation"], (time.perf_counter() - _gc.started[0]) * 1000))
    gc.callbacks.append(_watch)
_gc.pauses.clear()
_start = time.time()
try:
    main()
finally:
    _end = time.time()
    _gen2 = sum(ms for gen, ms in _gc.pauses if gen == 2)
    _all = sum(ms for gen, ms in _gc.pauses)
    with open({log!r}, "a") as _log:
        _log.write("%.1f %.1f %.1f %.1f\\n" % (_start * 1000, _end * 1000, _gen2, _all))
"""
# Every frame: map.js's marks on, the render message's arrival (a map frame), the websocket's
# messages and the button's click (the page).
INIT = """(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.__cxMarks = [];
  window.__cxEvents = [];
  window.addEventListener("message", (e) => {
    if (e.data && e.data.type === "streamlit:render") window.__cxEvents.push(["render", now()]);
  }, true);
  const pressed = (e) => window.__cxEvents.push(["press", performance.timeOrigin + e.timeStamp]);
  document.addEventListener("pointerdown", pressed, true);
  const Native = window.WebSocket;
  if (Native) {
    window.WebSocket = function (url, protocols) {
      const ws = protocols === undefined ? new Native(url) : new Native(url, protocols);
      ws.addEventListener("message", (e) => window.__cxEvents.push(["ws", now()]));
      return ws;
    };
    window.WebSocket.prototype = Native.prototype;
    Object.assign(window.WebSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  }
})();"""
FRAME_MARKS = """() => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  const w = f.contentWindow;
  const origin = w.performance.timeOrigin;
  const marks = (w.__cxMarks || []).map(([what, t]) => [what, origin + t]);
  return {marks: marks, events: w.__cxEvents || []};
}"""
RESET = """() => {
  const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
  f.contentWindow.__cxMarks = [];
  f.contentWindow.__cxEvents = [];
  window.__cxEvents = [];
}"""


@contextmanager
def timed_server(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """`streamlit run` of the bench page of the checkout at `root`, each rerun's time appended to a log."""
    workdir = Path(tempfile.mkdtemp(prefix="crossings-clickprof-"))
    log = workdir / "reruns.log"
    log.touch()
    (workdir / "static").symlink_to(root / "static", target_is_directory=True)
    shutil.copytree(root / ".streamlit", workdir / ".streamlit")
    (workdir / "entry.py").write_text(TIMED_ENTRY.format(root=str(root), log=str(log)), encoding="utf-8")
    extra = ["--server.enableStaticServing", "true", "--server.runOnSave", "false"]
    extra += ["--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
    try:
        with streamlit_server(workdir / "entry.py", cwd=workdir, log=workdir / "server.log", extra=extra) as (
            base,
            _process,
        ):
            yield base, log
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def reruns_after(log: Path, t0: float) -> list[tuple[float, ...]]:
    rows = [tuple(map(float, line.split())) for line in log.read_text().splitlines() if line.strip()]
    return [r for r in rows if r[0] >= t0 - 5]


def one_click(page, log: Path) -> dict:
    page.evaluate(RESET)
    before = web.group_count(page)
    start = time.time() * 1000
    page.get_by_role("button", name="Next filter").click()
    painted = web.wait_painted(page, before + GROUPS, 120)
    web.wait_idle(page)
    page.wait_for_timeout(300)  # a second repaint (a view change) would show in the marks
    parent = page.evaluate("() => window.__cxEvents")
    frame = page.evaluate(FRAME_MARKS)
    steps: dict[str, float] = {"playwright click()": 0.0}
    clicked = next((t for what, t, *_rest in parent if what == "press"), None)
    if clicked is not None:
        steps["press (pointerdown)"] = clicked - start
    ws = [t for what, t, *_ in parent if what == "ws" and t > start]
    reruns = reruns_after(log, start)
    if reruns:
        steps["rerun start"] = reruns[-1][0] - start
        steps["rerun end"] = reruns[-1][1] - start
        steps["rerun: gc gen2 ms"] = reruns[-1][2]
        steps["rerun: gc all ms"] = reruns[-1][3]
    if ws:
        steps["ws first"] = ws[0] - start
        steps["ws last"] = ws[-1] - start
    renders = [t for what, t in frame["events"] if what == "render"]
    if renders:
        steps["render msg (last)"] = renders[-1] - start
    counts: dict[str, int] = {}
    for what, t in frame["marks"]:
        counts[what] = counts.get(what, 0) + 1
        name = what if counts[what] == 1 else f"{what} #{counts[what]}"
        steps[name] = t - start
    steps["painted"] = painted - start if painted else float("nan")
    if clicked is not None and painted:
        steps["= press -> painted"] = painted - clicked
    if reruns:
        steps["= rerun (server)"] = reruns[-1][1] - reruns[-1][0]
    if renders and painted:
        steps["= render msg -> painted"] = painted - renders[-1]
    steps["renders"] = len(renders)
    steps["redraws"] = counts.get("redraw start", 0)
    return steps


def paint_marks(chromium, url: str) -> dict:
    """One first paint with map.js's marks: ms from navigation to each step."""
    page, _wire = web.open_page(chromium)
    try:
        page.context.add_init_script(INIT)
        start = time.time() * 1000
        page.goto(url)
        painted = web.wait_painted(page, GROUPS, 300)
        frame = page.evaluate(FRAME_MARKS)
        steps = {"navigation": 0.0}
        for what, t in frame["marks"]:
            steps.setdefault(what, t - start)
        steps["painted"] = painted - start
        return steps
    finally:
        page.context.close()


def summarise(rows: list[dict]) -> list[tuple[str, float, float, float]]:
    names: list[str] = []
    for row in rows:
        for name in row:
            if name not in names:
                names.append(name)
    out = []
    for name in names:
        values = [r[name] for r in rows if name in r]
        out.append((name, statistics.median(values), min(values), max(values)))
    return sorted(out, key=lambda row: (row[0].startswith(("=", "renders", "redraws", "rerun:")), row[1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--paints", type=int, default=5)
    parser.add_argument("--root", type=Path, action="append", help="checkouts to compare (default: this one)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    roots = args.root or [ROOT]
    result: dict = {"load_before": os.getloadavg(), "roots": [str(r) for r in roots]}
    with ExitStack() as stack:
        chromium = stack.enter_context(web.chromium())
        servers = [stack.enter_context(timed_server(root.resolve())) for root in roots]
        pages = []
        for base, _log in servers:
            web.first_paint(chromium, f"{base}/?n={args.n}", GROUPS, 300)  # warm the server's caches
            web.first_paint(chromium, f"{base}/?n=0", GROUPS, 300)
            page, _wire = web.open_page(chromium)
            page.context.add_init_script(INIT)
            page.goto(f"{base}/?n={args.n}")
            web.wait_painted(page, GROUPS, 300)
            web.wait_idle(page)
            page.wait_for_timeout(500)
            pages.append(page)
        rows: list[list[dict]] = [[] for _ in roots]
        for _ in range(args.runs):
            for k, (page, (_base, log)) in enumerate(zip(pages, servers, strict=True)):
                rows[k].append(one_click(page, log))
        for page in pages:
            page.context.close()
        result["click"] = rows
        paints: list[dict[int, list]] = [{0: [], args.n: []} for _ in roots]
        for _ in range(args.paints):
            for k, (base, _log) in enumerate(servers):
                for n in (0, args.n):
                    paints[k][n].append(web.first_paint(chromium, f"{base}/?n={n}", GROUPS, 300)[0])
        result["first_paint"] = paints
        marks: list[list[dict]] = [[] for _ in roots]
        for _ in range(args.paints):
            for k, (base, _log) in enumerate(servers):
                marks[k].append(paint_marks(chromium, f"{base}/?n={args.n}"))
        result["paint_marks"] = marks
    result["load_after"] = os.getloadavg()
    for k, root in enumerate(roots):
        print(f"== {root}: click -> repaint at {args.n:,}, {args.runs} runs, ms from Playwright's click() call")
        for name, med, low, high in summarise(rows[k]):
            print(f"  {name:28s} {med:8.1f}   ({low:.1f}–{high:.1f})")
        empty, full = statistics.median(paints[k][0]), statistics.median(paints[k][args.n])
        print(f"  first paint: empty {empty:.0f} ms, {args.n:,}: {full:.0f} ms, ratio {full / empty:.2f}x")
        print(f"    empty {[round(x) for x in paints[k][0]]}, {args.n:,} {[round(x) for x in paints[k][args.n]]}")
        print(f"  first paint at {args.n:,}, map.js marks (ms from navigation):")
        for name, med, low, high in summarise(marks[k]):
            print(f"    {name:26s} {med:8.1f}   ({low:.1f}–{high:.1f})")
    print(f"load average before {result['load_before']}, after {result['load_after']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
