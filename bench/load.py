"""Load: N concurrent sessions changing filters, over Streamlit's own websocket protocol.

    .venv/bin/python -m bench.load                          # 10, 20 and 50 sessions, 3 equal waves each
    .venv/bin/python -m bench.load --sessions 20 --waves 5  # one size, more waves
    .venv/bin/python -m bench.load --json bench/results/load.json

Each session does what a browser does: it opens the websocket, asks for the map page, then clicks
the sidebar's date presets one after another (each click is a rerun of the whole script: filters,
map payload, details panel, footer) and waits for the rerun to finish. It sends the hashes of the
large messages it has already received, as the browser's message cache does, so unchanged map code
is sent by reference, not again. Measured per click: the time from sending the click to the
server's "script finished", and whether the filter sentence changed as it should.

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
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 100
PRESETS = ("9 Oct 2023", "Aug–Dec 2023", "2020 to now", "All dates")
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
        self.cached: set[str] = set()
        self.buttons: dict[str, str] = {}  # label -> widget id
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
        """Send a rerun (a page load or a click) and wait for the script to finish; seconds taken."""
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash
        state.cached_message_hashes.extend(sorted(self.cached))
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        for widget in widgets or []:
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
        if msg.hash and msg.metadata.cacheable:
            self.cached.add(msg.hash)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self.page_hash = msg.new_session.page_script_hash or self.page_hash
        elif kind == "page_info_changed" or kind == "navigation":
            page = getattr(msg, kind)
            self.page_hash = getattr(page, "page_script_hash", "") or self.page_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            which = element.WhichOneof("type")
            if which == "button":
                self.buttons[element.button.label] = element.button.id
            elif which == "markdown" and element.markdown.body.startswith("**Showing "):
                self.sentence = element.markdown.body.strip("*")

    async def click(self, label: str) -> float:
        widget = WidgetState(id=self.buttons[label], trigger_value=True)
        return await self.rerun([widget])


async def run_session(url: str, changes: int, timeout: float, offset: int) -> SessionResult:
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


async def run_wave(url: str, pid: int, sessions: int, changes: int, timeout: float) -> dict:
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_peak(pid, stop))
    started = time.perf_counter()
    results = await asyncio.gather(*(run_session(url, changes, timeout, n) for n in range(sessions)))
    wall = time.perf_counter() - started
    stop.set()
    peak = await sampler
    reruns = [t for r in results for t in r.reruns_s]
    loads = [r.load_s for r in results if r.load_s is not None]
    errors = [e for r in results for e in r.errors]
    return {
        "sessions": sessions,
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError("streamlit did not become healthy")


def start_server(extra: list[str]) -> tuple[str, subprocess.Popen]:
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", *extra]
    log_path = Path(tempfile.gettempdir()) / f"crossings-load-server-{port}.log"
    print(f"# server log: {log_path}", file=sys.stderr)
    log = log_path.open("w")  # open as long as the server runs
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_healthy(url, process)
    return url, process


def stop_server(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


async def main_async(args: argparse.Namespace, url: str, pid: int) -> list[dict]:
    rows = []
    deadline = time.monotonic() + args.deadline
    # Warm-up: one session, so the first wave does not measure the dataset load and the caches' first fill.
    await run_session(url, len(PRESETS), args.timeout, 0)
    for sessions in args.sessions:
        for wave in range(1, args.waves + 1):
            if time.monotonic() > deadline:
                print(f"deadline of {args.deadline} s reached: stopping", file=sys.stderr)
                return rows
            row = await asyncio.wait_for(
                run_wave(url, pid, sessions, args.changes, args.timeout), max(1.0, deadline - time.monotonic())
            )
            row["wave"] = wave
            rows.append(row)
            print(format_row(row), flush=True)
            await asyncio.sleep(args.pause)
    return rows


def format_row(row: dict) -> str:
    def s(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    return (
        f"| {row['sessions']:>3} | {row['wave']} | {row['reruns']:>4} | {s(row['rerun_median_s'])} | "
        f"{s(row['rerun_p95_s'])} | {s(row['rerun_max_s'])} | {s(row['load_median_s'])} | {row['errors']} | "
        f"{row['rss_peak_mb']:.0f} | {row['rss_after_mb']:.0f} | {row['loadavg_1min']:.1f} |"
    )


HEADER = (
    "| sessions | wave | reruns | median s | p95 s | max s | page load median s | errors | RSS peak MB | "
    "RSS after MB | load avg |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[10, 20, 50])
    parser.add_argument("--waves", type=int, default=3, help="equal waves per size (memory must stop growing)")
    parser.add_argument("--changes", type=int, default=4, help="filter changes (clicks) per session")
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
    process = None
    if args.url:
        if urlsplit(args.url).hostname not in LOOPBACK:
            parser.error("loopback only: --url must point at 127.0.0.1, localhost or ::1")
        if not args.pid:
            parser.error("--url needs --pid (the streamlit process) for the memory figures")
        url, pid = args.url, args.pid
    else:
        url, process = start_server(args.server_args)
        pid = process.pid
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}, {url}")
    print(HEADER)
    try:
        rows = asyncio.run(main_async(args, url, pid))
    finally:
        if process is not None:
            stop_server(process)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))
    failed = sum(row["errors"] for row in rows)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
