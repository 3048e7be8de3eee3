"""Load through the balancer: `bench.load`'s uncached sessions against `bash deploy/run`, 1 and 2 replicas.

    .venv/bin/python -m bench.deploy_load                       # 1 and 2 replicas × 20, 50, 100 sessions
    .venv/bin/python -m bench.deploy_load --replicas 2 --sessions 20 --waves 1

For each replica count it starts the whole deployment as a sysadmin does (`bash deploy/run`: the
replicas, nginx with TLS and cookie affinity) on a throwaway PostgreSQL + PostGIS seeded from data/,
then drives waves of concurrent sessions through nginx (wss://, the tests' kind of self-signed
certificate). Each session is `bench.load.run_uncached_session`: its own date ranges and crossings
across the Map, Timeline and Data pages, so nearly every rerun computes a filter state no one has
opened. A session opens one websocket with no affinity cookie, so nginx spreads sessions over the
replicas as it spreads new browsers. Measured per wave: rerun median / p95 / max, page loads, errors,
and each replica's memory (RSS peak during the wave and after it), with the machine's load average.

Bounded and local: loopback only, at most bench.load.MAX_SESSIONS sessions, every wait has a timeout,
and each deployment run stops after --deadline seconds; everything started is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import websockets

from bench import load
from bench.server import free_port
from geo.store import open_store
from geo.store.cluster import as_store_url, create_database, throwaway_cluster

ROOT = Path(__file__).resolve().parents[1]


def insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the run's own self-signed certificate
    return context


class BalancedSession(load.Session):
    """bench.load's session over wss:// through nginx."""

    async def __aenter__(self) -> BalancedSession:
        ws_url = self.url.replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
        self.ws = await asyncio.wait_for(
            websockets.connect(
                ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=self.timeout,
                ssl=insecure_context(),
                origin=self.url.rstrip("/"),
            ),
            self.timeout,
        )
        return self


load.Session = BalancedSession  # run_uncached_session builds its sessions by this name


async def sample_peaks(pids: list[int], stop: asyncio.Event, interval: float = 0.2) -> dict[int, float]:
    peaks = dict.fromkeys(pids, 0.0)
    while not stop.is_set():
        for pid in pids:
            with contextlib.suppress(OSError, RuntimeError):
                peaks[pid] = max(peaks[pid], load.rss_mb(pid))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval)
    return peaks


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (/proc/PID/stat), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_wave(url: str, pids: list[int], sessions: int, wave: int, args: argparse.Namespace) -> dict:
    cpu_before = {pid: cpu_seconds(pid) for pid in pids}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_peaks(pids, stop))
    started = time.perf_counter()
    rngs = [load.session_rng(args.seed, f"deploy-{len(pids)}", sessions, wave, n) for n in range(sessions)]
    results = await asyncio.gather(*(load.run_uncached_session(url, args.changes, args.timeout, r) for r in rngs))
    wall = time.perf_counter() - started
    stop.set()
    peaks = await sampler
    reruns = [t for r in results for t in r.reruns_s]
    loads = [r.load_s for r in results if r.load_s is not None]
    errors = [e for r in results for e in r.errors]
    cpu = sum(cpu_seconds(pid) - cpu_before[pid] for pid in pids)
    after = {}
    for pid in pids:
        with contextlib.suppress(OSError, RuntimeError):
            after[pid] = load.rss_mb(pid)
    return {
        "replicas": len(pids),
        "sessions": sessions,
        "wave": wave,
        "reruns": len(reruns),
        "rerun_median_s": statistics.median(reruns) if reruns else None,
        "rerun_p95_s": load.percentile(reruns, 0.95),
        "rerun_max_s": max(reruns) if reruns else None,
        "load_median_s": statistics.median(loads) if loads else None,
        "load_p95_s": load.percentile(loads, 0.95),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:5],
        "wall_s": wall,
        # The replicas' own CPU per rerun (page loads included): what a rerun costs whatever else runs on
        # the machine, so cores / this is what the replicas could serve per second with the cores to themselves.
        "replica_cpu_s": cpu,
        "cpu_ms_per_rerun": 1000 * cpu / max(1, len(reruns) + len(loads)),
        "rss_peak_mb": [round(peaks[p]) for p in pids],
        "rss_after_mb": [round(after.get(p, 0.0)) for p in pids],
        "loadavg_1min": float(Path("/proc/loadavg").read_text().split()[0]),
    }


