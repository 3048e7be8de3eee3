"""The published site's targets: its size (gzip), the embed page's first paint against the briefing
file's, and a filter change in the browser.

    python -m bench.site [--runs 7] [--changes 40]

Builds the bundled dataset's site (python -m geo site) into a temporary folder, serves it with
python's http.server on 127.0.0.1, and opens it in headless Chromium with every other request
blocked. "Map drawn" is the time (performance.now(), from navigation start) of the first animation
frame after the legend, the basemap and the data symbols are in the page, for both the embed page and
the briefing file (also served over loopback, so both pay the same transport). A filter change is
CrossingsSite.apply(spec) up to the next animation frame, for random filters (tests/browser/test_site.py's).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import statistics
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

from geo.basemap import basemap_json
from geo.briefing import build_briefing_html
from geo.filters import FilterSpec
from geo.io import load_dataset
from geo.scenes import load_scenes
from geo.site import build_site_files, render_preview, write_site

CHROMIUM = os.environ.get("CROSSINGS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DRAWN = """async (selector) => {
  while (!(document.querySelector('.cx-legend') && document.querySelector('.cx-country')
           && document.querySelector(selector))) await new Promise(r => setTimeout(r, 5));
  await new Promise(r => requestAnimationFrame(r));
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return [performance.now(), fcp ? fcp.startTime : null];
}"""
CHANGE = """async (specs) => {
  const times = [];
  for (const spec of specs) {
    const t0 = performance.now();
    CrossingsSite.apply(spec);
    await new Promise(r => requestAnimationFrame(r));
    times.push(performance.now() - t0);
  }
  return times;
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def gzip_size(content: bytes) -> int:
    return len(gzip.compress(content, compresslevel=9, mtime=0))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args(argv)

    dataset = load_dataset()
    files = build_site_files(dataset, FilterSpec(), basemap_json(), preview=render_preview(dataset, FilterSpec()))
    print("| file | bytes | gzip -9 |\n|---|---:|---:|")
    for path, content in files.items():
        print(f"| {path} | {len(content):,} | {gzip_size(content):,} |")
    total_gzip = sum(gzip_size(c) for c in files.values())
    print(f"| **all** | {sum(len(c) for c in files.values()):,} | **{total_gzip:,}** (target < 1,500,000) |\n")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_site(files, folder / "site")
        scenes = load_scenes(dataset).scenes
        (folder / "briefing.html").write_text(build_briefing_html(dataset, scenes, basemap_json()), encoding="utf-8")
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=tmp))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                results: dict[str, list[tuple[float, float]]] = {"embed": [], "briefing": []}
                for _ in range(args.runs):
                    for name, url in (("embed", f"{base}/site/embed.html"), ("briefing", f"{base}/briefing.html")):
                        context = browser.new_context(viewport={"width": 1200, "height": 560})
                        context.route(
                            "**/*",
                            lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
                        )
                        page = context.new_page()
                        page.goto(url)
                        results[name].append(tuple(page.evaluate(DRAWN, ".leaflet-marker-pane .cx-icon")))
                        context.close()
                print("| page (1200×560) | map drawn, median ms | p95 ms | first contentful paint, median ms |")
                print("|---|---:|---:|---:|")
                medians = {}
                for name, rows in results.items():
                    drawn = [r[0] for r in rows]
                    fcp = [r[1] for r in rows if r[1] is not None]
                    medians[name] = statistics.median(drawn)
                    fcp_text = f"{statistics.median(fcp):.0f}" if fcp else "n/a"
                    print(f"| {name} | {medians[name]:.0f} | {percentile(drawn, 0.95):.0f} | {fcp_text} |")
                print(f"\nembed / briefing: {medians['embed'] / medians['briefing']:.2f} (target ≤ 1.5)\n")

                from tests.browser.test_site import js_spec, random_specs

                page = browser.new_page(viewport={"width": 1440, "height": 900})
                page.goto(f"{base}/site/index.html")
                page.wait_for_function("() => document.documentElement.classList.contains('cx-ready')")
                specs = [js_spec(s) for s in random_specs(dataset, args.changes, seed=7)]
                times = page.evaluate(CHANGE, specs)
                median = statistics.median(times)
                print(
                    f"filter change to next frame ({len(times)} random filters): median {median:.1f} ms, "
                    f"p95 {percentile(times, 0.95):.1f} ms, max {max(times):.1f} ms (target < 100 ms)"
                )
                print(f"load average: {os.getloadavg()}")
                browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
