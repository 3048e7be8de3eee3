"""Load: N concurrent sessions changing filters, over Streamlit's own websocket protocol.

    .venv/bin/python -m bench.load                          # 10, 20 and 50 sessions: own ranges, then presets
    .venv/bin/python -m bench.load --modes uncached --sessions 20 --waves 5
    .venv/bin/python -m bench.load --modes presets          # only the cached case
    .venv/bin/python -m bench.load --json bench/results/load.json

Each session does what a browser does: it opens the websocket, asks for the map page, then changes
the filters in the sidebar and waits for each rerun to finish (a rerun runs the whole script:
filters, the page, the footer). It sends the hashes of the large messages it has already received,
as the browser's message cache does, so unchanged map code is sent by reference, not again, and the
URL query the server last gave it, as the browser's address bar does. Measured per rerun: the time
from sending it to the server's "script finished", and whether the filter sentence says what it should.

Two modes, one row each:
- `uncached` (the default, first): each session picks its own date ranges (a random start from 2005
  to 2025 and a length from one day to eight years), now and then its own crossings (none, one or
  two), and moves between the Map, Timeline and Data pages (a page change is a rerun too). Ranges
  are random but deterministic per --seed, and differ for every session of every wave, so nearly
  every rerun is a filter state no one has opened: its filtering, map layers, sentence, strip,
  timeline and table are computed, not read from a cache. Checked: the sentence names the range.
- `presets`: each session clicks the sidebar's four date presets one after another; after the
  warm-up every one of those filter states is in the caches (people switching between views that
  others have opened). Checked: the sentence changes after each click.

Bounded and local by construction: the server is started here on 127.0.0.1 (or --url must be a
loopback address), at most MAX_SESSIONS sessions, every wait has a timeout, and the whole run stops
by itself after --deadline seconds. Server memory is the RSS of the streamlit process (/proc),
sampled during each wave and read after it, so equal waves show whether memory keeps growing. The
machine's 1-minute load average is printed with every wave: other work on the machine (tests, other
benchmarks) competes for the same cores and shows there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.server import streamlit_server
from geo.filters import format_range

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 100
PRESETS = ("9 Oct 2023", "Aug–Dec 2023", "2020 to now", "All dates")
MODES = ("uncached", "presets")
PAGES = {"": 0.5, "timeline": 0.25, "data": 0.25}  # url path -> share of page visits (the map is "")
DATE_LABEL, CROSSINGS_LABEL = "Date range", "Crossings"  # the sidebar widgets a session sets
FIRST_START, LAST_START = date(2005, 1, 1), date(2025, 12, 31)
HEADINGS = {"": "### Forced repatriation of North Koreans from China", "timeline": "## Timeline", "data": "## Data"}
PAGE_CHANGE = 0.35  # chance that a session moves to another page before a filter change
CROSSING_CHANGE = 0.3  # chance that a filter change also picks new crossings
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class SessionResult:
    load_s: float | None = None
    reruns_s: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Session:
    """One browser-like session speaking Streamlit's protocol."""

    def __init__(self, url: str, timeout: float) -> None:
        self.url = url
        self.timeout = timeout
        self.page_hash = ""
        self.cached: dict[str, ForwardMsg] = {}  # the browser's message cache: hash -> message
        self.headings: set[str] = set()  # the headings of the last rerun
        self.buttons: dict[str, str] = {}  # label -> widget id
        self.inputs: dict[str, tuple[str, list[str]]] = {}  # label -> (widget id, options) of date input, multiselect
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, WidgetState] = {}  # the values this session has set, sent with every rerun
        self.query_string = ""
        self.sentence = ""
        self.ws = None

    async def __aenter__(self) -> Session:
        ws_url = self.url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        self.ws = await asyncio.wait_for(
            websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout),
            self.timeout,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, widgets: list[WidgetState] | None = None) -> float:
        """Send a rerun (a page load, a click, a filter change) and wait for the script to finish; seconds taken."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_hash
        state.cached_message_hashes.extend(sorted(self.cached))
        self.headings = set()
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        for widget in [*self.widgets.values(), *(widgets or [])]:
            state.widget_states.widgets.append(widget)
        started = time.perf_counter()
        await self.ws.send(message.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), self.timeout)
            msg = ForwardMsg.FromString(raw)
            self._read(msg)
            if msg.WhichOneof("type") == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"script finished with status {msg.script_finished}")
                return time.perf_counter() - started

    def _read(self, msg: ForwardMsg) -> None:
        if msg.WhichOneof("type") == "ref_hash":  # sent by reference: the browser reads its cached copy
            if msg.ref_hash not in self.cached:
                raise RuntimeError("the server referred to a message this session never received")
            msg = self.cached[msg.ref_hash]
        elif msg.hash and msg.metadata.cacheable:
            self.cached[msg.hash] = msg
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "navigation":
            self.page_hash = msg.navigation.page_script_hash or self.page_hash
            self.pages = {page.url_pathname: page.page_script_hash for page in msg.navigation.app_pages}
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                self.buttons[element.button.label] = element.button.id
            elif which == "date_input":  # its options: the last day it accepts
                self.inputs[element.date_input.label] = (element.date_input.id, [element.date_input.max])
            elif which == "multiselect":
                self.inputs[element.multiselect.label] = (element.multiselect.id, list(element.multiselect.options))
            elif which == "markdown" and element.markdown.body.startswith("**Showing "):
                self.sentence = element.markdown.body.strip("*")
            elif which == "markdown" and element.markdown.body.startswith("#"):
                self.headings.add(element.markdown.body)

    async def click(self, label: str) -> float:
        widget = WidgetState(id=self.buttons[label], trigger_value=True)
        return await self.rerun([widget])

    async def set_filters(self, dates: tuple[date, date], crossings: list[str]) -> float:
        """Set the date range and the crossings (their labels) as the sidebar does, and rerun."""
        date_id = self.inputs[DATE_LABEL][0]
        crossings_id = self.inputs[CROSSINGS_LABEL][0]
        self.widgets[date_id] = WidgetState(id=date_id)
        self.widgets[date_id].string_array_value.data.extend(d.isoformat() for d in dates)
        self.widgets[crossings_id] = WidgetState(id=crossings_id)
        self.widgets[crossings_id].string_array_value.data.extend(crossings)
        return await self.rerun()

    async def open_page(self, path: str) -> float:
        self.page_hash = self.pages[path]
        return await self.rerun()


async def run_presets_session(url: str, changes: int, timeout: float, offset: int) -> SessionResult:
    """Click the four date presets in turn (cached after the warm-up)."""
    result = SessionResult()
    try:
        async with Session(url, timeout) as session:
            result.load_s = await session.rerun()
            if not session.sentence:
                raise RuntimeError("the map page sent no filter sentence")
            previous = "All dates"  # the page opens on the whole date range
            for step in range(changes):
                label = PRESETS[(offset + step) % len(PRESETS)]
                before = session.sentence
                result.reruns_s.append(await session.click(label))
                if label != previous and session.sentence == before:
                    raise RuntimeError(f"the filter sentence did not change after '{label}'")
                previous = label
    except Exception as error:  # every failure is counted and reported, never hidden
        result.errors.append(f"{type(error).__name__}: {error}"[:200])
    return result


def random_range(rng: random.Random, last_day: date) -> tuple[date, date]:
    """A date range of its own: a start from FIRST_START to LAST_START, one day to about eight years long
    (ending by `last_day`, the last day the date widget accepts)."""
    start = FIRST_START + timedelta(days=rng.randrange((LAST_START - FIRST_START).days + 1))
    length = rng.choice((rng.randrange(1, 32), rng.randrange(30, 400), rng.randrange(365, 8 * 366)))
    return start, min(start + timedelta(days=length - 1), last_day)


async def run_uncached_session(url: str, changes: int, timeout: float, rng: random.Random) -> SessionResult:
    """Own date ranges, sometimes own crossings, across the Map, Timeline and Data pages."""
    result = SessionResult()
    try:
        async with Session(url, timeout) as session:
            result.load_s = await session.rerun()
            if not session.sentence:
                raise RuntimeError("the map page sent no filter sentence")
            path, crossings = "", []
            for _ in range(changes):
                if rng.random() < PAGE_CHANGE:
                    path = rng.choices([p for p in PAGES if p != path], [w for p, w in PAGES.items() if p != path])[0]
                    before = session.sentence
                    result.reruns_s.append(await session.open_page(path))
                    if session.sentence != before:
                        raise RuntimeError(f"the filter sentence changed on opening page '{path}'")
                    if HEADINGS[path] not in session.headings:
                        raise RuntimeError(f"page '{path}' did not show its heading {HEADINGS[path]!r}")
                dates = random_range(rng, date.fromisoformat(session.inputs[DATE_LABEL][1][0].replace("/", "-")))
                if rng.random() < CROSSING_CHANGE:
                    crossings = rng.sample(session.inputs[CROSSINGS_LABEL][1], rng.choice((0, 1, 1, 2)))
                result.reruns_s.append(await session.set_filters(dates, crossings))
                expected = format_range(*dates)
                if not session.sentence.split(": ", 1)[-1].startswith(expected):
                    raise RuntimeError(f"page '{path}': the sentence {session.sentence!r} does not say {expected!r}")
                if crossings and len(crossings) == 1 and crossings[0] not in session.sentence:
                    raise RuntimeError(f"the sentence {session.sentence!r} does not name {crossings[0]!r}")
    except Exception as error:  # every failure is counted and reported, never hidden
        result.errors.append(f"{type(error).__name__}: {error}"[:200])
    return result


def session_rng(seed: int, mode: str, sessions: int, wave: int, n: int) -> random.Random:
    """Deterministic per seed, different for every session of every wave (so waves do not share states)."""
    return random.Random(f"{seed}/{mode}/{sessions}/{wave}/{n}")  # noqa: S311 (a workload, not a secret)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


async def sample_peak(pid: int, stop: asyncio.Event, interval: float = 0.2) -> float:
    peak = 0.0
    while not stop.is_set():
        peak = max(peak, rss_mb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    return max(peak, rss_mb(pid))


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


async def run_wave(url: str, pid: int, mode: str, sessions: int, wave: int, args: argparse.Namespace) -> dict:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_peak(pid, stop))
    started = time.perf_counter()
    if mode == "presets":
        runs = [run_presets_session(url, args.changes, args.timeout, n) for n in range(sessions)]
    else:
        rngs = [session_rng(args.seed, mode, sessions, wave, n) for n in range(sessions)]
        runs = [run_uncached_session(url, args.changes, args.timeout, rng) for rng in rngs]
    results = await asyncio.gather(*runs)
    wall = time.perf_counter() - started
    stop.set()
    peak = await sampler
    reruns = [t for r in results for t in r.reruns_s]
    loads = [r.load_s for r in results if r.load_s is not None]
    errors = [e for r in results for e in r.errors]
    return {
        "mode": mode,
        "sessions": sessions,
        "wave": wave,
        "reruns": len(reruns),
        "rerun_median_s": statistics.median(reruns) if reruns else None,
        "rerun_p95_s": percentile(reruns, 0.95),
        "rerun_max_s": max(reruns) if reruns else None,
        "load_median_s": statistics.median(loads) if loads else None,
        "load_p95_s": percentile(loads, 0.95),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "wall_s": wall,
        "rss_peak_mb": peak,
        "rss_after_mb": rss_mb(pid),
        "loadavg_1min": float(Path("/proc/loadavg").read_text().split()[0]),
    }


async def main_async(args: argparse.Namespace, url: str, pid: int) -> list[dict]:
    rows = []
    deadline = time.monotonic() + args.deadline
    # Warm-up: the dataset load and what is cached per dataset version (every server has those after its
    # first visitor), and in presets mode the four preset states. Its own seed: no state of the waves.
    await run_presets_session(url, len(PRESETS), args.timeout, 0)
    await run_uncached_session(url, 8, args.timeout, session_rng(args.seed, "warm-up", 1, 0, 0))
    for mode in args.modes:
        for sessions in args.sessions:
            for wave in range(1, args.waves + 1):
                if time.monotonic() > deadline:
                    print(f"deadline of {args.deadline} s reached: stopping", file=sys.stderr)
                    return rows
                row = await asyncio.wait_for(
                    run_wave(url, pid, mode, sessions, wave, args), max(1.0, deadline - time.monotonic())
                )
                rows.append(row)
                print(format_row(row), flush=True)
                await asyncio.sleep(args.pause)
    return rows


def format_row(row: dict) -> str:
    def s(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    return (
        f"| {row['mode']} | {row['sessions']:>3} | {row['wave']} | {row['reruns']:>4} | {s(row['rerun_median_s'])} | "
        f"{s(row['rerun_p95_s'])} | {s(row['rerun_max_s'])} | {s(row['load_median_s'])} | {row['errors']} | "
        f"{row['rss_peak_mb']:.0f} | {row['rss_after_mb']:.0f} | {row['loadavg_1min']:.1f} |"
    )


HEADER = (
    "| mode | sessions | wave | reruns | median s | p95 s | max s | page load median s | errors | RSS peak MB | "
    "RSS after MB | load avg |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="uncached, presets or both")
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20, 50])
    parser.add_argument("--waves", type=int, default=3, help="equal waves per size (memory must stop growing)")
    parser.add_argument("--changes", type=int, default=4, help="filter changes (clicks) per session")
    parser.add_argument("--seed", type=int, default=20, help="the uncached sessions' choices follow from it")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds any single wait may take")
    parser.add_argument("--deadline", type=float, default=900.0, help="the whole run stops after this many seconds")
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between waves")
    parser.add_argument("--url", help="an already running app on a loopback address (else one is started)")
    parser.add_argument("--pid", type=int, help="with --url: the streamlit process, for its memory")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument("server_args", nargs="*", help="after --: extra `streamlit run` options")
    args = parser.parse_args(argv)
    if max(args.sessions) > MAX_SESSIONS or args.waves > 20 or args.changes > 50:
        parser.error(f"bounded: at most {MAX_SESSIONS} sessions, 20 waves, 50 changes")
    with contextlib.ExitStack() as stack:
        if args.url:
            if urlsplit(args.url).hostname not in LOOPBACK:
                parser.error("loopback only: --url must point at 127.0.0.1, localhost or ::1")
            if not args.pid:
                parser.error("--url needs --pid (the streamlit process) for the memory figures")
            url, pid = args.url, args.pid
        else:
            log_path = Path(tempfile.mkdtemp(prefix="crossings-load-")) / "server.log"
            print(f"# server log: {log_path}", file=sys.stderr)
            server = streamlit_server(ROOT / "app.py", cwd=ROOT, log=log_path, extra=args.server_args, stop_timeout=15)
            url, process = stack.enter_context(server)
            pid = process.pid
        print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}, {url}")
        print(HEADER)
        rows = asyncio.run(main_async(args, url, pid))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))
    failed = sum(row["errors"] for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