def format_row(row: dict) -> str:
    def s(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    peaks = " + ".join(map(str, row["rss_peak_mb"]))
    after = " + ".join(map(str, row["rss_after_mb"]))
    return (
        f"| {row['replicas']} | {row['sessions']:>3} | {row['wave']} | {row['reruns']:>4} | "
        f"{s(row['rerun_median_s'])} | {s(row['rerun_p95_s'])} | {s(row['rerun_max_s'])} | "
        f"{s(row['load_median_s'])} | {row['errors']} | "
        f"{row['cpu_ms_per_rerun']:.0f} | {peaks} | {after} | {row['loadavg_1min']:.1f} |"
    )


HEADER = (
    "| replicas | sessions | wave | reruns | median s | p95 s | max s | page load median s | errors | "
    "replica CPU ms per rerun | RSS peak MB per replica | RSS after MB | load avg |\n"
    "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|"
)


def start(replicas: int, database_url: str, cert: Path, key: Path, run_dir: Path) -> tuple[subprocess.Popen, dict]:
    port, http_port = free_port(), free_port()
    first = 28_000 + 10 * replicas  # a replica port range of its own (checked free by deploy/run)
    command = [
        "bash", str(ROOT / "deploy" / "run"), "--replicas", str(replicas), "--database-url", database_url,
        "--cert", str(cert), "--key", str(key), "--port", str(port), "--http-port", str(http_port),
        "--first-port", str(first), "--run-dir", str(run_dir),
    ]  # fmt: skip
    log = (run_dir.parent / f"deploy-{replicas}.log").open("w")
    env = {**os.environ, "CROSSINGS_PYTHON": sys.executable}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    state = run_dir / "deployment.json"
    deadline = time.monotonic() + 300
    while not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise RuntimeError(f"bash deploy/run did not start: see {log.name}")
        time.sleep(0.5)
    return process, json.loads(state.read_text())


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()


async def drive(url: str, pids: list[int], args: argparse.Namespace) -> list[dict]:
    rows = []
    deadline = time.monotonic() + args.deadline
    # Warm-up: every replica reads the dataset and encodes its layers once (each replica's first visitors).
    warm = [load.session_rng(args.seed, "warm-up", 1, 0, n) for n in range(2 * len(pids))]
    await asyncio.gather(*(load.run_uncached_session(url, 2, args.timeout, r) for r in warm))
    for sessions in args.sessions:
        for wave in range(1, args.waves + 1):
            if time.monotonic() > deadline:
                print(f"deadline of {args.deadline} s reached: stopping", file=sys.stderr)
                return rows
            row = await asyncio.wait_for(
                run_wave(url, pids, sessions, wave, args), max(1.0, deadline - time.monotonic())
            )
            rows.append(row)
            print(format_row(row), flush=True)
            await asyncio.sleep(args.pause)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.deploy_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sessions", type=int, nargs="+", default=[20, 50, 100])
    parser.add_argument("--waves", type=int, default=2, help="equal waves per size (memory must stop growing)")
    parser.add_argument("--changes", type=int, default=3, help="filter changes per session")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds any single wait may take")
    parser.add_argument("--deadline", type=float, default=600.0, help="seconds per replica count, at most")
    parser.add_argument("--pause", type=float, default=2.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if max(args.sessions) > load.MAX_SESSIONS or args.waves > 5 or args.changes > 20 or max(args.replicas) > 4:
        parser.error(f"bounded: at most {load.MAX_SESSIONS} sessions, 5 waves, 20 changes, 4 replicas")
    print(f"# {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} CPUs, {platform.python_version()}")
    print(HEADER)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="crossings-deploy-load-") as folder, throwaway_cluster() as server:
        base = Path(folder)
        url = as_store_url(create_database(server, "crossings"))
        store = open_store(url)
        store.init()
        store.seed()
        store.close()
        cert, key = base / "cert.pem", base / "key.pem"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        for replicas in args.replicas:
            run_dir = base / f"run-{replicas}"
            run_dir.mkdir()
            process, state = start(replicas, url, cert, key, run_dir)
            try:
                pids = [r["pid"] for r in state["replicas"]]
                rows += asyncio.run(drive(state["url"].rstrip("/"), pids, args))  # https://localhost:PORT
            finally:
                stop(process)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=1))
    return 1 if sum(row["errors"] for row in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
