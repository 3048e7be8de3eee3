"""The cost of one uncached rerun of the real app, per page: what bench/load.py multiplies by N sessions.

    .venv/bin/python -m bench.rerun_cost                      # Map, Timeline and Data, 30 reruns each
    .venv/bin/python -m bench.rerun_cost --pages data --profile 25   # and cProfile's top 25 (script thread)

AppTest runs app.py (the entrypoint, its sidebar, navigation and footer) on the bundled data; every
rerun sets a date range of its own (random, deterministic per --seed), so the filter state is new
and nothing of it is in the caches, as in bench/load.py's uncached sessions. Measured on the script
thread: wall time and CPU time (time.thread_time: what the other sessions wait for under the GIL,
and less disturbed by other work on the machine than wall time). The machine's 1-minute load average
is printed with every figure.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGES = {"map": None, "timeline": "views/timeline.py", "data": "views/data.py"}


class ScriptClock:
    """Wall and CPU time of each script run, taken inside the script thread."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []
        self.profile: cProfile.Profile | None = None
        self.on = False
        original = script_runner.ScriptRunner._run_script

        def timed(runner, *args, **kwargs):
            if not self.on:
                return original(runner, *args, **kwargs)
            if self.profile is not None:
                self.profile.enable()
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return original(runner, *args, **kwargs)
            finally:
                self.cpu.append(time.thread_time() - cpu)
                self.wall.append(time.perf_counter() - wall)
                if self.profile is not None:
                    self.profile.disable()

        script_runner.ScriptRunner._run_script = timed


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(page: str, runs: int, seed: int, clock: ScriptClock) -> dict:
    rng = random.Random(f"{seed}/{page}")  # noqa: S311 (a workload, not a secret)

    def new_range() -> tuple[date, date]:
        start = date(2005, 1, 1) + timedelta(days=rng.randrange(7670))
        return start, start + timedelta(days=rng.randrange(1, 3000))

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if PAGES[page]:
        at.switch_page(PAGES[page]).run()
    for _ in range(3):  # what is cached per dataset version, and the page's first run
        at.session_state["dates"] = new_range()
        at.run()
    clock.wall.clear()
    clock.cpu.clear()
    clock.on = True
    for _ in range(runs):
        at.session_state["dates"] = new_range()
        at.run()
        if at.exception:
            raise RuntimeError([e.value for e in at.exception])
    clock.on = False
    return {
        "page": page,
        "wall_ms": 1000 * statistics.median(clock.wall),
        "cpu_ms": 1000 * statistics.median(clock.cpu),
        "loadavg_1min": load_average(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rerun_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", choices=list(PAGES), default=list(PAGES))
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N functions per page")
    args = parser.parse_args(argv)
    clock = ScriptClock()
    print("| page | wall ms (median) | script-thread CPU ms (median) | load avg |\n|---|---:|---:|---:|")
    for page in args.pages:
        clock.profile = cProfile.Profile() if args.profile else None
        row = measure(page, args.runs, args.seed, clock)
        print(f"| {page} | {row['wall_ms']:.1f} | {row['cpu_ms']:.1f} | {row['loadavg_1min']:.1f} |", flush=True)
        if clock.profile is not None:
            out = io.StringIO()
            pstats.Stats(clock.profile, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
